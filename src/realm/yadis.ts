// Yadis 1.0 discovery (the XRDS-based relying party discovery of OpenID 2.0 §13), over SafeFetch.
//
// Protocol (Yadis 1.0 §6.2.4 Initiation, §6.2.5 Response): GET the URL asking for
// `application/xrds+xml`; the answer is either the XRDS document itself (by its content type), or
// names the document's location in an `X-XRDS-Location` response header or, for HTML, in a
// `<meta http-equiv="X-XRDS-Location" content="...">` of its <head>. Anything else means the URL
// has no Yadis document. We make at most one more fetch for that location, and the document found
// there is read as XRDS whatever its content type (python-openid does the same).
//
// Document (Yadis 1.0 §7, XRI Resolution 2.0 §4): the Yadis resource descriptor is the LAST XRD
// element of the XRDS. Services are ordered by their `priority` attribute, lowest value first,
// services without a (valid) priority after all others (XRI Resolution 2.0 §4.3.3); the URIs of a
// service are ordered the same way. Ties keep document order: XRI allows a random pick, but a
// deterministic order is easier to reason about and no caller here load-balances.
//
// Parsing: fast-xml-parser with entity processing off and any DOCTYPE refused, so no entity can
// be declared or expanded; the five predefined XML entities and character references are decoded
// by hand. Element names are compared by local name (namespace prefixes removed): XRDS documents
// in the wild use both prefixed and default namespaces, and nothing here depends on telling a
// foreign "Service" element apart.

import { Injectable } from '@nestjs/common';
import { XMLParser } from 'fast-xml-parser';
import { ServiceType } from '../protocol/consts.js';
import { FetchRefused, SafeFetch, type SafeFetchResponse } from './safe-fetch.js';

/** Yadis 1.0 §6.2.4: the media type of an XRDS document, also the Accept value of the first GET. */
export const XRDS_CONTENT_TYPE = 'application/xrds+xml';
/** Yadis 1.0 §6.2.5: response header and meta http-equiv naming the XRDS location. */
export const XRDS_LOCATION_HEADER = 'x-xrds-location';

export interface XrdsService {
  readonly types: readonly string[];
  /** URIs of the service, in priority order. */
  readonly uris: readonly string[];
  /** The `priority` attribute, null when absent or not a non-negative integer. */
  readonly priority: number | null;
}

export interface YadisResult {
  /** The URL that answered the first GET, after redirects. */
  readonly finalUrl: string;
  /** Where the XRDS document came from; null when the URL has no Yadis document. */
  readonly xrdsUrl: string | null;
  /** Services of the last XRD in priority order; empty when there is no document. */
  readonly services: readonly XrdsService[];
}

/** The fetched document is not a usable XRDS (malformed XML, no XRDS root, DOCTYPE...). */
export class InvalidXrds extends Error {
  constructor(
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InvalidXrds';
  }
}

@Injectable()
export class YadisDiscovery {
  constructor(private readonly fetch: SafeFetch) {}

  /**
   * Runs Yadis discovery on `url`. Rejects with FetchRefused when a fetch fails and with
   * InvalidXrds when the document found is not XRDS.
   */
  async discover(url: string): Promise<YadisResult> {
    // Yadis 1.0 §6.2.4: content negotiation for the XRDS document; an HTML page is only scanned for
    // its <head>, so it may be cut at the size cap.
    const first = await this.fetch.get(url, { headers: { accept: `${XRDS_CONTENT_TYPE}, text/html;q=0.3, */*;q=0.1` }, truncate: true });
    if (isXrdsContentType(first.headers['content-type'])) {
      // A cut XRDS document is not one: refuse rather than parse half of it.
      if (first.truncated) throw new FetchRefused('too_large', { detail: `XRDS document over the size limit at ${first.finalUrl}` });
      return { finalUrl: first.finalUrl, xrdsUrl: first.finalUrl, services: parseXrdsOrThrow(first) };
    }
    const location = xrdsLocation(first);
    if (location === undefined) return { finalUrl: first.finalUrl, xrdsUrl: null, services: [] };
    const document = await this.fetch.get(location, { headers: { accept: XRDS_CONTENT_TYPE } });
    return { finalUrl: first.finalUrl, xrdsUrl: document.finalUrl, services: parseXrdsOrThrow(document) };
  }

  /**
   * The URIs of the relying party's return_to endpoints (OpenID 2.0 §13: services of type
   * http://specs.openid.net/auth/2.0/return_to), in priority order.
   */
  async discoverReturnToUrls(url: string): Promise<{ finalUrl: string; xrdsUrl: string | null; returnToUrls: string[]; iconUrls: string[] }> {
    const result = await this.discover(url);
    return { finalUrl: result.finalUrl, xrdsUrl: result.xrdsUrl, returnToUrls: returnToUrls(result.services), iconUrls: iconUrls(result.services) };
  }
}

/**
 * OpenID UI Extension 1.0 §6: the URIs of the RP's icon services (Type
 * http://specs.openid.net/extensions/ui/icon) in the same document, in priority order.
 */
export function iconUrls(services: readonly XrdsService[]): string[] {
  return services.filter((s) => s.types.includes(ServiceType.rpIcon)).flatMap((s) => s.uris);
}

/** OpenID 2.0 §13: URIs of the return_to services, services then URIs in priority order. */
export function returnToUrls(services: readonly XrdsService[]): string[] {
  return services.filter((s) => s.types.includes(ServiceType.rpReturnTo)).flatMap((s) => s.uris);
}

function isXrdsContentType(value: string | undefined): boolean {
  // Yadis 1.0 §6.2.5: the media type decides; parameters (charset) do not matter.
  return value !== undefined && value.split(';')[0]!.trim().toLowerCase() === XRDS_CONTENT_TYPE;
}

/** Yadis 1.0 §6.2.5: the header first, then an HTML meta; relative values resolve against the page. */
function xrdsLocation(response: SafeFetchResponse): string | undefined {
  const header = response.headers[XRDS_LOCATION_HEADER];
  const value = (Array.isArray(header) ? header[0] : header)?.trim() || xrdsLocationFromHtml(response.body.toString('utf8'));
  if (value === undefined || value === '') return undefined;
  try {
    return new URL(value, response.finalUrl).href;
  } catch {
    // SafeFetch reports the unusable URL with its own reason.
    return value;
  }
}

function parseXrdsOrThrow(response: SafeFetchResponse): XrdsService[] {
  try {
    return parseXrds(response.body.toString('utf8'));
  } catch (error) {
    throw new InvalidXrds(error instanceof Error ? error.message : 'not an XRDS document', response.finalUrl, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// XRDS documents

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  alwaysCreateTextNode: true,
  processEntities: false,
  htmlEntities: false,
  isArray: (name) => name === 'XRD' || name === 'Service' || name === 'Type' || name === 'URI',
});

interface TextNode {
  readonly '#text'?: unknown;
  readonly '@_priority'?: unknown;
}
interface ServiceNode {
  readonly Type?: readonly TextNode[];
  readonly URI?: readonly TextNode[];
  readonly '@_priority'?: unknown;
}
interface XrdNode {
  readonly Service?: readonly ServiceNode[];
}

/**
 * Parses an XRDS document and returns the services of its last XRD (Yadis 1.0 §7), in priority
 * order. Throws an Error for anything that is not a well-formed XRDS document.
 */
export function parseXrds(text: string): XrdsService[] {
  const xml = text.replace(/^\uFEFF/, '');
  // No DTD, no entity declarations: nothing to expand (billion laughs, external entities).
  if (/<!DOCTYPE/i.test(xml)) throw new Error('XRDS documents must not contain a DOCTYPE');
  let tree: Record<string, unknown>;
  try {
    tree = parser.parse(xml, true) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`malformed XML: ${error instanceof Error ? error.message.split('\n')[0] : 'parse error'}`, { cause: error });
  }
  const root = tree['XRDS'];
  if (root === undefined || root === null || typeof root !== 'object') throw new Error('not an XRDS document (no XRDS root element)');
  const xrds = (root as { XRD?: readonly XrdNode[] }).XRD ?? [];
  // Yadis 1.0 §7: the resource descriptor is the last XRD element.
  const last = xrds[xrds.length - 1];
  if (last === undefined) throw new Error('XRDS document without an XRD element');
  const services = (last.Service ?? []).map((node) => ({
    types: (node.Type ?? []).map(textOf).filter((t) => t !== ''),
    uris: byPriority(node.URI ?? [])
      .map(textOf)
      .filter((u) => u !== ''),
    priority: priorityOf(node['@_priority']),
  }));
  return byPriority(services, (s) => s.priority);
}

function textOf(node: TextNode): string {
  const value = node['#text'];
  return typeof value === 'string' ? decodeXmlEntities(value).trim() : '';
}

/** XRI Resolution 2.0 §4.3.3: a non-negative integer; anything else counts as absent. */
function priorityOf(value: unknown): number | null {
  return typeof value === 'string' && /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : null;
}

/** Stable sort, lowest priority value first, no priority last. */
function byPriority<T>(items: readonly T[], priority: (item: T) => number | null = (item) => priorityOf((item as TextNode)['@_priority'])): T[] {
  return items
    .map((item, index) => ({ item, index, p: priority(item) }))
    .sort((a, b) => (a.p ?? Number.POSITIVE_INFINITY) - (b.p ?? Number.POSITIVE_INFINITY) || a.index - b.index)
    .map((entry) => entry.item);
}

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: '\'' };

/** XML 1.0 §4.6 predefined entities and §4.1 character references, decoded in one pass. */
function decodeXmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/g, (match, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : match;
    }
    return XML_ENTITIES[ref] ?? match;
  });
}

// ---------------------------------------------------------------------------------------------
// HTML <meta http-equiv="X-XRDS-Location">

/**
 * The `content` of the first `<meta http-equiv="X-XRDS-Location">` in the document's head
 * (Yadis 1.0 §6.2.5), or undefined. A tolerant scanner, not an HTML parser: comments, scripts
 * and styles are skipped, scanning stops at <body> or </head>, attribute names are
 * case-insensitive and values may be double-, single- or un-quoted.
 */
export function xrdsLocationFromHtml(html: string): string | undefined {
  const withoutNoise = html.replace(/<!--[\s\S]*?(?:-->|$)/g, ' ').replace(/<(script|style|noscript)\b[\s\S]*?(?:<\/\1\s*>|$)/gi, ' ');
  const end = withoutNoise.search(/<body[\s>/]|<\/head\s*>/i);
  const head = end < 0 ? withoutNoise : withoutNoise.slice(0, end);
  for (const tag of head.matchAll(/<meta\b([^>]*)>/gi)) {
    const attributes = parseAttributes(tag[1]!);
    if (attributes.get('http-equiv')?.toLowerCase() === XRDS_LOCATION_HEADER) {
      const content = attributes.get('content');
      if (content !== undefined && content.trim() !== '') return decodeXmlEntities(content.trim());
    }
  }
  return undefined;
}

function parseAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of text.matchAll(/([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const name = match[1]!.toLowerCase();
    if (!attributes.has(name)) attributes.set(name, match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}
