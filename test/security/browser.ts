import { randomInt } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CredentialBackend } from '../../src/auth/login/credential-backend.js';

// The security suites' browser: one for app.inject() that says HTTPS and its client
// address through the trusted proxy (127.0.0.1, the address app.inject() comes from), and a
// count of the password checks actually made, taken around the real CredentialBackend.

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/** An address of RFC 5737 TEST-NET-3 of its own, so that no other test's throttle counts meet ours. */
export function testAddress(): string {
  return `203.0.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/** A /64 of RFC 3849's documentation prefix of its own: 2001:db8:xxxx:yyyy::/64. */
export function testIpv6Prefix(): string {
  return `2001:db8:${randomInt(0, 0x10000).toString(16)}:${randomInt(0, 0x10000).toString(16)}`;
}

export class InjectedBrowser {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly app: NestFastifyApplication,
    private readonly host: string,
    public address: string = testAddress(),
  ) {}

  get(url: string, accept = 'text/html'): Promise<Answer> {
    return this.send('GET', url, undefined, { accept });
  }

  post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send('POST', url, new URLSearchParams(form).toString(), { accept: 'text/html', ...headers });
  }

  /** Posts the first form of `page` (hidden fields kept, `fields` added). */
  submit(page: Answer, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    const form = /<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page.body);
    if (!form) throw new Error(`no form in page:\n${page.body.slice(0, 2000)}`);
    return this.post(decode(form[1]!), { ...hiddenFields(form[2]!), ...fields }, headers);
  }

  /** GET /login, then posts its form with `fields`. */
  async login(fields: Record<string, string>, page?: Answer): Promise<Answer> {
    return this.submit(page ?? (await this.get('/login')), fields);
  }

  /** GET `url`, then follows redirects while they stay on this host; answers the last response. */
  async follow(url: string, first?: Answer): Promise<Answer> {
    let res = first ?? (await this.get(url));
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      const next = new URL(String(res.headers.location), `https://${this.host}/`);
      if (next.host !== this.host) return res;
      res = await this.get(next.pathname + next.search);
    }
    return res;
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async send(method: 'GET' | 'POST', url: string, payload: string | undefined, extra: Record<string, string>): Promise<Answer> {
    const headers: Record<string, string> = { host: this.host, 'x-forwarded-proto': 'https', 'x-forwarded-for': this.address, ...extra };
    if (this.cookies.size > 0) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (payload !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await this.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    for (const line of setCookies(res.headers)) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), value);
    }
    return { status: res.statusCode, headers: res.headers, body: res.body };
  }
}

export function setCookies(headers: Answer['headers']): string[] {
  const set = headers['set-cookie'];
  return set === undefined ? [] : Array.isArray(set) ? set : [String(set)];
}

export function hiddenFields(html: string): Record<string, string> {
  const hidden: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) hidden[m[1]!] = decode(m[2]!);
  return hidden;
}

/** A checkid_setup for `username`'s identifier at `base`, returning to an RP that needs no discovery (realm.return_to_verification: off). */
export function checkidSetupUrl(base: string, username: string, rp = 'https://rp.example'): string {
  const identifier = `${base}/openid/${username}`;
  const q = new URLSearchParams({
    'openid.ns': 'http://specs.openid.net/auth/2.0',
    'openid.mode': 'checkid_setup',
    'openid.claimed_id': identifier,
    'openid.identity': identifier,
    'openid.return_to': `${rp}/return`,
    'openid.realm': `${rp}/`,
  });
  return `/openid?${q.toString()}`;
}

export function decode(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Counts the password checks the provider really makes, by wrapping the verify method of the
 * live CredentialBackend instance (the one LoginService holds): every call still goes to the real
 * backend (argon2id or the XMPP server).
 */
export function countVerifications(app: NestFastifyApplication): { readonly count: number; reset(): void } {
  const backend = app.get(CredentialBackend, { strict: false });
  const real = backend.verify.bind(backend);
  let count = 0;
  backend.verify = (...args) => {
    count += 1;
    return real(...args);
  };
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
  };
}
