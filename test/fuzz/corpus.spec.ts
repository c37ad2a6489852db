import { readFileSync } from 'node:fs';
import { OpenIdError } from '../../src/protocol/errors.js';
import { checkMessageLimits } from '../../src/protocol/input-limits.js';
import { parseOpenIdMessage } from '../../src/protocol/message.js';
import { parseRealm, parseReturnTo } from '../../src/protocol/realm.js';
import { encodeDirectError } from '../../src/http/openid-error-encoding.js';
import type { TestApp } from '../helpers/test-app.js';
import { expand } from '../protocol/vectors.js';
import { expectWellFormedAnswer } from './http-answers.js';
import { listeningApp, sendRaw } from './raw-http.js';

// The corpus of past crashers: every input a fuzz suite of this folder found to crash, answer 500
// or break one of its invariants (corpus.json, each entry titled with the suite that found it and
// what went wrong), replayed as a named regression test. A new find goes there with its fix.

type Pairs = Array<[string, string]>;
interface Corpus {
  inputStep: Array<{ title: string; pairs: Pairs; error: string; message: string }>;
  parser: Array<{ title: string; pairs: Pairs; error: string; message: string }>;
  realm: Array<{ title: string; realm?: string; returnTo?: string; error: string }>;
  http: Array<{ title: string; method: 'GET' | 'POST'; url: string; headers: Record<string, string>; payload?: string; status?: number; location?: string }>;
  rawHttp: Array<{ title: string; method: string; path: string; request: Array<string | { repeat: string; count: number }>; status?: number; code?: string }>;
}

const corpus = JSON.parse(readFileSync(new URL('./corpus.json', import.meta.url), 'utf8')) as Corpus;

function thrown(fn: () => unknown): OpenIdError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OpenIdError);
    return error as OpenIdError;
  }
  throw new Error('expected a refusal');
}

describe('fuzz corpus: past crashers stay fixed', () => {
  // OpenID 2.0 §5.1.2.2: each refusal is answered as a key-value body, so its text must encode.
  const stages = { inputStep: checkMessageLimits, parser: (pairs: Pairs) => parseOpenIdMessage(pairs) };
  describe.each(Object.entries(stages))('%s (src/protocol/input-limits.ts, message.ts)', (stage, run) => {
    it.each(corpus[stage as keyof typeof stages])('$title', ({ pairs, error, message }) => {
      const refusal = thrown(() => run(pairs));
      expect(refusal.name).toBe(error);
      expect(refusal.message).toBe(message);
      expect(() => encodeDirectError(refusal, '2.0')).not.toThrow();
    });
  });

  describe('realms and return_to URLs (src/protocol/realm.ts)', () => {
    it.each(corpus.realm)('$title', ({ realm, returnTo, error }) => {
      const refusal = thrown(() => (realm !== undefined ? parseRealm(realm) : parseReturnTo(returnTo!)));
      expect(refusal.name).toBe(error);
    });
  });

  describe('HTTP, one app on the embedded database', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => ({ t, port } = await listeningApp()));
    afterAll(() => t.close());

    it.each(corpus.http)('$title', async ({ method, url, headers, payload, status, location }) => {
      const answer = await t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
      expectWellFormedAnswer(answer, { method, path: url });
      if (status !== undefined) expect(answer.statusCode).toBe(status);
      if (location !== undefined) expect(answer.headers.location).toBe(location);
    });

    // Sent over a socket: what Node's parser refuses (src/http/http-pipeline.ts clientErrorHandler).
    it.each(corpus.rawHttp)('$title', async ({ method, path, request, status, code }) => {
      const answer = await sendRaw(port, Buffer.from(request.map(expand).join(''), 'utf8'), method === 'HEAD');
      expectWellFormedAnswer(answer, { method, path });
      if (status !== undefined) expect(answer.statusCode).toBe(status);
      if (code !== undefined) expect(JSON.parse(answer.body)).toMatchObject({ code, requestId: answer.headers['x-request-id'] });
    });
  });
});
