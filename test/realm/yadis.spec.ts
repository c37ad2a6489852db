import { ServiceType } from '../../src/protocol/consts.js';
import type { HostResolver } from '../../src/realm/host-resolver.js';
import { Dialer } from '../../src/realm/dialer.js';
import { FetchRefused, SafeFetch } from '../../src/realm/safe-fetch.js';
import { InvalidXrds, parseXrds, returnToUrls, xrdsLocationFromHtml, YadisDiscovery } from '../../src/realm/yadis.js';
import { realmSettings, FakeResolver, installNetworkGuard, localDiscovery, startServer, type TestServer } from './helpers.js';

installNetworkGuard();

const RETURN_TO = ServiceType.rpReturnTo;

function xrds(...xrdBodies: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)">
${xrdBodies.map((body) => `  <XRD>${body}</XRD>`).join('\n')}
</xrds:XRDS>`;
}

function service(types: string[], uris: Array<string | [string, number]>, priority?: number): string {
  const p = priority === undefined ? '' : ` priority="${priority}"`;
  return `<Service${p}>${types.map((t) => `<Type>${t}</Type>`).join('')}${uris
    .map((u) => (typeof u === 'string' ? `<URI>${u}</URI>` : `<URI priority="${u[1]}">${u[0]}</URI>`))
    .join('')}</Service>`;
}

describe('XRDS parsing (Yadis 1.0 §7, XRI Resolution 2.0 §4.3.3)', () => {
  it('reads the return_to services (OpenID 2.0 §13)', () => {
    const services = parseXrds(xrds(service([RETURN_TO], ['https://rp.example.com/return']) + service([ServiceType.opIdentifier], ['https://op.example/'])));
    expect(returnToUrls(services)).toEqual(['https://rp.example.com/return']);
    expect(services.map((s) => s.types)).toEqual([[RETURN_TO], [ServiceType.opIdentifier]]);
  });

  it('uses the last XRD element only (Yadis 1.0 §7)', () => {
    const services = parseXrds(xrds(service([RETURN_TO], ['https://first.example/']), service([RETURN_TO], ['https://last.example/'])));
    expect(returnToUrls(services)).toEqual(['https://last.example/']);
  });

  it('orders services by priority, lowest first, unspecified last, ties in document order', () => {
    const services = parseXrds(
      xrds(
        service([RETURN_TO], ['https://none.example/']) +
          service([RETURN_TO], ['https://twenty.example/'], 20) +
          service([RETURN_TO], ['https://zero.example/'], 0) +
          service([RETURN_TO], ['https://ten-a.example/'], 10) +
          service([RETURN_TO], ['https://ten-b.example/'], 10) +
          service([RETURN_TO], ['https://invalid.example/']).replace('<Service>', '<Service priority="-1">'),
      ),
    );
    expect(returnToUrls(services)).toEqual([
      'https://zero.example/',
      'https://ten-a.example/',
      'https://ten-b.example/',
      'https://twenty.example/',
      'https://none.example/',
      'https://invalid.example/',
    ]);
    expect(services.map((s) => s.priority)).toEqual([0, 10, 10, 20, null, null]);
  });

  it('orders the URIs of a service by their priority', () => {
    const services = parseXrds(xrds(service([RETURN_TO], ['https://c.example/', ['https://b.example/', 5], ['https://a.example/', 1]])));
    expect(services[0]!.uris).toEqual(['https://a.example/', 'https://b.example/', 'https://c.example/']);
  });

  it('accepts a service with several types', () => {
    const services = parseXrds(xrds(service(['http://example.com/other', RETURN_TO], ['https://rp.example/'])));
    expect(returnToUrls(services)).toEqual(['https://rp.example/']);
  });

  it('decodes predefined entities and character references, once', () => {
    const services = parseXrds(xrds(service([RETURN_TO], ['https://rp.example/?a=1&amp;b=&#50;&amp;c=&amp;amp;'])));
    expect(returnToUrls(services)).toEqual(['https://rp.example/?a=1&b=2&c=&amp;']);
  });

  it('reads prefixed and CDATA forms', () => {
    const text = `<x:XRDS xmlns:x="xri://$xrds" xmlns:r="xri://$xrd*($v*2.0)"><r:XRD><r:Service><r:Type>${RETURN_TO}</r:Type><r:URI><![CDATA[https://rp.example/cdata]]></r:URI></r:Service></r:XRD></x:XRDS>`;
    expect(returnToUrls(parseXrds(text))).toEqual(['https://rp.example/cdata']);
  });

  it('an XRD without services has no endpoints', () => {
    expect(parseXrds(xrds(''))).toEqual([]);
  });

  it.each([
    ['a DOCTYPE (no entity can be declared, let alone expanded)', `<!DOCTYPE x [<!ENTITY e "https://evil.example/">]>${xrds(service([RETURN_TO], ['&e;']))}`],
    ['an external entity', `<?xml version="1.0"?><!DOCTYPE XRDS [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><XRDS><XRD/></XRDS>`],
    ['malformed XML', '<XRDS><XRD><Service></XRD></XRDS>'],
    ['another root element', '<html><body>hi</body></html>'],
    ['no XRD element', '<xrds:XRDS xmlns:xrds="xri://$xrds"></xrds:XRDS>'],
    ['not XML at all', 'hello'],
  ])('refuses %s', (_name, text) => {
    expect(() => parseXrds(text)).toThrow();
  });
});

describe('X-XRDS-Location in HTML (Yadis 1.0 §6.2.5)', () => {
  it.each([
    ['the usual form', '<html><head><meta http-equiv="X-XRDS-Location" content="https://rp.example/xrds"></head><body></body></html>', 'https://rp.example/xrds'],
    ['any case, single quotes, content first, self-closing', `<HTML><HEAD><META CONTENT='https://rp.example/xrds' HTTP-EQUIV='x-xrds-location' /></HEAD>`, 'https://rp.example/xrds'],
    ['unquoted values', '<head><meta http-equiv=X-XRDS-Location content=https://rp.example/xrds></head>', 'https://rp.example/xrds'],
    ['entities in the value', '<head><meta http-equiv="X-XRDS-Location" content="https://rp.example/x?a=1&amp;b=2"></head>', 'https://rp.example/x?a=1&b=2'],
    ['after other metas', '<head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><meta http-equiv="X-XRDS-Location" content="/xrds"></head>', '/xrds'],
    ['no <head> tag at all', '<meta http-equiv="X-XRDS-Location" content="https://rp.example/xrds"><p>x</p>', 'https://rp.example/xrds'],
  ])('finds it: %s', (_name, html, expected) => {
    expect(xrdsLocationFromHtml(html)).toBe(expected);
  });

  it.each([
    ['in the body', '<html><head></head><body><meta http-equiv="X-XRDS-Location" content="https://evil.example/"></body></html>'],
    ['in a comment', '<head><!-- <meta http-equiv="X-XRDS-Location" content="https://evil.example/"> --></head>'],
    ['in a script', '<head><script>var s = \'<meta http-equiv="X-XRDS-Location" content="https://evil.example/">\';</script></head>'],
    ['another http-equiv', '<head><meta http-equiv="X-XRDS-Locations" content="https://evil.example/"></head>'],
    ['an empty content', '<head><meta http-equiv="X-XRDS-Location" content=""></head>'],
    ['a name instead of http-equiv', '<head><meta name="X-XRDS-Location" content="https://evil.example/"></head>'],
  ])('ignores it %s', (_name, html) => {
    expect(xrdsLocationFromHtml(html)).toBeUndefined();
  });
});

describe('Yadis discovery over HTTP (Yadis 1.0 §6.2.4, §6.2.5)', () => {
  let server: TestServer;
  const document = xrds(service([RETURN_TO], ['http://rp.example.test/return'], 1));

  beforeAll(async () => {
    server = await startServer((request, response) => {
      const path = request.url ?? '/';
      switch (path) {
        case '/xrds-by-type':
          response.writeHead(200, { 'content-type': 'application/xrds+xml; charset=UTF-8' }).end(document);
          return;
        case '/xrds-file':
          // The document found through a location is read as XRDS whatever its type.
          response.writeHead(200, { 'content-type': 'text/plain' }).end(document);
          return;
        case '/by-header':
          response.writeHead(200, { 'content-type': 'text/html', 'x-xrds-location': `http://127.0.0.1:${server.port}/xrds-file` }).end('<html></html>');
          return;
        case '/by-relative-header':
          response.writeHead(200, { 'content-type': 'text/html', 'x-xrds-location': '/xrds-file' }).end('<html></html>');
          return;
        case '/by-meta':
          response.writeHead(200, { 'content-type': 'text/html' }).end(`<html><head><meta http-equiv="X-XRDS-Location" content="/xrds-file"></head><body>${'x'.repeat(5000)}</body></html>`);
          return;
        case '/plain-page':
          response.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title>no yadis</title></head></html>');
          return;
        case '/broken-xrds':
          response.writeHead(200, { 'content-type': 'application/xrds+xml' }).end('<XRDS><XRD>');
          return;
        case '/to-missing':
          response.writeHead(200, { 'content-type': 'text/html', 'x-xrds-location': '/missing' }).end('');
          return;
        case '/redirect':
          response.writeHead(302, { location: '/xrds-by-type' }).end();
          return;
        default:
          response.writeHead(404).end();
      }
    });
  });
  afterAll(() => server.close());

  const yadis = (): YadisDiscovery => new YadisDiscovery(new SafeFetch(realmSettings({ discovery: localDiscovery({ max_bytes: 4096 }) }), new FakeResolver({}) as HostResolver, new Dialer()));

  it('asks for application/xrds+xml and reads a document served with that type', async () => {
    const before = server.requests.length;
    const result = await yadis().discover(`${server.origin}/xrds-by-type`);
    expect(server.requests[before]?.headers.accept).toMatch(/^application\/xrds\+xml/);
    expect(returnToUrls(result.services)).toEqual(['http://rp.example.test/return']);
    expect(result.xrdsUrl).toBe(`${server.origin}/xrds-by-type`);
  });

  it('follows an X-XRDS-Location header', async () => {
    const result = await yadis().discoverReturnToUrls(`${server.origin}/by-header`);
    expect(result).toEqual({ finalUrl: `${server.origin}/by-header`, xrdsUrl: `${server.origin}/xrds-file`, returnToUrls: ['http://rp.example.test/return'], iconUrls: [] });
  });

  it('resolves a relative X-XRDS-Location against the page', async () => {
    const result = await yadis().discoverReturnToUrls(`${server.origin}/by-relative-header`);
    expect(result.returnToUrls).toEqual(['http://rp.example.test/return']);
  });

  it('follows an HTML meta, even on a page larger than max_bytes', async () => {
    const result = await yadis().discoverReturnToUrls(`${server.origin}/by-meta`);
    expect(result.xrdsUrl).toBe(`${server.origin}/xrds-file`);
    expect(result.returnToUrls).toEqual(['http://rp.example.test/return']);
  });

  it('reports the URL after redirects', async () => {
    const result = await yadis().discover(`${server.origin}/redirect`);
    expect(result.finalUrl).toBe(`${server.origin}/xrds-by-type`);
  });

  it('a page without Yadis information has no services', async () => {
    expect(await yadis().discover(`${server.origin}/plain-page`)).toEqual({ finalUrl: `${server.origin}/plain-page`, xrdsUrl: null, services: [] });
  });

  it('a broken XRDS document is InvalidXrds', async () => {
    await expect(yadis().discover(`${server.origin}/broken-xrds`)).rejects.toBeInstanceOf(InvalidXrds);
  });

  it('a failing fetch of the XRDS location is FetchRefused', async () => {
    await expect(yadis().discover(`${server.origin}/to-missing`)).rejects.toBeInstanceOf(FetchRefused);
  });
});
