import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { ConfigInput } from '../../src/config/config.schema.js';
import type { XmppConnector } from '../../src/xmpp/xmpp-connector.js';
import type { XmppSession } from '../../src/xmpp/xmpp-session.js';
import { element, firstChild, textOf, type XmlElement } from '../../src/xmpp/xml-node.js';
import { freePort, type LiveProvider } from '../helpers/live.js';
import { bootApp, testConfig } from '../helpers/test-app.js';
import { nextStanza } from './fixtures.js';
import { COMPONENT_SECRET, HOSTS, type Prosody } from './prosody.js';

// A provider whose domain `localhost` is served by the harness's Prosody (`accounts: xmpp`) and
// whose OpenID bot is the harness's XEP-0114 component, listening on a real HTTPS socket; and the
// user's chat app, a second XMPP session.

export type XmppInput = NonNullable<NonNullable<ConfigInput['domains']>[number]['xmpp']>;

/** The component secret as operators write it: with a trailing newline (and stray spaces). */
export function secretFile(secret = COMPONENT_SECRET): string {
  const file = join(mkdtempSync(join(tmpdir(), 'op-bot-secret-')), 'component.secret');
  writeFileSync(file, `  ${secret}\n`, { mode: 0o600 });
  return file;
}

export async function startBotProvider(prosody: Prosody, xmpp: Partial<XmppInput> = {}, input: Partial<ConfigInput> = {}, domainName: string = HOSTS.main): Promise<LiveProvider> {
  const port = await freePort();
  const base = `https://localhost:${port}`;
  const t = await bootApp(
    testConfig({
      ...input,
      domains: [
        {
          name: domainName,
          base_url: base,
          accounts: 'xmpp',
          xmpp: { server: prosody.c2s, ca_file: prosody.caFile, bot: { component: HOSTS.component, service: prosody.componentService, secret_file: secretFile() }, ...xmpp },
        },
      ],
      server: { tls: inject('tls'), ...input.server },
    }),
  );
  await t.app.listen(port, '127.0.0.1');
  return { ...t, base, endpoint: `${base}/openid`, identifier: (u) => `${base}/openid/${u}` };
}

/** A user's chat app: an ordinary c2s session of `user@host` (initial presence sent). */
export function chatApp(connector: XmppConnector, prosody: Prosody, user: string, password: string, host: string = HOSTS.main): XmppSession {
  return connector.openSession({
    credentials: { kind: 'account', service: prosody.c2s, jid: `${user}@${host}`, password, caFile: prosody.caFile },
    domain: host,
    connectTimeoutMs: 5000,
    backoff: { initialMs: 100, maxMs: 400 },
    keepaliveMs: 0,
  });
}

export function bodyOf(stanza: XmlElement): string | undefined {
  const body = firstChild(stanza, 'body');
  return body === undefined ? undefined : textOf(body);
}

/** Sends `body` to the bot as a chat message and answers the bot's reply. */
export async function ask(app: XmppSession, body: string, extra: { thread?: string; type?: string } = {}): Promise<XmlElement> {
  const reply = nextStanza(app, (s) => s.name === 'message' && s.attrs['from'] === HOSTS.component && bodyOf(s) !== undefined, 5000);
  await app.send(element('message', { type: extra.type ?? 'chat', to: HOSTS.component }, element('body', {}, body), extra.thread === undefined ? undefined : element('thread', {}, extra.thread)));
  return reply;
}

export async function askText(app: XmppSession, body: string): Promise<string> {
  return bodyOf(await ask(app, body))!;
}

/** A TCP relay to `targetPort` whose live connections can be cut (a dropped component link). */
export async function droppableRelay(targetPort: number): Promise<{ port: number; drop(): void; close(): Promise<void> }> {
  const net = await import('node:net');
  const live = new Set<import('node:net').Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    live.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      live.delete(client);
      live.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as import('node:net').AddressInfo).port,
    drop: () => {
      for (const s of live) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of live) s.destroy();
        server.close(() => resolve());
      }),
  };
}
