import { Fragment, type ReactNode, useMemo } from 'react';
import type { Widget } from '../dashboards/body.js';
import { type Block, type Inline, parseMarkdown } from '../dashboards/markdown.js';
import { WidgetFrame } from './widget-frame.js';

/** Inline markdown as React elements: every piece of text is a string child, which React escapes. */
function InlineNodes({ nodes }: { nodes: Inline[] }): ReactNode {
  return nodes.map((node, i) => {
    const key = `${i}-${node.kind}`;
    switch (node.kind) {
      case 'text':
        return <Fragment key={key}>{node.text}</Fragment>;
      case 'code':
        return <code key={key}>{node.text}</code>;
      case 'strong':
        return (
          <strong key={key}>
            <InlineNodes nodes={node.children} />
          </strong>
        );
      case 'em':
        return (
          <em key={key}>
            <InlineNodes nodes={node.children} />
          </em>
        );
      case 'link':
        return (
          <a key={key} href={node.href} target="_blank" rel="noopener noreferrer">
            <InlineNodes nodes={node.children} />
          </a>
        );
      default:
        return null;
    }
  });
}

function BlockNode({ block }: { block: Block }) {
  switch (block.kind) {
    case 'heading': {
      // h1 in the markdown sits under the page's own headings (h2 the dashboard, h3 widgets).
      const Tag = (['h3', 'h3', 'h4', 'h5', 'h6', 'h6'] as const)[block.level - 1] ?? 'h6';
      return (
        <Tag className={`md-h${block.level}`} data-testid="markdown-heading">
          <InlineNodes nodes={block.children} />
        </Tag>
      );
    }
    case 'paragraph':
      return (
        <p>
          <InlineNodes nodes={block.children} />
        </p>
      );
    case 'list': {
      const items = block.items.map((item, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: items have no identity but their place.
        <li key={i}>
          <InlineNodes nodes={item} />
        </li>
      ));
      return block.ordered ? <ol>{items}</ol> : <ul>{items}</ul>;
    }
    case 'code':
      return (
        <pre>
          <code>{block.text}</code>
        </pre>
      );
    case 'rule':
      return <hr />;
    default:
      return null;
  }
}

/** Markdown as the console draws it (a small subset, never HTML): see dashboards/markdown.ts. */
export function Markdown({ text }: { text: string }) {
  const blocks = useMemo(() => parseMarkdown(text), [text]);
  return (
    <div className="markdown" data-testid="markdown">
      {blocks.map((block, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: blocks are redrawn whole when the text changes.
        <BlockNode key={i} block={block} />
      ))}
    </div>
  );
}

/** A text widget: its markdown, on the card or (background: transparent) on the page. */
export function TextWidget({ widget }: { widget: Widget }) {
  const markdown = typeof widget.properties.markdown === 'string' ? widget.properties.markdown : '';
  const transparent = widget.properties.background === 'transparent';
  return (
    <WidgetFrame widget={widget} title={undefined} status="loaded" generation={0} transparent={transparent}>
      <Markdown text={markdown} />
    </WidgetFrame>
  );
}
