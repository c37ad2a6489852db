import { Test } from '@nestjs/testing';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { EndpointController } from '../../src/auth/endpoint.controller.js';
import { EndpointService } from '../../src/auth/endpoint.service.js';
import { LoginController } from '../../src/auth/login/login.controller.js';
import { LoginForm } from '../../src/auth/login/login.dto.js';
import { LoginService, type LoginResult } from '../../src/auth/login/login.service.js';
import { waitText } from '../../src/auth/login/wait-text.js';
import { LoginApprovalService } from '../../src/auth/approval/login-approval.service.js';
import { PendingRequestExpired } from '../../src/auth/checkid/pending-request.service.js';
import { Random } from '../../src/common/random.js';
import { AllExceptionsFilter } from '../../src/http/all-exceptions.filter.js';
import { createRootLogger } from '../../src/http/logger.js';
import { text } from '../../src/i18n/locale.js';
import { InvalidInput, createValidationPipe } from '../../src/http/validation.js';
import '../../src/http/request-context.js';

// Controller contracts (STYLE.md §6), services mocked: the controllers hand plain values to one
// service method and turn its result into exact HTTP; nothing else.

const DOMAIN = { name: 'example.org', base_url: 'https://example.org' };
const CSRF = 'c'.repeat(43);
const COOKIE = `__Host-op-csrf=${CSRF}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded', cookie: COOKIE };

describe('controllers', () => {
  let app: NestFastifyApplication;
  const endpoint = { handle: vi.fn() };
  const login = { show: vi.fn(), submit: vi.fn(), rejected: vi.fn() };

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [EndpointController, LoginController],
      providers: [
        { provide: EndpointService, useValue: endpoint },
        { provide: LoginService, useValue: login },
        { provide: LoginApprovalService, useValue: {} },
        { provide: Random, useValue: { token: () => 'n'.repeat(43) } },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useFactory: () => new AllExceptionsFilter(createRootLogger('silent')) },
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    // What the HTTP pipeline sets on every routed request.
    const fastify = app.getHttpAdapter().getInstance();
    fastify.decorateRequest('domain', undefined);
    fastify.decorateRequest('secure', false);
    fastify.addHook('onRequest', async (request) => {
      request.domain = DOMAIN;
      request.secure = true;
    });
    await app.init();
    await fastify.ready();
  });
  afterAll(() => app.close());
  beforeEach(() => vi.resetAllMocks());

  describe(EndpointController.name, () => {
    it('hands the message over as plain values and answers a direct response in key-value form', async () => {
      endpoint.handle.mockResolvedValue({ kind: 'direct', fields: [['ns', 'http://specs.openid.net/auth/2.0'], ['is_valid', 'true']] });
      const res = await app.inject({ method: 'POST', url: '/openid', headers: { ...FORM, 'user-agent': 'rp/1' }, payload: 'openid.mode=check_authentication&openid.sig=x&other=1' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toBe('ns:http://specs.openid.net/auth/2.0\nis_valid:true\n');
      expect(endpoint.handle).toHaveBeenCalledWith(DOMAIN, {
        method: 'POST',
        query: [],
        body: [
          ['openid.mode', 'check_authentication'],
          ['openid.sig', 'x'],
        ],
        accept: undefined,
        forceXrds: false,
        secure: true,
        client: { ip: '127.0.0.1', userAgent: 'rp/1' },
        sessionToken: undefined,
      });
    });

    it('answers a discovery document and checkid outcomes (302 after GET, 303 after POST)', async () => {
      endpoint.handle.mockResolvedValueOnce({ kind: 'document', document: { contentType: 'application/xrds+xml; charset=utf-8', body: '<xrds/>', headers: { vary: 'Accept' } } });
      const doc = await app.inject({ method: 'GET', url: '/openid?xrds' });
      expect(doc.statusCode).toBe(200);
      expect(doc.headers['content-type']).toBe('application/xrds+xml; charset=utf-8');
      expect(doc.headers.vary).toBe('Accept');
      expect(endpoint.handle.mock.calls[0]![1]).toMatchObject({ method: 'GET', forceXrds: true, query: [] });
      endpoint.handle.mockResolvedValue({ kind: 'outcome', outcome: { kind: 'redirect', location: 'https://rp.example/back?openid.mode=id_res' } });
      const get = await app.inject({ method: 'GET', url: '/openid?openid.mode=checkid_setup&openid.mode=x' });
      expect(get.statusCode).toBe(302);
      expect(get.headers.location).toBe('https://rp.example/back?openid.mode=id_res');
      expect(endpoint.handle.mock.calls[1]![1]).toMatchObject({ query: [['openid.mode', 'checkid_setup'], ['openid.mode', 'x']] });
      const post = await app.inject({ method: 'POST', url: '/openid', headers: FORM, payload: 'openid.mode=checkid_setup' });
      expect(post.statusCode).toBe(303);
      expect(post.headers['cache-control']).toBe('no-store');
    });

    it('refuses a body that is not form-encoded without calling the service', async () => {
      const res = await app.inject({ method: 'POST', url: '/openid', headers: { 'content-type': 'application/json' }, payload: '{"openid.mode":"associate"}' });
      // OpenID 2.0 §5.1.2.2: a direct error (400, key-value), as for any direct request it cannot read.
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.body).toMatch(/^ns:http:\/\/specs\.openid\.net\/auth\/2\.0\nerror:OpenID messages are POSTed as application\/x-www-form-urlencoded\.\n$/);
      expect(endpoint.handle).not.toHaveBeenCalled();
    });
  });

  describe(LoginController.name, () => {
    const page: LoginResult = { kind: 'page', status: 429, view: { domain: 'example.org', username: 'romeo', error: text('login.errors.throttled', { wait: waitText(30) }) }, retryAfter: 30 };

    it('passes the validated form to LoginService.submit and sets the new session before the next step', async () => {
      login.submit.mockResolvedValue({ kind: 'signed-in', session: { token: 's'.repeat(43), maxAgeSeconds: 60 }, device: { token: 'd'.repeat(43), maxAgeSeconds: 600 }, next: { kind: 'redirect', location: 'https://example.org/openid/romeo' } });
      const res = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `csrf=${CSRF}&username=romeo&password=secret+words&remember=1` });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('https://example.org/openid/romeo');
      // The new session, a new CSRF token (no fixation), the device cookie.
      const cookies = res.headers['set-cookie'] as string[];
      expect(cookies).toEqual([
        `__Host-op-session=${'s'.repeat(43)}; Path=/; SameSite=Lax; Secure; HttpOnly; Max-Age=60`,
        expect.stringMatching(/^__Host-op-csrf=[A-Za-z0-9_-]{43}; Path=\/; SameSite=Lax; Secure; HttpOnly$/),
        `__Host-op-device=${'d'.repeat(43)}; Path=/; SameSite=Lax; Secure; HttpOnly; Max-Age=600`,
      ]);
      expect(cookies[1]).not.toContain(CSRF);
      const [domain, form, token, client] = login.submit.mock.calls[0]!;
      expect(domain).toBe(DOMAIN);
      expect(form).toBeInstanceOf(LoginForm);
      expect({ ...form }).toEqual({ csrf: CSRF, username: 'romeo', password: 'secret words', remember: '1' });
      expect(token).toBeUndefined();
      expect(client).toMatchObject({ ip: '127.0.0.1' });
    });

    it('keeps the new session cookie when the step after the login fails', async () => {
      login.submit.mockResolvedValue({ kind: 'signed-in', session: { token: 's'.repeat(43), maxAgeSeconds: undefined }, device: undefined, next: { kind: 'error', error: new PendingRequestExpired() } });
      const res = await app.inject({ method: 'POST', url: '/login', headers: { ...FORM, accept: 'text/html' }, payload: `csrf=${CSRF}&username=romeo&password=x&request=${'r'.repeat(32)}` });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('Sign-in request expired');
      expect(res.headers['set-cookie']).toEqual([`__Host-op-session=${'s'.repeat(43)}; Path=/; SameSite=Lax; Secure; HttpOnly`, expect.stringMatching(/^__Host-op-csrf=/)]);
    });

    it('answers a page result with its status, Retry-After and the browser\'s CSRF token', async () => {
      login.submit.mockResolvedValue(page);
      const res = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `csrf=${CSRF}&username=romeo&password=x` });
      expect(res.statusCode).toBe(429);
      expect(res.headers['retry-after']).toBe('30');
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain(`<input type="hidden" name="csrf" value="${CSRF}">`);
      expect(res.body).toContain('Too many failed attempts. Try again in 30 seconds.');
    });

    it('hands a refused form to LoginService.rejected, never to submit', async () => {
      login.rejected.mockResolvedValue({ ...page, status: 400, retryAfter: undefined });
      const res = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `csrf=${CSRF}&username=${'u'.repeat(1024)}&password=x&request=abc` });
      expect(res.statusCode).toBe(400);
      expect(res.headers['retry-after']).toBeUndefined();
      expect(login.submit).not.toHaveBeenCalled();
      const [, error, requestId] = login.rejected.mock.calls[0]!;
      expect(error).toBeInstanceOf(InvalidInput);
      expect((error as InvalidInput).fields.map((f) => ({ ...f, reason: String(f.reason) }))).toEqual([{ name: 'username', rule: 'maxLength', reason: 'must be shorter than or equal to 1023 characters' }]);
      expect(requestId).toBe('abc');
    });

    it('checks the CSRF token before anything else', async () => {
      const res = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `csrf=${CSRF}&username=romeo&password=x` });
      expect(res.statusCode).toBe(403);
      expect(login.submit).not.toHaveBeenCalled();
      expect(login.rejected).not.toHaveBeenCalled();
    });

    it('shows the page with the query\'s pending request, or redirects', async () => {
      login.show.mockResolvedValueOnce({ kind: 'page', status: 200, view: { domain: 'example.org' } });
      const res = await app.inject({ method: 'GET', url: `/login?request=${'r'.repeat(32)}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['set-cookie']).toEqual([`__Host-op-csrf=${'n'.repeat(43)}; Path=/; SameSite=Lax; Secure; HttpOnly`]);
      expect(login.show.mock.calls[0]!.slice(0, 3)).toEqual([DOMAIN, 'r'.repeat(32), undefined]);
      login.show.mockResolvedValueOnce({ kind: 'redirect', location: 'https://example.org/openid/romeo' });
      const signedIn = await app.inject({ method: 'GET', url: '/login' });
      expect(signedIn.statusCode).toBe(302);
      expect(signedIn.headers.location).toBe('https://example.org/openid/romeo');
    });
  });
});
