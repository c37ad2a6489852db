// A plain, framework-free XML element: what the pure stanza builders and parsers of src/xmpp
// (vCard mapping, XEP-0070, bot commands) take and return. Only xmpp-connector.ts converts it to
// and from @xmpp/client's ltx elements, so nothing else depends on that library's types.
//
// `ns` is the element's resolved namespace (RFC 6120 §4.8: inherited from the nearest ancestor
// that declares one) and `lang` its resolved xml:lang when the element came off the wire; elements
// built here carry both as attributes (`xmlns`, `xml:lang`), the way they are serialised.

export interface XmlElement {
  /** Local name, without any namespace prefix. */
  readonly name: string;
  /** Resolved namespace URI (parsed elements); built elements use `attrs.xmlns`. */
  readonly ns?: string;
  /**
   * The language of its text (parsed elements): its own xml:lang, else the nearest ancestor's, up
   * to the stream header (RFC 6120 §8.1.5; XML 1.0 §2.12). Built elements use `attrs['xml:lang']`.
   */
  readonly lang?: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlChild[];
}

export type XmlChild = XmlElement | string;

/** Builds an element; `undefined` attributes and children are left out. */
export function element(name: string, attrs: Readonly<Record<string, string | undefined>> = {}, ...children: ReadonlyArray<XmlChild | undefined>): XmlElement {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined) clean[key] = value;
  return { name, attrs: clean, children: children.filter((c): c is XmlChild => c !== undefined) };
}

/** The namespace of `node`: the resolved one, else its own `xmlns`, else `inherited`. */
export function namespaceOf(node: XmlElement, inherited?: string): string | undefined {
  return node.ns ?? node.attrs['xmlns'] ?? inherited;
}

export function isElement(child: XmlChild): child is XmlElement {
  return typeof child !== 'string';
}

/**
 * Child elements named `name` (case-sensitive, as XML is), optionally in namespace `ns`. A child
 * without a namespace of its own is in its parent's (RFC 6120 §4.8.3 default namespace rules).
 */
export function childElements(node: XmlElement, name?: string, ns?: string): XmlElement[] {
  const parentNs = namespaceOf(node);
  return node.children.filter(isElement).filter((c) => (name === undefined || c.name === name) && (ns === undefined || namespaceOf(c, parentNs) === ns));
}

export function firstChild(node: XmlElement, name: string, ns?: string): XmlElement | undefined {
  return childElements(node, name, ns)[0];
}

/** The concatenated text children of `node` (not of its descendants). */
export function textOf(node: XmlElement): string {
  return node.children.filter((c): c is string => typeof c === 'string').join('');
}

/** Text of the first child `name`, or undefined when there is no such child. */
export function childText(node: XmlElement, name: string, ns?: string): string | undefined {
  const child = firstChild(node, name, ns);
  return child === undefined ? undefined : textOf(child);
}

/** Element at `path` (names of nested first children), e.g. `['items', 'item', 'vcard']`. */
export function findPath(node: XmlElement, path: readonly string[]): XmlElement | undefined {
  let current: XmlElement | undefined = node;
  for (const name of path) {
    if (current === undefined) return undefined;
    current = firstChild(current, name);
  }
  return current;
}
