import type { Clock } from '../../src/common/clock.js';
import { ServiceType } from '../../src/protocol/consts.js';
import { parseRealm, parseReturnTo } from '../../src/protocol/realm.js';
import type { HostResolver } from '../../src/realm/host-resolver.js';
import { Dialer } from '../../src/realm/dialer.js';
import { ReturnToVerifier } from '../../src/realm/return-to-verifier.js';
import { RpIcons } from '../../src/realm/rp-icons.js';
import { SafeFetch } from '../../src/realm/safe-fetch.js';
import { YadisDiscovery } from '../../src/realm/yadis.js';
import { FakeResolver, installNetworkGuard, localDiscovery, ManualClock, realmSettings, startServer, type TestServer } from './helpers.js';

// RP icons (OpenID UI Extension 1.0 §6): found by the relying-party discovery the return_to check
// runs (one XRDS fetch for both), fetched through SafeFetch, checked, remembered; and any failure
// is no icon, never an error.

installNetworkGuard();

/** A 1×1 PNG's header (enough for the check, which reads no pixel). */
const PNG = (() => {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(1, 16);
  b.writeUInt32BE(1, 20);
  return b;
})();

const HOSTS = ['rp.example.test', 'svg.example.test', 'fallback.example.test', 'none.example.test', 'down.example.test', 'slow.example.test'];

describe('RpIcons (OpenID UI Extension 1.0 §6)', () => {
  let server: TestServer;
  const hits = new Map<string, number>();
  const origin = (host: string): string => `http://${host}:${server.port}`;

  beforeAll(async () => {
    server = await startServer((request, response) => {
      const host = (request.headers.host ?? '').split(':')[0]!;
      const path = request.url ?? '/';
      hits.set(`${host}${path}`, (hits.get(`${host}${path}`) ?? 0) + 1);
      const icons = (...uris: string[]): string =>
        `<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>${ServiceType.rpReturnTo}</Type><URI>${origin(host)}/return</URI></Service>${uris
          .map((uri, i) => `<Service priority="${i}"><Type>${ServiceType.rpIcon}</Type><URI>${uri}</URI></Service>`)
          .join('')}</XRD></xrds:XRDS>`;
      if (path === '/') {
        const xrds = { 'rp.example.test': icons(`${origin(host)}/icon.png`), 'svg.example.test': icons(`${origin(host)}/icon.svg`), 'fallback.example.test': icons(`${origin(host)}/missing.png`, `${origin(host)}/icon.png`), 'none.example.test': icons(), 'slow.example.test': icons(`${origin(host)}/slow.png`) }[host];
        if (xrds === undefined) return void response.writeHead(404).end();
        return void response.writeHead(200, { 'content-type': 'application/xrds+xml' }).end(xrds);
      }
      if (path === '/icon.png') return void response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      if (path === '/icon.svg') return void response.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg"/>');
      if (path === '/slow.png') return void setTimeout(() => response.writeHead(200, { 'content-type': 'image/png' }).end(PNG), 1500);
      response.writeHead(404).end();
    });
  });
  afterAll(() => server.close());
  beforeEach(() => hits.clear());

  function setup(realm: Parameters<typeof realmSettings>[0] = {}): { icons: RpIcons; verifier: ReturnToVerifier } {
    const config = realmSettings({ discovery: localDiscovery(), ...realm });
    const fetch = new SafeFetch(config, new FakeResolver(Object.fromEntries(HOSTS.map((h) => [h, ['127.0.0.1']]))) as unknown as HostResolver, new Dialer());
    const verifier = new ReturnToVerifier(config, new YadisDiscovery(fetch), new ManualClock() as unknown as Clock);
    return { icons: new RpIcons(config, verifier, fetch), verifier };
  }
  const realm = (host: string) => parseRealm(`${origin(host)}/`);

  it('answers the icon as a data: URL, discovering once for the return_to check and the icon, then from memory', async () => {
    const { icons, verifier } = setup();
    expect(await verifier.verify(realm('rp.example.test'), parseReturnTo(`${origin('rp.example.test')}/return`))).toEqual({ status: 'verified' });
    expect(await icons.forRealm(realm('rp.example.test'))).toBe(`data:image/png;base64,${PNG.toString('base64')}`);
    expect(await icons.forRealm(realm('rp.example.test'))).toBe(`data:image/png;base64,${PNG.toString('base64')}`);
    expect(hits.get('rp.example.test/')).toBe(1);
    expect(hits.get('rp.example.test/icon.png')).toBe(1);
  });

  it('tries the next icon URI (priority order) when one fails, at most two', async () => {
    const { icons } = setup();
    expect(await icons.forRealm(realm('fallback.example.test'))).toBe(`data:image/png;base64,${PNG.toString('base64')}`);
    expect(hits.get('fallback.example.test/missing.png')).toBe(1);
  });

  it('has no icon, without error, for an SVG, no icon service, a failed discovery or a slow icon; and remembers that', async () => {
    const { icons } = setup({ icons: { timeout: 1 } });
    for (const host of ['svg.example.test', 'none.example.test', 'down.example.test', 'slow.example.test', 'unknown.example.test']) {
      expect(await icons.forRealm(realm(host)), host).toBeUndefined();
    }
    expect(await icons.forRealm(realm('svg.example.test'))).toBeUndefined();
    expect(hits.get('svg.example.test/icon.svg')).toBe(1);
  });

  it('fetches nothing when icons are off, or relying-party discovery is', async () => {
    for (const settings of [{ icons: { enabled: false } }, { return_to_verification: 'off' as const }]) {
      const { icons } = setup(settings);
      expect(icons.enabled).toBe(false);
      expect(await icons.forRealm(realm('rp.example.test'))).toBeUndefined();
    }
    expect(hits.size).toBe(0);
  });

  it('never rejects, whatever discovery does', async () => {
    const { icons, verifier } = setup();
    verifier.iconUrls = () => Promise.reject(new Error('boom'));
    await expect(icons.forRealm(realm('rp.example.test'))).resolves.toBeUndefined();
  });
});
