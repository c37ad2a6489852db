import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { inject } from 'vitest';
import type { ConfigInput } from '../../src/config/config.schema.js';
import { bootApp, testConfig, type TestApp } from './test-app.js';
import { freePort } from './ports.js';

// Real sockets for end-to-end tests: the provider on https://localhost:<port> with the run's
// trusted test certificate, a browser stand-in with a cookie jar, and a relying party's web server.

export { freePort };

export interface LiveProvider extends TestApp {
  base: string;
  endpoint: string;
  identifier(username: string): string;
}

/** `domain`: more settings of the `localhost` domain (e.g. `accounts: xmpp`), whose base_url has the port chosen here. */
export async function startProvider(input: Partial<ConfigInput> = {}, domain: Partial<ConfigInput['domains'][number]> = {}): Promise<LiveProvider> {
  const port = await freePort();
  const base = `https://localhost:${port}`;
  const tls = inject('tls');
  const t = await bootApp(testConfig({ domains: [{ name: 'localhost', base_url: base, ...domain }], ...input, server: { tls, ...input.server } }));
  await t.app.listen(port, '127.0.0.1');
  return { ...t, base, endpoint: `${base}/openid`, identifier: (u) => `${base}/openid/${u}` };
}

export interface BrowserResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  url: string;
}

/** A minimal browser: cookies per host (attributes honoured only as far as tests need), no redirects followed by itself. */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** `headers` go with every request (e.g. a User-Agent). */
  constructor(private readonly headers: Record<string, string> = {}) {}

  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string> | URLSearchParams, headers: Record<string, string> = {}): Promise<BrowserResponse> {
    const u = new URL(url);
    const cookies = this.jar.get(u.host);
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const allHeaders: Record<string, string> = { accept: 'text/html,application/xhtml+xml', ...this.headers, ...headers };
    if (cookies && cookies.size > 0) allHeaders['cookie'] = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) allHeaders['content-type'] = 'application/x-www-form-urlencoded';
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers: allHeaders }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          this.store(u.host, res.headers['set-cookie']);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, url });
        });
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** GET, then follow redirects while they stay on `origin`; answers the last response. */
  async follow(url: string, origin: string, first?: BrowserResponse): Promise<BrowserResponse> {
    let res = first ?? (await this.request('GET', url));
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      const next = new URL(String(res.headers.location), res.url).toString();
      if (!next.startsWith(origin)) return res;
      res = await this.request('GET', next);
    }
    return res;
  }

  /** Submits the page's form (hidden fields kept) with the given fields. */
  async submit(page: BrowserResponse, fields: Record<string, string>): Promise<BrowserResponse> {
    const form = /<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page.body);
    if (!form) throw new Error(`no form in page:\n${page.body}`);
    const hidden: Record<string, string> = {};
    for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) hidden[m[1]!] = decodeEntities(m[2]!);
    return this.request('POST', new URL(decodeEntities(form[1]!), page.url).toString(), { ...hidden, ...fields });
  }

  /** Sets a cookie for `url`'s host as a script of that origin would (e.g. /assets/time-zone.js's `__Host-tz`). */
  setCookie(url: string, name: string, value: string): void {
    this.store(new URL(url).host, [`${name}=${value}; Path=/; Secure`]);
  }

  clearSessionCookies(): void {
    // Browser restart: cookies without Max-Age are session cookies and go away.
    for (const cookies of this.jar.values()) for (const name of [...cookies.keys()]) if (!this.persistent.has(name)) cookies.delete(name);
  }

  private readonly persistent = new Set<string>();

  private store(host: string, setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const jar = this.jar.get(host) ?? new Map<string, string>();
      this.jar.set(host, jar);
      const maxAge = attributes.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('max-age='));
      if (value === '' || maxAge?.toLowerCase() === 'max-age=0') jar.delete(name);
      else jar.set(name, value);
      if (maxAge && maxAge.toLowerCase() !== 'max-age=0') this.persistent.add(name);
    }
  }
}

export function decodeEntities(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export interface RelyingPartySite {
  origin: string;
  server: Server;
  /** Extra routes: path → handler. */
  routes: Map<string, (req: IncomingMessage, res: ServerResponse) => void>;
  close(): Promise<void>;
}

/** The RP's own web server on 127.0.0.1 (return_to, its XRDS, delegation pages). */
export async function startRelyingPartySite(): Promise<RelyingPartySite> {
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const server = createHttpServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const handler = routes.get(path);
    if (handler) return handler(req, res);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('relying party');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, server, routes, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * Provider settings (the `realm` section) under which relying-party discovery (OpenID 2.0
 * §9.2.1) may reach a relying party on 127.0.0.1 over http: for suites whose "Always allow"
 * grants must answer by themselves, which needs a return_to the RP's discovery vouches for.
 */
export const LOOPBACK_RP_REALM = { discovery: { https_only: false, allow_private_addresses: true } } as const;

/**
 * Publishes, at the site's root (the discovery URL of the realm `${origin}/`), the XRDS document
 * of OpenID 2.0 §13 listing `endpoints` as the RP's return_to URLs.
 */
export function publishReturnTo(site: RelyingPartySite, endpoints: readonly string[] = [`${site.origin}/verify`]): void {
  const services = endpoints.map((uri) => `<Service><Type>http://specs.openid.net/auth/2.0/return_to</Type><URI>${uri.replace(/&/g, '&amp;')}</URI></Service>`).join('');
  const xrds = `<?xml version="1.0" encoding="UTF-8"?>\n<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD>${services}</XRD></xrds:XRDS>`;
  site.routes.set('/', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xrds+xml' }).end(xrds);
  });
}
