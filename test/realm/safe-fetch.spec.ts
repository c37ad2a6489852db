import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { generate } from 'selfsigned';
import { inject } from 'vitest';
import { HostResolver } from '../../src/realm/host-resolver.js';
import { Dialer } from '../../src/realm/dialer.js';
import { FetchRefused, SafeFetch, type FetchRefusalReason } from '../../src/realm/safe-fetch.js';
import {
  realmSettings,
  closedPort,
  FAKE_PUBLIC_V4,
  FakeResolver,
  hangConnectionsTo,
  installNetworkGuard,
  localDiscovery,
  startServer,
  type DiscoveryInput,
  type TestServer,
} from './helpers.js';

installNetworkGuard();

function safeFetch(discovery: DiscoveryInput, resolver: Pick<HostResolver, 'resolve'> = new HostResolver()): SafeFetch {
  return new SafeFetch(realmSettings({ discovery }), resolver as HostResolver, new Dialer());
}

async function refusal(promise: Promise<unknown>): Promise<FetchRefused> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FetchRefused);
  return error as FetchRefused;
}

async function expectRefused(promise: Promise<unknown>, reason: FetchRefusalReason): Promise<FetchRefused> {
  const error = await refusal(promise);
  expect(error.reason, error.detail).toBe(reason);
  return error;
}

describe('SafeFetch', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/ok':
          response.writeHead(200, { 'content-type': 'text/plain', 'x-test': 'yes' }).end('hello');
          return;
        case '/redirect-relative':
          response.writeHead(302, { location: '../ok?from=redirect' }).end();
          return;
        case '/dir/redirect-relative':
          response.writeHead(301, { location: '../ok?from=redirect#fragment' }).end();
          return;
        case '/loop-a':
          response.writeHead(302, { location: '/loop-b' }).end();
          return;
        case '/loop-b':
          response.writeHead(307, { location: '/loop-a' }).end();
          return;
        case '/to':
          response.writeHead(303, { location: url.searchParams.get('target') ?? '/' }).end();
          return;
        case '/no-location':
          response.writeHead(302).end();
          return;
        case '/missing':
          response.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
          return;
        case '/error':
          response.writeHead(500).end();
          return;
        case '/size': {
          const size = Number(url.searchParams.get('n'));
          const chunked = url.searchParams.get('chunked') === '1';
          response.writeHead(200, chunked ? { 'content-type': 'text/plain' } : { 'content-type': 'text/plain', 'content-length': String(size) });
          // Several writes, so the cap is crossed in the middle of the stream.
          const block = Buffer.alloc(1000, 'a');
          let left = size;
          while (left > 0) {
            response.write(block.subarray(0, Math.min(left, block.length)));
            left -= block.length;
          }
          response.end();
          return;
        }
        case '/silent':
          // Never answers.
          return;
        case '/drip': {
          response.writeHead(200, { 'content-type': 'text/plain' });
          const timer = setInterval(() => response.write('.'), 100);
          response.on('close', () => clearInterval(timer));
          return;
        }
        default:
          response.writeHead(404).end();
      }
    });
  });
  afterAll(() => server.close());

  describe('the test network guard itself', () => {
    const connectError = (options: import('node:net').NetConnectOpts): Promise<NodeJS.ErrnoException | undefined> =>
      new Promise((resolve) => {
        const socket = connect(options);
        socket.once('connect', () => {
          socket.destroy();
          resolve(undefined);
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error));
      });

    it('refuses sockets to anything but 127.0.0.1, by literal or by lookup', async () => {
      expect((await connectError({ host: '10.255.255.1', port: 9 }))?.code).toBe('EGUARD');
      expect((await connectError({ host: '::1', port: server.port }))?.code).toBe('EGUARD');
      const lookup = ((_h: string, _o: unknown, cb: (e: null, a: string, f: number) => void) => cb(null, '10.255.255.1', 4)) as import('node:net').LookupFunction;
      expect((await connectError({ host: 'guard.example.test', port: 9, lookup }))?.code).toBe('EGUARD');
    });

    it('lets 127.0.0.1 through and maps FAKE_PUBLIC_V4 onto it', async () => {
      expect(await connectError({ host: '127.0.0.1', port: server.port })).toBeUndefined();
      expect(await connectError({ host: FAKE_PUBLIC_V4, port: server.port })).toBeUndefined();
    });
  });

  describe('fetching', () => {
    it('returns status, headers, body and final URL', async () => {
      const result = await safeFetch(localDiscovery()).get(`${server.origin}/ok`);
      expect(result.status).toBe(200);
      expect(result.headers['x-test']).toBe('yes');
      expect(result.body.toString()).toBe('hello');
      expect(result.finalUrl).toBe(`${server.origin}/ok`);
      expect(result.truncated).toBe(false);
    });

    it('sends the host name as Host header while connecting to the address it checked', async () => {
      const resolver = new FakeResolver({ 'rp.example.test': ['127.0.0.1'] });
      const before = server.requests.length;
      await safeFetch(localDiscovery(), resolver).get(`http://rp.example.test:${server.port}/ok`, { headers: { Host: 'evil.test', Accept: 'text/plain' } });
      const seen = server.requests[before]!;
      expect(seen.headers.host).toBe(`rp.example.test:${server.port}`);
      expect(seen.headers.accept).toBe('text/plain');
      expect(resolver.calls).toEqual(['rp.example.test']);
    });

    it('pins the checked address: a DNS answer that changes after the check is never used (rebinding)', async () => {
      // First answer public (passes the guard with private addresses refused), later answers
      // loopback: if the connection re-resolved, it would pick the unchecked answer.
      const resolver = new FakeResolver({ 'rebind.example.test': (call) => (call === 0 ? [FAKE_PUBLIC_V4] : ['10.0.0.1']) });
      const result = await safeFetch({ https_only: false, allow_private_addresses: false }, resolver).get(`http://rebind.example.test:${server.port}/ok`);
      expect(result.body.toString()).toBe('hello');
      expect(resolver.calls).toEqual(['rebind.example.test']);
    });

    it('resolves a relative Location against the current URL, drops the fragment', async () => {
      const result = await safeFetch(localDiscovery()).get(`${server.origin}/dir/redirect-relative`);
      expect(result.finalUrl).toBe(`${server.origin}/ok?from=redirect`);
      expect(result.body.toString()).toBe('hello');
    });
  });

  describe('address policy (allow_private_addresses off)', () => {
    const strict = { https_only: false, allow_private_addresses: false };

    it.each([
      ['loopback literal', (port: number) => `http://127.0.0.1:${port}/ok`],
      ['loopback in another form (127.1)', (port: number) => `http://127.1:${port}/ok`],
      ['loopback as a decimal number', (port: number) => `http://2130706433:${port}/ok`],
      ['IPv6 loopback', (port: number) => `http://[::1]:${port}/ok`],
      ['IPv4-mapped loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}/ok`],
      ['NAT64 loopback', (port: number) => `http://[64:ff9b::7f00:1]:${port}/ok`],
      ['unspecified 0.0.0.0', (port: number) => `http://0.0.0.0:${port}/ok`],
      ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
      ['IPv4-mapped metadata', () => 'http://[::ffff:169.254.169.254]/latest/meta-data/'],
      ['RFC 1918', () => 'http://10.0.0.1/'],
      ['CGNAT', () => 'http://100.64.0.1/'],
      ['ULA', () => 'http://[fd00::1]/'],
    ])('refuses %s before connecting', async (_name, url) => {
      const before = server.connections;
      const error = await expectRefused(safeFetch(strict).get(url(server.port)), 'private_address');
      expect(server.connections).toBe(before);
      // The public text names no address; the internal detail does, for the logs.
      expect(error.message).not.toMatch(/\d+\.\d+\.\d+\.\d+|::/);
      expect(String(error.publicDetail)).toBe(error.message);
      expect(error.detail).toMatch(/resolves to/);
    });

    it('refuses "localhost" through the production resolver (dns.lookup)', async () => {
      const before = server.connections;
      await expectRefused(safeFetch(strict).get(`http://localhost:${server.port}/ok`), 'private_address');
      expect(server.connections).toBe(before);
    });

    it.each([
      ['metadata', ['169.254.169.254']],
      ['private', ['192.168.1.10']],
      ['one bad address among public ones', [FAKE_PUBLIC_V4, '10.1.2.3']],
      ['IPv6 link-local', ['fe80::1']],
      ['IPv4-mapped loopback', ['::ffff:127.0.0.1']],
    ])('refuses a host name resolving to %s', async (_name, addresses) => {
      const before = server.connections;
      const resolver = new FakeResolver({ 'internal.example.test': addresses });
      await expectRefused(safeFetch(strict, resolver).get(`http://internal.example.test:${server.port}/ok`), 'private_address');
      expect(server.connections).toBe(before);
    });

    it('allows a host whose every address is public', async () => {
      const resolver = new FakeResolver({ 'public.example.test': [FAKE_PUBLIC_V4] });
      const result = await safeFetch(strict, resolver).get(`http://public.example.test:${server.port}/ok`);
      expect(result.status).toBe(200);
    });

    it('re-checks every redirect hop: a public site redirecting to an internal one is refused', async () => {
      const resolver = new FakeResolver({ 'public.example.test': [FAKE_PUBLIC_V4], 'internal.example.test': ['10.0.0.7'] });
      const fetcher = safeFetch(strict, resolver);
      const before = server.requests.length;
      await expectRefused(fetcher.get(`http://public.example.test:${server.port}/to?target=${encodeURIComponent(`http://internal.example.test:${server.port}/ok`)}`), 'private_address');
      await expectRefused(fetcher.get(`http://public.example.test:${server.port}/to?target=${encodeURIComponent(`http://127.0.0.1:${server.port}/ok`)}`), 'private_address');
      await expectRefused(fetcher.get(`http://public.example.test:${server.port}/to?target=${encodeURIComponent('http://[::ffff:a9fe:a9fe]/')}`), 'private_address');
      expect(server.requests.length - before).toBe(3);
    });

    it('reports a name that does not resolve as dns_error', async () => {
      await expectRefused(safeFetch(strict, new FakeResolver({})).get('https://nowhere.example.test/'), 'dns_error');
    });
  });

  describe('URL rules', () => {
    it('https_only refuses http:// before any lookup or connection', async () => {
      const resolver = new FakeResolver({ 'rp.example.test': ['127.0.0.1'] });
      const before = server.connections;
      await expectRefused(safeFetch(localDiscovery({ https_only: true }), resolver).get(`http://rp.example.test:${server.port}/ok`), 'scheme_not_allowed');
      expect(resolver.calls).toEqual([]);
      expect(server.connections).toBe(before);
    });

    it.each(['ftp://127.0.0.1/', 'file:///etc/passwd', 'data:text/plain,hi', 'javascript:alert(1)', 'gopher://127.0.0.1:70/'])('refuses the scheme of %s', async (url) => {
      await expectRefused(safeFetch(localDiscovery()).get(url), 'scheme_not_allowed');
    });

    it.each(['not a url', '/relative/path', 'http://'])('refuses %j as invalid_url', async (url) => {
      await expectRefused(safeFetch(localDiscovery()).get(url), 'invalid_url');
    });

    it('refuses userinfo', async () => {
      const before = server.connections;
      await expectRefused(safeFetch(localDiscovery()).get(`http://user:secret@127.0.0.1:${server.port}/ok`), 'credentials_in_url');
      expect(server.connections).toBe(before);
    });
  });

  describe('redirects', () => {
    it('refuses a redirect to a disallowed scheme', async () => {
      const before = server.requests.length;
      await expectRefused(safeFetch(localDiscovery()).get(`${server.origin}/to?target=${encodeURIComponent('file:///etc/passwd')}`), 'scheme_not_allowed');
      await expectRefused(safeFetch(localDiscovery()).get(`${server.origin}/to?target=${encodeURIComponent('ftp://127.0.0.1/')}`), 'scheme_not_allowed');
      expect(server.requests.length - before).toBe(2);
    });

    it('refuses a redirect to http:// under https_only', async () => {
      const tls = inject('tls');
      const secure = await startServer((_request, response) => response.writeHead(302, { location: `${server.origin}/ok` }).end(), {
        cert: readFileSync(tls.cert),
        key: readFileSync(tls.key),
      });
      try {
        const before = server.requests.length;
        await expectRefused(safeFetch(localDiscovery({ https_only: true })).get(`${secure.origin}/`), 'scheme_not_allowed');
        expect(server.requests.length).toBe(before);
      } finally {
        await secure.close();
      }
    });

    it('refuses an https → http downgrade even when http is allowed', async () => {
      const tls = inject('tls');
      const secure = await startServer((_request, response) => response.writeHead(302, { location: `${server.origin}/ok` }).end(), {
        cert: readFileSync(tls.cert),
        key: readFileSync(tls.key),
      });
      try {
        await expectRefused(safeFetch(localDiscovery({ https_only: false })).get(`${secure.origin}/`), 'scheme_not_allowed');
      } finally {
        await secure.close();
      }
    });

    it('caps redirect loops at max_redirects', async () => {
      const before = server.requests.length;
      await expectRefused(safeFetch(localDiscovery({ max_redirects: 3 })).get(`${server.origin}/loop-a`), 'too_many_redirects');
      // The first request and three followed redirects.
      expect(server.requests.length - before).toBe(4);
    });

    it('max_redirects 0 follows none', async () => {
      await expectRefused(safeFetch(localDiscovery({ max_redirects: 0 })).get(`${server.origin}/redirect-relative`), 'too_many_redirects');
    });

    it('a redirect without Location is a bad status', async () => {
      const error = await expectRefused(safeFetch(localDiscovery()).get(`${server.origin}/no-location`), 'bad_status');
      expect(error.responseStatus).toBe(302);
    });
  });

  describe('limits', () => {
    it('accepts a body of exactly max_bytes', async () => {
      const result = await safeFetch(localDiscovery({ max_bytes: 2048 })).get(`${server.origin}/size?n=2048&chunked=1`);
      expect(result.body.length).toBe(2048);
    });

    it('refuses a chunked body past max_bytes while reading', async () => {
      const error = await expectRefused(safeFetch(localDiscovery({ max_bytes: 2048 })).get(`${server.origin}/size?n=5000&chunked=1`), 'too_large');
      expect(error.detail).toMatch(/body over 2048/);
    });

    it('refuses a declared Content-Length past max_bytes up front', async () => {
      const error = await expectRefused(safeFetch(localDiscovery({ max_bytes: 2048 })).get(`${server.origin}/size?n=100000`), 'too_large');
      expect(error.detail).toMatch(/Content-Length 100000/);
    });

    it('truncate: returns the first max_bytes, flagged', async () => {
      const result = await safeFetch(localDiscovery({ max_bytes: 2048 })).get(`${server.origin}/size?n=100000`, { truncate: true });
      expect(result.body.length).toBe(2048);
      expect(result.truncated).toBe(true);
    });

    it('per-fetch maxBytes and timeoutMs tighten the configured limits, never loosen them (RP icons)', async () => {
      const fetcher = safeFetch(localDiscovery({ max_bytes: 4096, timeout: 2 }));
      await expectRefused(fetcher.get(`${server.origin}/size?n=3000`, { maxBytes: 2048 }), 'too_large');
      await expectRefused(fetcher.get(`${server.origin}/size?n=3000&chunked=1`, { maxBytes: 2048 }), 'too_large');
      await expectRefused(fetcher.get(`${server.origin}/size?n=5000`, { maxBytes: 1_000_000 }), 'too_large');
      expect((await fetcher.get(`${server.origin}/size?n=3000`, { maxBytes: 1_000_000 })).body.length).toBe(3000);
      const started = Date.now();
      await expectRefused(fetcher.get(`${server.origin}/silent`, { timeoutMs: 300 }), 'timeout');
      expect(Date.now() - started).toBeLessThan(1500);
      const longer = Date.now();
      await expectRefused(fetcher.get(`${server.origin}/silent`, { timeoutMs: 60_000 }), 'timeout');
      expect(Date.now() - longer).toBeLessThan(3500);
    });

    it('gives up on a server that never answers at the overall timeout', async () => {
      const started = Date.now();
      await expectRefused(safeFetch(localDiscovery({ timeout: 1 })).get(`${server.origin}/silent`), 'timeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(Date.now() - started).toBeLessThan(2500);
    });

    it('gives up on a body that trickles past the overall timeout', async () => {
      const started = Date.now();
      await expectRefused(safeFetch(localDiscovery({ timeout: 1 })).get(`${server.origin}/drip`), 'timeout');
      expect(Date.now() - started).toBeLessThan(2500);
    });

    it('gives up on a connection that is never established at the connect timeout', async () => {
      const port = await closedPort();
      hangConnectionsTo(port);
      const started = Date.now();
      const error = await expectRefused(safeFetch(localDiscovery({ connect_timeout: 1, timeout: 5 })).get(`http://127.0.0.1:${port}/`), 'timeout');
      expect(error.detail).toMatch(/no connection/);
      expect(Date.now() - started).toBeLessThan(2500);
    });

    it('reports a refused connection as network_error', async () => {
      const port = await closedPort();
      await expectRefused(safeFetch(localDiscovery()).get(`http://127.0.0.1:${port}/`), 'network_error');
    });

    it.each([
      ['/missing', 404],
      ['/error', 500],
    ])('reports %s as bad_status %d', async (path, status) => {
      const error = await expectRefused(safeFetch(localDiscovery()).get(`${server.origin}${path}`), 'bad_status');
      expect(error.responseStatus).toBe(status);
    });
  });

  describe('TLS', () => {
    it('verifies the certificate with the default CA store plus NODE_EXTRA_CA_CERTS, SNI = host name', async () => {
      const tls = inject('tls');
      const secure = await startServer((_request, response) => response.writeHead(200).end('secret'), { cert: readFileSync(tls.cert), key: readFileSync(tls.key) });
      try {
        const resolver = new FakeResolver({ localhost: ['127.0.0.1'] });
        const result = await safeFetch(localDiscovery({ https_only: true }), resolver).get(`https://localhost:${secure.port}/`);
        expect(result.body.toString()).toBe('secret');
        expect(secure.requests[0]?.servername).toBe('localhost');
        expect(secure.requests[0]?.headers.host).toBe(`localhost:${secure.port}`);
      } finally {
        await secure.close();
      }
    });

    it('refuses a certificate no trusted CA signed', async () => {
      const generated = await generate([{ name: 'commonName', value: 'localhost' }], {
        keyType: 'ec',
        curve: 'P-256',
        algorithm: 'sha256',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
      });
      const secure = await startServer((_request, response) => response.writeHead(200).end('secret'), { cert: generated.cert, key: generated.private });
      try {
        await expectRefused(safeFetch(localDiscovery({ https_only: true })).get(`${secure.origin}/`), 'tls_error');
        expect(secure.requests).toEqual([]);
      } finally {
        await secure.close();
      }
    });

    it('refuses a certificate for another name', async () => {
      const tls = inject('tls');
      const secure = await startServer((_request, response) => response.writeHead(200).end('secret'), { cert: readFileSync(tls.cert), key: readFileSync(tls.key) });
      try {
        const resolver = new FakeResolver({ 'rp.example.test': ['127.0.0.1'] });
        await expectRefused(safeFetch(localDiscovery({ https_only: true }), resolver).get(`https://rp.example.test:${secure.port}/`), 'tls_error');
        expect(secure.requests).toEqual([]);
      } finally {
        await secure.close();
      }
    });
  });
});
