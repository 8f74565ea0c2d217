/**
 * The only way the page builds DOM. Ledger text (addresses, failure messages, user agents, raw dead
 * letters) is attacker-controlled, so text always goes in through createTextNode and attributes through
 * setAttribute, never through an HTML parser. Event handler attributes are refused outright, and URL
 * attributes only take in-page (#...), relative or blob: URLs: a `javascript:` or foreign URL taken
 * from a record cannot become a link.
 */
export type Child = Node | string | number | null | undefined | false;
export type Children = readonly (Child | readonly Child[])[];
export type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Readonly<Record<string, AttrValue>>;

/** A programming error of the page (an unsafe attribute), not a fault of the data. */
export class UnsafeMarkupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeMarkupError';
  }
}

const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'srcset', 'poster', 'data']);

/** `#...`, a relative path, or a blob: URL (the CSV download we made ourselves). */
export function isSafeUrl(url: string): boolean {
  const trimmed = url.trim();
  if (trimmed.startsWith('#')) return true;
  if (trimmed.startsWith('blob:')) return true;
  if (trimmed.startsWith('//') || trimmed.startsWith('\\')) return false;
  // Any scheme (javascript:, data:, https:) is refused; control characters could hide one.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(trimmed)) return false;
  return !/^[a-z][a-z0-9+.-]*:/i.test(trimmed);
}

function setAttributes(node: Element, attrs: Attrs | null | undefined): void {
  if (attrs === null || attrs === undefined) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    const lower = name.toLowerCase();
    if (lower.startsWith('on')) throw new UnsafeMarkupError(`event handler attribute ${name} is not allowed; use addEventListener`);
    if (lower === 'style') throw new UnsafeMarkupError('inline style is blocked by the CSP; use a class');
    const text = value === true ? '' : String(value);
    if (URL_ATTRIBUTES.has(lower) && !isSafeUrl(text)) throw new UnsafeMarkupError(`${name} must be #..., relative or blob:, got ${JSON.stringify(text)}`);
    node.setAttribute(name, text);
  }
}

function append(node: Node, children: Children): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** `el('a', { href: '#/overview' }, 'Overview')`: an HTML element with safe attributes and text children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Children): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The same for SVG (the sparklines): createElementNS, never markup. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Children): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

/** Replace everything under `node`. */
export function replace(node: Element, ...children: Children): void {
  node.replaceChildren();
  append(node, children);
}

/** A button that runs `action` on click. */
export function button(label: string, action: () => void, attrs?: Attrs): HTMLButtonElement {
  const node = el('button', { type: 'button', ...attrs }, label);
  node.addEventListener('click', action);
  return node;
}
