import Fastify, { type FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import { sendError } from '../../src/http/error-responder.js';
import { createRootLogger } from '../../src/http/logger.js';
import { AppError } from '../../src/http/app-error.js';
import { answeredAs, InvalidReturnTo, UnsupportedAssociationType } from '../../src/protocol/errors.js';

// The one place errors become responses (STYLE.md §3), driven through a bare Fastify instance.

function collector(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe(sendError.name, () => {
  let app: FastifyInstance;
  const log = collector();

  beforeAll(async () => {
    const logger = createRootLogger('info', log.stream);
    app = Fastify();
    app.setErrorHandler((error, request, reply) => sendError(request, reply, error, logger));
    app.get('/boom', () => {
      throw new Error('connection to 10.0.0.5 failed: password authentication failed for user "op"');
    });
    // The flow tags each OpenID error with how it is answered; the responder only reads that.
    app.post('/direct', () => {
      throw answeredAs(new UnsupportedAssociationType('Unsupported association type', { extra: { assoc_type: 'HMAC-SHA256', session_type: 'DH-SHA256' } }), { direct: true, version: '2.0' });
    });
    app.post('/direct-1x', () => {
      throw answeredAs(new UnsupportedAssociationType('Unsupported association type'), { direct: true, version: '1.x' });
    });
    app.get('/indirect', () => {
      throw answeredAs(new UnsupportedAssociationType('Something is wrong\nwith two lines'), { direct: false, version: '2.0', verifiedReturnTo: 'https://rp.example/back?x=a%20b&y=1#frag' });
    });
    app.get('/indirect-refused', () => {
      throw answeredAs(new InvalidReturnTo('The return_to URL is outside the realm'), { direct: false, version: '2.0', verifiedReturnTo: 'https://rp.example/back' });
    });
    // An error whose answer cannot be built (its headers throw when read, as a bug would).
    app.get('/broken-answer', () => {
      const error = new AppError('teapot', 418, 'Teapot', 'Short and stout.');
      Object.defineProperty(error, 'headers', { get: () => { throw new TypeError('headers exploded'); } });
      throw error;
    });
    app.get('/untagged', () => {
      throw new InvalidReturnTo('The return_to URL is outside the realm');
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('never sends internal text for an unknown error, and logs it with the request id', async () => {
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body).toMatchObject({ code: 'internal_error', status: 500, title: 'Internal error' });
    expect(res.body).not.toContain('10.0.0.5');
    expect(res.body).not.toContain('password');
    const line = log.lines.find((l) => l['code'] === 'internal_error');
    expect(line).toMatchObject({ level: 'error', reqId: body.requestId, status: 500 });
  });

  it('still answers a structured 500 with the request id when building the answer fails, and logs both errors', async () => {
    const res = await app.inject({ method: 'GET', url: '/broken-answer' });
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toEqual({ type: 'urn:openid-provider:problem:internal_error', title: 'Internal error', status: 500, detail: expect.any(String), code: 'internal_error', requestId: String(res.headers['x-request-id'] ?? body.requestId) });
    expect(res.body).not.toContain('exploded');
    const line = log.lines.find((l) => l['msg'] === 'error response failed');
    expect(line).toMatchObject({ level: 'error', reqId: body.requestId });
  });

  it('answers a direct request in key-value form, HTTP 400 (§5.1.2.2, §8.2.4)', async () => {
    const res = await app.inject({ method: 'POST', url: '/direct' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe('ns:http://specs.openid.net/auth/2.0\nerror:Unsupported association type\nerror_code:unsupported-type\nassoc_type:HMAC-SHA256\nsession_type:DH-SHA256\n');
    const old = await app.inject({ method: 'POST', url: '/direct-1x' });
    expect(old.body).toBe('error:Unsupported association type\nerror_code:unsupported-type\n');
  });

  it('sends an indirect error to the verified return_to, keeping its query (§5.2.3)', async () => {
    const res = await app.inject({ method: 'GET', url: '/indirect' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(
      'https://rp.example/back?x=a%20b&y=1&openid.ns=http%3A%2F%2Fspecs.openid.net%2Fauth%2F2.0&openid.mode=error&openid.error=Something%20is%20wrong%20with%20two%20lines&openid.error_code=unsupported-type#frag',
    );
  });

  it('answers an OpenID error no flow tagged like any other error (problem+json)', async () => {
    const res = await app.inject({ method: 'GET', url: '/untagged', headers: { accept: '*/*' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ code: 'invalid_return_to', status: 400 });
  });

  it('keeps the tag of the step nearest the failure', () => {
    const error = new UnsupportedAssociationType('x');
    answeredAs(error, { direct: false, version: '2.0', verifiedReturnTo: 'https://rp.example/back' });
    answeredAs(error, { direct: true, version: '1.x' });
    expect(error.answer).toEqual({ direct: false, version: '2.0', verifiedReturnTo: 'https://rp.example/back' });
    const other = new Error('not an OpenID error');
    expect(answeredAs(other, { direct: true, version: '2.0' })).toBe(other);
  });

  it('never redirects an error about the return_to itself', async () => {
    const res = await app.inject({ method: 'GET', url: '/indirect-refused', headers: { accept: '*/*' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('The return_to URL is outside the realm');
  });
});

describe('log redaction', () => {
  it('censors passwords, cookies, authorization headers and keys', () => {
    const log = collector();
    const logger = createRootLogger('info', log.stream);
    logger.info({ req: { headers: { cookie: 'op-session=abc', authorization: 'Basic xyz' } }, user: { password: 'hunter2', passwordHash: '$argon2id$…' }, assoc: { mac_key: 'c2VjcmV0' } }, 'x');
    const text = JSON.stringify(log.lines);
    for (const secret of ['op-session=abc', 'Basic xyz', 'hunter2', '$argon2id', 'c2VjcmV0']) expect(text).not.toContain(secret);
    expect(text.match(/\[redacted\]/g)).toHaveLength(5);
  });
});
