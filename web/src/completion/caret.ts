/** What decides where text wraps and how tall a line is; copied onto the measuring copy. */
const COPIED = [
  'boxSizing',
  'width',
  'paddingTop',
  'paddingRight',
  'paddingBottom',
  'paddingLeft',
  'borderTopWidth',
  'borderRightWidth',
  'borderBottomWidth',
  'borderLeftWidth',
  'fontFamily',
  'fontSize',
  'fontWeight',
  'fontStyle',
  'letterSpacing',
  'lineHeight',
  'tabSize',
  'textTransform',
  'wordSpacing',
] as const;

/**
 * Where the caret at `position` is drawn, in pixels from the textarea's top-left corner (below its line): a
 * hidden copy of the textarea, styled alike through the CSSOM, is measured up to that position.
 */
export function caretPoint(textarea: HTMLTextAreaElement, position: number): { left: number; top: number } {
  const copy = document.createElement('div');
  const computed = getComputedStyle(textarea);
  for (const property of COPIED) copy.style[property] = computed[property];
  copy.style.position = 'absolute';
  copy.style.visibility = 'hidden';
  copy.style.whiteSpace = 'pre-wrap';
  copy.style.overflowWrap = 'break-word';
  copy.style.top = '0';
  copy.style.left = '-9999px';
  copy.textContent = textarea.value.slice(0, position);
  const marker = document.createElement('span');
  marker.textContent = '\u200b';
  copy.append(marker);
  document.body.append(copy);
  const lineHeight = Number.parseFloat(computed.lineHeight) || marker.offsetHeight;
  const point = {
    left: marker.offsetLeft - textarea.scrollLeft,
    top: marker.offsetTop - textarea.scrollTop + lineHeight,
  };
  copy.remove();
  return point;
}
