/**
 * The markdown of a text widget, read into a tree the console renders as React elements: headings,
 * paragraphs, lists, rules, code, bold, italic, inline code and links. Nothing is ever read as HTML: a `<script>`
 * in the markdown is text, and a link is kept only when it goes to http(s).
 */

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'strong'; children: Inline[] }
  | { kind: 'em'; children: Inline[] }
  | { kind: 'code'; text: string }
  | { kind: 'link'; href: string; children: Inline[] };

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; children: Inline[] }
  | { kind: 'paragraph'; children: Inline[] }
  | { kind: 'list'; ordered: boolean; items: Inline[][] }
  | { kind: 'code'; text: string }
  | { kind: 'rule' };

/** Emphasis nested deeper than this is left as it is written. */
const MAX_DEPTH = 6;

/** A link target the console follows: absolute http(s) only (no javascript:, data: or relative URLs). */
export function safeHref(raw: string): string | undefined {
  try {
    const url = new URL(raw.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function pushText(out: Inline[], text: string): void {
  const last = out.at(-1);
  if (last?.kind === 'text') last.text += text;
  else if (text !== '') out.push({ kind: 'text', text });
}

const WORD = /[\p{L}\p{N}]/u;

/** `[label](url "title")` at `at`: its end, label and target; CloudWatch's `button:` prefix is dropped. */
function readLink(text: string, at: number): { end: number; label: string; target: string } | undefined {
  const close = text.indexOf('](', at + 1);
  if (close === -1) return undefined;
  const end = text.indexOf(')', close + 2);
  if (end === -1) return undefined;
  const label = text.slice(at + 1, close).replace(/^button:(?:primary:)?/, '');
  const target =
    text
      .slice(close + 2, end)
      .trim()
      .split(/\s+/)[0] ?? '';
  return { end: end + 1, label, target };
}

type Read = { nodes: Inline[]; end: number } | undefined;

/** `*em*`, `_em_`, `**strong**` or `__strong__` at `at`; `_` inside a word (snake_case) is a letter. */
function readEmphasis(text: string, at: number, depth: number): Read {
  const char = text[at] ?? '';
  const strong = text[at + 1] === char;
  const marker = strong ? char + char : char;
  if (char === '_' && WORD.test(text[at - 1] ?? '')) return undefined;
  const end = text.indexOf(marker, at + marker.length + 1);
  if (end === -1 || text[at + marker.length] === ' ') return undefined;
  const children = parseInline(text.slice(at + marker.length, end), depth + 1);
  return {
    nodes: [strong ? { kind: 'strong', children } : { kind: 'em', children }],
    end: end + marker.length,
  };
}

/** A link at `at`; one to anywhere but http(s) is only its words. */
function readLinkNodes(text: string, at: number, depth: number): Read {
  const link = readLink(text, at);
  if (!link) return undefined;
  const children = parseInline(link.label, depth + 1);
  const href = safeHref(link.target);
  return { nodes: href ? [{ kind: 'link', href, children }] : children, end: link.end };
}

export function parseInline(text: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] ?? '';
    const next = text[i + 1] ?? '';
    let read: Read;
    if (char === '\\' && /[\\`*_[\]()#+\-.!]/.test(next))
      read = { nodes: [{ kind: 'text', text: next }], end: i + 2 };
    else if (char === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i + 1) read = { nodes: [{ kind: 'code', text: text.slice(i + 1, end) }], end: end + 1 };
    } else if ((char === '*' || char === '_') && depth < MAX_DEPTH) read = readEmphasis(text, i, depth);
    else if (char === '[' && depth < MAX_DEPTH) read = readLinkNodes(text, i, depth);
    for (const node of read?.nodes ?? [{ kind: 'text', text: char }]) {
      if (node.kind === 'text') pushText(out, node.text);
      else out.push(node);
    }
    i = read?.end ?? i + 1;
  }
  return out;
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,9}[.)]\s+(.*)$/;
const RULE = /^\s*([-*_])(?:\s*\1){2,}\s*$/;
const FENCE = /^\s*(```|~~~)/;

type ListBlock = Extract<Block, { kind: 'list' }>;

export function parseMarkdown(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  let paragraph: string[] = [];
  let list: ListBlock | undefined;
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ kind: 'paragraph', children: parseInline(paragraph.join(' ')) });
    paragraph = [];
    list = undefined;
  };
  for (let n = 0; n < lines.length; n += 1) {
    const line = lines[n] ?? '';
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      for (n += 1; n < lines.length && !(lines[n] ?? '').trim().startsWith(fence[1] ?? '```'); n += 1)
        code.push(lines[n] ?? '');
      blocks.push({ kind: 'code', text: code.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    const item = RULE.test(line) ? undefined : (BULLET.exec(line) ?? NUMBERED.exec(line));
    if (line.trim() === '') flush();
    else if (heading) {
      flush();
      const level = (heading[1] ?? '#').length as 1 | 2 | 3 | 4 | 5 | 6;
      blocks.push({ kind: 'heading', level, children: parseInline(heading[2] ?? '') });
    } else if (RULE.test(line)) {
      flush();
      blocks.push({ kind: 'rule' });
    } else if (item) {
      const ordered = NUMBERED.test(line) && !BULLET.test(line);
      if (!list || list.ordered !== ordered) {
        flush();
        list = { kind: 'list', ordered, items: [] };
        blocks.push(list);
      }
      list.items.push(parseInline(item[1] ?? ''));
    } else if (list && /^\s+\S/.test(line)) {
      // An indented line continues the list item above it.
      list.items.at(-1)?.push({ kind: 'text', text: ` ${line.trim()}` });
    } else {
      list = undefined;
      paragraph.push(line.trim());
    }
  }
  flush();
  return blocks;
}
