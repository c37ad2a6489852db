import fc from 'fast-check';
import type { TestApp } from '../helpers/test-app.js';
import { expectWellFormedAnswer } from './http-answers.js';
import { BROKEN_PERCENT, CONTROLS, hostileString, runs, timeout } from './fuzz.js';
import { listeningApp, sendRaw } from './raw-http.js';

// Raw HTTP over a socket to the listening app (embedded database): the bytes inject cannot send.
// Non-Latin-1 characters (as UTF-8 bytes) and controls in the request target, broken
// percent-encoding, over-long request lines and headers, header lines Node's parser refuses,
// malformed request lines. What Node or Fastify rejects before any route runs must be answered
// like every other refusal: problem+json with our request id and the security headers
// (expectWellFormedAnswer, http-answers.ts), and the process stays up.
// Short mode by default (a couple of hundred requests); long mode: FUZZ_RUNS=20000
// (see test/fuzz/fuzz.ts; FUZZ_SEED replays a failure).

const PATHS = ['/openid', '/openid/romeo', '/login', '/consent', '/continue', '/healthz', '/metrics', '/account/profile', '/login/approval/x', '/nowhere', '/', '*', 'http://example.org/openid', '//openid', ''];
const NON_LATIN1 = ['рф', 'назад', '中文', '😀', '\u0301', '\u202e', 'ﬀ', '\ufeff'];

/** A request target: one of our paths, then raw text: UTF-8 of any character, controls, broken escapes. */
const target = fc
  .tuple(
    fc.constantFrom(...PATHS),
    fc.array(fc.oneof(fc.constantFrom(...NON_LATIN1), fc.constantFrom(...BROKEN_PERCENT), fc.constantFrom(...CONTROLS, ' ', '\\', '#', '"', '<'), hostileString(2), fc.constantFrom('?openid.mode=checkid_setup&openid.return_to=https://рф.example/назад', '?openid.realm=https://*.例え.jp/', '/', '?')), { maxLength: 6 }),
    fc.option(fc.integer({ min: 2000, max: 70_000 }), { freq: 8 }),
  )
  .map(([path, parts, long]) => path + parts.join('') + (long === null ? '' : '/x'.repeat(long / 2)));

const requestLine = fc
  .tuple(
    fc.oneof({ weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'HEAD') }, { weight: 1, arbitrary: fc.constantFrom('get', 'G ET', 'GET\u0000', 'PRI', 'BREW', '') }),
    target,
    fc.oneof({ weight: 8, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 x', 'HTTP/9', '') }),
  )
  .map(([method, path, version]) => ({ method, path, line: `${method} ${path} ${version}` }));

const headerLines = fc.array(
  fc.oneof(
    fc.constantFrom('Accept: text/html', 'Accept: */*', 'Accept: application/json', 'Cookie: __Host-op-session=\u00ff', 'X-Forwarded-For: 1.2.3.4, ::1', 'Content-Type: application/x-www-form-urlencoded'),
    // What Node's parser refuses: no colon, a space before the colon, folding, NUL, a second Host,
    // conflicting lengths.
    fc.constantFrom('No colon here', 'Bad : x', ' folded', 'X-Nul: a\u0000b', 'Host: evil.example', 'Content-Length: 5', 'Content-Length: -1', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked', 'X-Bytes: \u0080\u00ff'),
    hostileString(3).map((v) => `X-Fuzz: ${v}`),
    fc.integer({ min: 8000, max: 40_000 }).map((n) => `X-Long: ${'h'.repeat(n)}`),
  ),
  { maxLength: 4 },
);

describe('raw HTTP, fuzzed: what Node and Fastify refuse before the routes is answered in shape too', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => ({ t, port } = await listeningApp()));
  afterAll(() => t.close());

  it('hostile request lines, targets and header lines over a socket', { timeout: timeout(90_000) }, async () => {
    await fc.assert(
      fc.asyncProperty(requestLine, headerLines, hostileString(4), async ({ method, path, line }, extra, body) => {
        const payload = Buffer.from(body, 'utf8');
        const head = [line, 'Host: example.org', 'X-Forwarded-Proto: https', ...extra, `Content-Length: ${payload.length}`, 'Connection: close'].join('\r\n');
        // The request line and headers as UTF-8 bytes: non-Latin-1 characters arrive as clients send them.
        const answer = await sendRaw(port, Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'utf8'), payload]), method === 'HEAD');
        expectWellFormedAnswer(answer, { method, path });
      }),
      runs(200),
    );
    const alive = await sendRaw(port, Buffer.from('GET /healthz HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n'));
    expect(alive.statusCode).toBe(200);
  });
});
