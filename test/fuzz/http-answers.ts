import { decodeKeyValueForm } from '../../src/protocol/kv-form.js';
import { NS_OPENID_2_0 } from '../../src/protocol/consts.js';

// What every answer of the provider looks like, whatever was asked (test/fuzz/http.spec.ts and
// the corpus): the properties are stated here once, on the wire form of the answer.

export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/**
 * The helmet-style baseline of src/http/http-pipeline.ts, on every response: written out again
 * on purpose (not imported), so that a header dropped from the source is a failing property.
 */
export const BASELINE_HEADERS: Readonly<Record<string, string | RegExp>> = {
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-permitted-cross-domain-policies': 'none',
  'permissions-policy': /^camera=\(\)/,
  'referrer-policy': /^(no-referrer|same-origin)$/,
};

const header = (answer: Answer, name: string): string | undefined => {
  const value = answer.headers[name];
  return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);
};

/**
 * The route a request target names: an absolute-form target (RFC 9112 §3.2.2,
 * `POST http://example.org/openid`) reaches the route of its path, as the origin form does.
 */
function originFormOf(target: string): string {
  if (!/^https?:\/\//i.test(target)) return target;
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    return target;
  }
}

/**
 * The invariants of any answer:
 *   - no 5xx (a deliberate 503 from /readyz aside);
 *   - the request id (x-request-id) and the baseline security headers;
 *   - a refusal (4xx) is one of: an OpenID direct error from the endpoint (HTTP 400, key-value
 *     body with `error`, OpenID 2.0 §5.1.2.2), an application/problem+json document (RFC 9457)
 *     carrying our code and the same request id, or an HTML page with the page headers (the error
 *     page, or a page of the flow answering the refusal, e.g. the login form again), or, from the
 *     OpenID Connect routes, an RFC 6749 §5.2 JSON error;
 *   - a redirect has a Location (an indirect OpenID error is one, §5.2.3).
 */
export function expectWellFormedAnswer(answer: Answer, request: { method: string; path: string }): void {
  const context = `${request.method} ${request.path.slice(0, 300)} → ${answer.statusCode} ${answer.body.slice(0, 300)}`;
  const path = originFormOf(request.path);
  const deliberate503 = answer.statusCode === 503 && path.startsWith('/readyz');
  expect(answer.statusCode < 500 || deliberate503, context).toBe(true);
  const requestId = header(answer, 'x-request-id');
  expect(requestId, context).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  for (const [name, expected] of Object.entries(BASELINE_HEADERS)) {
    const value = header(answer, name);
    if (typeof expected === 'string') expect(value, `${name}: ${context}`).toBe(expected);
    else expect(value, `${name}: ${context}`).toMatch(expected);
  }
  if (answer.statusCode >= 300 && answer.statusCode < 400) {
    expect(header(answer, 'location'), context).toBeTruthy();
    return;
  }
  if (answer.statusCode < 400 || request.method === 'HEAD') return;

  const type = header(answer, 'content-type') ?? '';
  if (type === 'application/problem+json; charset=utf-8') {
    const problem = JSON.parse(answer.body) as Record<string, unknown>;
    expect(problem, context).toMatchObject({ status: answer.statusCode, requestId, type: expect.stringMatching(/^urn:openid-provider:problem:[a-z_]+$/), code: expect.stringMatching(/^[a-z_]+$/) });
    expect(typeof problem['title'] === 'string' && typeof problem['detail'] === 'string', context).toBe(true);
  } else if (type === 'text/html; charset=utf-8') {
    expect(header(answer, 'x-frame-options'), context).toBe('DENY');
    expect(header(answer, 'content-security-policy'), context).toMatch(/frame-ancestors 'none'/);
    expect(header(answer, 'cache-control'), context).toBe('no-store');
    // The error page names the request id; other pages answer a refusal too (a login form again,
    // "unknown sign-in" for an approval link that is not ours): the header carries the id there.
    expect(answer.body.startsWith('<!doctype html>'), context).toBe(true);
  } else if (type === 'application/json; charset=utf-8') {
    // RFC 6749 §5.2 (and OpenID Connect Core 1.0 §3.1.2.6): OAuth errors for machines, as JSON
    // with `error`, from the Connect routes only (oidc-provider's own answers).
    expect(path.startsWith('/oidc/') || path.startsWith('/.well-known/openid-configuration'), context).toBe(true);
    const error = JSON.parse(answer.body) as Record<string, unknown>;
    expect(typeof error['error'], context).toBe('string');
  } else {
    // OpenID 2.0 §5.1.2.2: a direct error is HTTP 400 with a key-value body, from the endpoint only.
    expect(type, context).toBe('text/plain; charset=utf-8');
    expect(path === '/openid' || path.startsWith('/openid?'), context).toBe(true);
    expect(answer.statusCode, context).toBe(400);
    const fields = new Map(decodeKeyValueForm(answer.body));
    expect(fields.has('error'), context).toBe(true);
    if (fields.has('ns')) expect(fields.get('ns'), context).toBe(NS_OPENID_2_0);
  }
}
