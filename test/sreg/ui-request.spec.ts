import { MAX_LANG_CHARS, MAX_LANGUAGES, parseLanguagePreference, parseUiRequest, type UiRequest } from '../../src/sreg/ui-request.js';
import { loadVectors, requestMessage, type RequestInput } from './helpers.js';

interface ParseCase {
  title: string;
  input: RequestInput;
  expected: UiRequest;
}
const vectors = loadVectors<{ parse: ParseCase[] }>('ui');

describe('parseUiRequest (OpenID UI Extension 1.0 §3-§6)', () => {
  it.each(vectors.parse.map((v) => [v.title, v] as const))('%s', (_title, { input, expected }) => {
    expect(parseUiRequest(requestMessage(input))).toEqual(expected);
  });
});

describe('parseLanguagePreference (OpenID UI Extension 1.0 §4)', () => {
  it(`keeps at most ${MAX_LANGUAGES} languages, in order`, () => {
    const tags = ['en', 'fr', 'de', 'it', 'es', 'pt', 'nl', 'sv', 'da', 'fi'];
    expect(parseLanguagePreference(tags.join(','))).toEqual(tags.slice(0, MAX_LANGUAGES));
  });

  it(`does not read a value over ${MAX_LANG_CHARS} characters`, () => {
    expect(parseLanguagePreference(`en,${'a'.repeat(MAX_LANG_CHARS)}`)).toEqual([]);
    expect(parseLanguagePreference('en,' + 'de,'.repeat(80))).toEqual(['en', 'de']);
  });

  it('answers quickly on hostile input (no backtracking blow-up)', () => {
    const started = performance.now();
    for (let i = 0; i < 1000; i++) parseLanguagePreference(`${'en-a-bb'.repeat(30)}-!`.slice(0, MAX_LANG_CHARS));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
