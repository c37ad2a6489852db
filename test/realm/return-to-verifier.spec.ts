import type { Clock } from '../../src/common/clock.js';
import { ServiceType } from '../../src/protocol/consts.js';
import { parseRealm, parseReturnTo } from '../../src/protocol/realm.js';
import type { HostResolver } from '../../src/realm/host-resolver.js';
import { ReturnToVerifier, type ReturnToVerification } from '../../src/realm/return-to-verifier.js';
import { Dialer } from '../../src/realm/dialer.js';
import { SafeFetch } from '../../src/realm/safe-fetch.js';
import { YadisDiscovery } from '../../src/realm/yadis.js';
import { realmSettings, closedPort, FakeResolver, installNetworkGuard, localDiscovery, ManualClock, startServer, type DiscoveryInput, type TestServer } from './helpers.js';

installNetworkGuard();

function xrds(...uris: string[]): string {
  const services = uris.map((uri) => `<Service><Type>${ServiceType.rpReturnTo}</Type><URI>${uri}</URI></Service>`).join('');
  return `<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD>${services}</XRD></xrds:XRDS>`;
}

const NAMES = ['slow.example.test', 'rp.example.test', 'www.example.test', 'plain.example.test', 'down.example.test', 'redirector.example.test', 'elsewhere.test', 'moving.example.test', 'www.moving.example.test'];

describe('ReturnToVerifier (OpenID 2.0 §9.2.1, §13)', () => {
  let server: TestServer;
  let port: number;
  const origin = (host: string): string => `http://${host}:${port}`;

  beforeAll(async () => {
    server = await startServer((request, response) => {
      const host = (request.headers.host ?? '').split(':')[0];
      const xrdsResponse = (body: string): void => void response.writeHead(200, { 'content-type': 'application/xrds+xml' }).end(body);
      switch (host) {
        case 'rp.example.test':
          // A wildcard endpoint is not allowed (§13) and must never match.
          return xrdsResponse(xrds(`${origin('rp.example.test')}/return`, `http://*.example.test:${port}/anything`, `${origin('rp.example.test')}/second/`));
        case 'www.example.test':
          return xrdsResponse(xrds(`${origin('app.example.test')}/back`, `http://*.example.test:${port}/any`));
        case 'slow.example.test':
          return void setTimeout(() => xrdsResponse(xrds(`${origin('slow.example.test')}/return`)), 300);
        case 'plain.example.test':
          return void response.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title>RP</title></head></html>');
        case 'down.example.test':
          return void response.writeHead(404).end();
        case 'redirector.example.test':
          return void response.writeHead(302, { location: `${origin('elsewhere.test')}/` }).end();
        case 'elsewhere.test':
          return xrdsResponse(xrds(`${origin('redirector.example.test')}/return`));
        case 'moving.example.test':
          // Within a wildcard realm: fine.
          return void response.writeHead(301, { location: `${origin('www.moving.example.test')}/` }).end();
        case 'www.moving.example.test':
          return xrdsResponse(xrds(`${origin('app.moving.example.test')}/return`));
        default:
          return void response.writeHead(404).end();
      }
    });
    port = server.port;
  });
  afterAll(() => server.close());

  interface Setup {
    verifier: ReturnToVerifier;
    clock: ManualClock;
    resolver: FakeResolver;
  }
  function setup(mode: 'off' | 'warn' | 'require' = 'warn', discovery: DiscoveryInput = localDiscovery(), table?: Record<string, string[]>): Setup {
    const config = realmSettings({ return_to_verification: mode, discovery });
    const resolver = new FakeResolver(table ?? Object.fromEntries(NAMES.map((n) => [n, ['127.0.0.1']])));
    const clock = new ManualClock();
    const verifier = new ReturnToVerifier(config, new YadisDiscovery(new SafeFetch(config, resolver as HostResolver, new Dialer())), clock as Clock);
    return { verifier, clock, resolver };
  }
  const verify = (s: Setup, realm: string, returnTo: string, clientIp?: string): Promise<ReturnToVerification> => s.verifier.verify(parseRealm(realm), parseReturnTo(returnTo), clientIp);

  it('runs at most max_concurrent discoveries at once: beyond, busy at once, and not remembered', async () => {
    const s = setup('warn', localDiscovery({ max_concurrent: 1 }));
    const slow = verify(s, `${origin('slow.example.test')}/`, `${origin('slow.example.test')}/return`);
    const before = server.requests.length;
    expect(await verify(s, `${origin('rp.example.test')}/`, `${origin('rp.example.test')}/return`)).toEqual({ status: 'failed', reason: 'busy' });
    expect(server.requests.length).toBe(before);
    // Joining the discovery already running costs no slot.
    const joined = verify(s, `${origin('slow.example.test')}/`, `${origin('slow.example.test')}/return`);
    expect(await slow).toEqual({ status: 'verified' });
    expect(await joined).toEqual({ status: 'verified' });
    expect(await verify(s, `${origin('rp.example.test')}/`, `${origin('rp.example.test')}/return`)).toEqual({ status: 'verified' });
  });

  it('lets a client address start only its budget of new discoveries; remembered realms cost nothing', async () => {
    const s = setup('warn', localDiscovery({ client_rate_limit: { burst: 2, per_minute: 1 } }));
    const client = '2001:db8:1:2::10';
    expect(await verify(s, `${origin('rp.example.test')}/`, `${origin('rp.example.test')}/return`, client)).toEqual({ status: 'verified' });
    expect((await verify(s, `${origin('plain.example.test')}/`, `${origin('plain.example.test')}/return`, client)).status).toBe('unverified');
    const before = server.requests.length;
    // Another address of the same /64 shares the budget; nothing is fetched.
    expect(await verify(s, `${origin('down.example.test')}/`, `${origin('down.example.test')}/return`, '2001:db8:1:2::99')).toEqual({ status: 'failed', reason: 'rate_limited' });
    expect(server.requests.length).toBe(before);
    expect(await verify(s, `${origin('rp.example.test')}/`, `${origin('rp.example.test')}/return`, client)).toEqual({ status: 'verified' });
    // Not remembered: another client gets the real answer.
    expect(await verify(s, `${origin('down.example.test')}/`, `${origin('down.example.test')}/return`, '198.51.100.7')).toEqual({ status: 'failed', reason: 'bad_status' });
  });

  it('verifies a return_to published by the RP', async () => {
    expect(await verify(setup(), `${origin('rp.example.test')}/`, `${origin('rp.example.test')}/return?session=1`)).toEqual({ status: 'verified' });
  });

  it('uses each endpoint as a realm: path boundaries apply', async () => {
    const s = setup();
    const realm = `${origin('rp.example.test')}/`;
    expect(await verify(s, realm, `${origin('rp.example.test')}/return/deeper`)).toEqual({ status: 'verified' });
    expect(await verify(s, realm, `${origin('rp.example.test')}/second/x`)).toEqual({ status: 'verified' });
    expect(await verify(s, realm, `${origin('rp.example.test')}/returnx`)).toEqual({ status: 'unverified', reason: 'no_match' });
  });

  it('no_match when the return_to is not one of the endpoints', async () => {
    expect(await verify(setup('require'), `${origin('rp.example.test')}/`, `${origin('rp.example.test')}/elsewhere`)).toEqual({ status: 'unverified', reason: 'no_match' });
  });

  it('a wildcard endpoint never matches (§13)', async () => {
    expect(await verify(setup(), `http://*.example.test:${port}/`, `${origin('foo.example.test')}/any`)).toEqual({ status: 'unverified', reason: 'no_match' });
  });

  it('no_match without fetching when the return_to is outside the realm', async () => {
    const before = server.requests.length;
    expect(await verify(setup(), `${origin('rp.example.test')}/app/`, `${origin('rp.example.test')}/return`)).toEqual({ status: 'unverified', reason: 'no_match' });
    expect(server.requests.length).toBe(before);
  });

  it('no_return_to_endpoints when the RP publishes no XRDS', async () => {
    expect(await verify(setup(), `${origin('plain.example.test')}/`, `${origin('plain.example.test')}/return`)).toEqual({
      status: 'unverified',
      reason: 'no_return_to_endpoints',
    });
  });

  it('a wildcard realm is discovered at www. (§9.2.1)', async () => {
    const s = setup();
    const before = server.requests.length;
    expect(await verify(s, `http://*.example.test:${port}/`, `${origin('app.example.test')}/back`)).toEqual({ status: 'verified' });
    expect(s.resolver.calls).toEqual(['www.example.test']);
    expect(server.requests.slice(before).map((r) => r.headers.host)).toEqual([`www.example.test:${port}`]);
  });

  it('redirects within the realm are followed', async () => {
    expect(await verify(setup(), `http://*.moving.example.test:${port}/`, `${origin('app.moving.example.test')}/return`)).toEqual({ status: 'verified' });
  });

  it('endpoints served after a redirect out of the realm do not count', async () => {
    expect(await verify(setup(), `${origin('redirector.example.test')}/`, `${origin('redirector.example.test')}/return`)).toEqual({
      status: 'unverified',
      reason: 'redirected_outside_realm',
    });
  });

  it.each([
    ['an error status', 'down.example.test', 'bad_status'],
    ['an unresolvable name', 'gone.example.test', 'dns_error'],
  ])('failed on %s', async (_name, host, reason) => {
    expect(await verify(setup(), `${origin(host)}/`, `${origin(host)}/return`)).toEqual({ status: 'failed', reason });
  });

  it('failed on a refused connection', async () => {
    const closed = await closedPort();
    expect(await verify(setup(), `http://rp.example.test:${closed}/`, `http://rp.example.test:${closed}/return`)).toEqual({ status: 'failed', reason: 'network_error' });
  });

  it('failed on a private address when those are refused', async () => {
    const s = setup('warn', { https_only: false, allow_private_addresses: false });
    const before = server.connections;
    expect(await verify(s, `${origin('rp.example.test')}/`, `${origin('rp.example.test')}/return`)).toEqual({ status: 'failed', reason: 'private_address' });
    expect(server.connections).toBe(before);
  });

  it('off: skipped, nothing fetched', async () => {
    const s = setup('off');
    expect(await verify(s, `${origin('rp.example.test')}/`, `${origin('rp.example.test')}/return`)).toEqual({ status: 'skipped' });
    expect(s.resolver.calls).toEqual([]);
  });

  describe('cache', () => {
    it('discovers a realm once per cache_ttl, for any return_to', async () => {
      const s = setup('warn', localDiscovery({ cache_ttl: 600 }));
      const realm = `${origin('rp.example.test')}/`;
      expect(await verify(s, realm, `${origin('rp.example.test')}/return`)).toEqual({ status: 'verified' });
      expect(await verify(s, realm, `${origin('rp.example.test')}/nope`)).toEqual({ status: 'unverified', reason: 'no_match' });
      s.clock.advance(599);
      expect(await verify(s, realm, `${origin('rp.example.test')}/return`)).toEqual({ status: 'verified' });
      expect(s.resolver.calls).toHaveLength(1);
      s.clock.advance(2);
      expect(await verify(s, realm, `${origin('rp.example.test')}/return`)).toEqual({ status: 'verified' });
      expect(s.resolver.calls).toHaveLength(2);
    });

    it('keeps failures for a minute at most', async () => {
      const s = setup('warn', localDiscovery({ cache_ttl: 3600 }));
      const realm = `${origin('down.example.test')}/`;
      await verify(s, realm, `${origin('down.example.test')}/r`);
      s.clock.advance(30);
      await verify(s, realm, `${origin('down.example.test')}/r`);
      expect(s.resolver.calls).toHaveLength(1);
      s.clock.advance(31);
      expect(await verify(s, realm, `${origin('down.example.test')}/r`)).toEqual({ status: 'failed', reason: 'bad_status' });
      expect(s.resolver.calls).toHaveLength(2);
    });

    it('shares one discovery between concurrent verifications', async () => {
      const s = setup();
      const realm = `${origin('rp.example.test')}/`;
      const results = await Promise.all([1, 2, 3].map(() => verify(s, realm, `${origin('rp.example.test')}/return`)));
      expect(results).toEqual([{ status: 'verified' }, { status: 'verified' }, { status: 'verified' }]);
      expect(s.resolver.calls).toHaveLength(1);
    });

    it('is only a cache: cleared, the same answer comes back', async () => {
      const s = setup();
      const realm = `${origin('rp.example.test')}/`;
      const first = await verify(s, realm, `${origin('rp.example.test')}/return`);
      s.verifier.clearCache();
      expect(await verify(s, realm, `${origin('rp.example.test')}/return`)).toEqual(first);
      expect(s.resolver.calls).toHaveLength(2);
    });
  });
});
