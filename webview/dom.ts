// Small DOM helpers. Text always goes in through textContent: report strings (strace arguments, paths,
// program output) are data, never markup.
export interface Props {
  text?: string;
  cls?: string;
  attrs?: Record<string, string | undefined>;
  on?: Partial<Record<keyof HTMLElementEventMap, (e: Event) => void>>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Array<Node | null | undefined | false>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  apply(e, props);
  for (const c of children) if (c) e.appendChild(c);
  return e;
}

/** A custom element (vscode-elements) by tag name. */
export function ce(tag: string, props: Props = {}, ...children: Array<Node | null | undefined | false>): HTMLElement {
  const e = document.createElement(tag);
  apply(e, props);
  for (const c of children) if (c) e.appendChild(c);
  return e;
}

function apply(e: HTMLElement, props: Props): void {
  if (props.text !== undefined) e.textContent = props.text;
  if (props.cls) e.className = props.cls;
  for (const [k, v] of Object.entries(props.attrs ?? {})) if (v !== undefined) e.setAttribute(k, v);
  for (const [k, fn] of Object.entries(props.on ?? {})) if (fn) e.addEventListener(k, fn);
}

export function section(title: string, id: string, ...children: Array<Node | null | undefined | false>): HTMLElement {
  const h = el('h2', { text: title, attrs: { id: `${id}-title` } });
  return el('section', { cls: `section ${id}`, attrs: { 'aria-labelledby': `${id}-title`, 'data-section': id } }, h, ...children);
}

/** Text where `backticked` spans become <code>: built from text nodes, so nothing in it is ever markup. */
export function richText(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  text.split(/(`[^`]+`)/).forEach((part) => {
    if (part.startsWith('`') && part.endsWith('`') && part.length > 2) frag.appendChild(el('code', { text: part.slice(1, -1) }));
    else if (part) frag.appendChild(document.createTextNode(part));
  });
  return frag;
}
