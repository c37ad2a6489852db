import { randomInt } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { XmppConnector, parseXml } from '../../src/xmpp/xmpp-connector.js';
import { HOSTS, type Prosody, type ProsodyAccount } from './prosody.js';

// Helpers of the XMPP account suites: a user's chat app storing its vCards on Prosody, and a
// browser stand-in for app.inject() whose every instance comes from its own client address.

/**
 * Stores the account's vCards as a chat app does: vcard-temp with an IQ set (XEP-0054 §3.2) and
 * vCard4 published to its PEP node (XEP-0292 §3.2). Signed in through the connector's account
 * session (verified TLS with the test CA), which is also what the bot uses.
 */
export async function storeVcards(prosody: Prosody, account: ProsodyAccount, cards: { vcardTemp?: string; vcard4?: string }): Promise<void> {
  const host = account.host ?? HOSTS.main;
  const session = new XmppConnector().openSession({
    credentials: { kind: 'account', service: prosody.c2s, jid: `${account.user}@${host}`, password: account.password, caFile: prosody.caFile },
    domain: host,
    connectTimeoutMs: 5000,
  });
  session.start();
  try {
    await session.waitOnline(10_000);
    if (cards.vcardTemp !== undefined) await session.request(parseXml(`<iq type="set" xmlns="jabber:client">${cards.vcardTemp}</iq>`), 5000);
    if (cards.vcard4 !== undefined) {
      await session.request(
        parseXml(
          `<iq type="set" xmlns="jabber:client"><pubsub xmlns="http://jabber.org/protocol/pubsub"><publish node="urn:xmpp:vcard4"><item id="current">${cards.vcard4}</item></publish></pubsub></iq>`,
        ),
        5000,
      );
    }
  } finally {
    await session.stop();
  }
}

/** A documentation address (RFC 5737 TEST-NET-2) of its own, so no other suite's throttle counts meet ours. */
export function clientAddress(): string {
  return `198.51.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

export interface InjectedResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/**
 * A browser for app.inject(): cookies kept, HTTPS said by the trusted proxy (127.0.0.1), and the
 * client address it forwards (X-Forwarded-For) its own, so that login failures here are counted
 * against that address only.
 */
export class InjectedBrowser {
  private readonly cookies = new Map<string, string>();
  readonly address = clientAddress();

  constructor(
    private readonly app: NestFastifyApplication,
    private readonly host: string,
  ) {}

  async get(url: string, accept = 'text/html'): Promise<InjectedResponse> {
    return this.send('GET', url, undefined, accept);
  }

  async post(url: string, form: Record<string, string>, accept = 'text/html'): Promise<InjectedResponse> {
    return this.send('POST', url, new URLSearchParams(form).toString(), accept);
  }

  /** GET /login (or `page`), then posts its form with `fields` (CSRF token and hidden fields kept). */
  async login(fields: Record<string, string>, accept = 'text/html', page?: InjectedResponse): Promise<InjectedResponse> {
    const form = page ?? (await this.get('/login'));
    const hidden: Record<string, string> = {};
    for (const m of form.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) hidden[m[1]!] = m[2]!.replace(/&amp;/g, '&');
    return this.post('/login', { ...hidden, ...fields }, accept);
  }

  private async send(method: 'GET' | 'POST', url: string, payload: string | undefined, accept: string): Promise<InjectedResponse> {
    const headers: Record<string, string> = { host: this.host, 'x-forwarded-proto': 'https', 'x-forwarded-for': this.address, accept };
    if (this.cookies.size > 0) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (payload !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await this.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    const set = res.headers['set-cookie'];
    for (const line of set === undefined ? [] : Array.isArray(set) ? set : [String(set)]) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), value);
    }
    return { status: res.statusCode, headers: res.headers, body: res.body };
  }
}
