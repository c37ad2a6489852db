import fc from 'fast-check';

// Shared pieces of the fuzz suites (test/fuzz/*.spec.ts).
//
// Runs: each property runs `runs(n)` times, n being the short default that keeps the whole folder
// within about a minute on two cores. FUZZ_RUNS=20000 runs every property that many times (the long
// mode, e.g. `FUZZ_RUNS=20000 npx vitest run test/fuzz`); FUZZ_SEED=<n> replays a reported failure
// (fast-check prints the seed and the shrunk counterexample; add it to corpus.json).

/** fast-check parameters of one property: `short` runs by default, FUZZ_RUNS in the long mode. */
export function runs(short: number): fc.Parameters<unknown> {
  const long = Number(process.env['FUZZ_RUNS']);
  const seed = Number(process.env['FUZZ_SEED']);
  return {
    numRuns: Number.isInteger(long) && long > 0 ? long : short,
    ...(Number.isInteger(seed) ? { seed } : {}),
  };
}

/** Timeout of a test that runs a property: generous in the long mode. */
export function timeout(shortMs: number): number {
  const long = Number(process.env['FUZZ_RUNS']);
  return Number.isInteger(long) && long > 0 ? Math.max(shortMs, long * 20) : shortMs;
}

/** Characters that break parsers: C0 (NUL included), DEL, C1, separators of our encodings. */
export const CONTROLS = ['\u0000', '\u0001', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f'];
const SEPARATORS = [':', '=', '&', '?', '#', '/', '\\', '%', '+', ';', ',', '.', ' ', '"', "'", '<', '>', '@', '*', '[', ']'];
/** Astral, combining, bidi, zero-width, BOM, replacement, non-characters, a lone surrogate. */
export const UNICODE = ['é', 'e\u0301', '\u0301', 'ß', 'İ', 'ﬀ', '\u200b', '\u200d', '\u202e', '\ufeff', '\ufffd', '\uffff', '😀', '𝕏', '\u{10ffff}', '中文', 'Ω', 'ﷺ'];
export const LONE_SURROGATES = ['\ud800', '\udfff'];
/** Percent-encodings that decode to nothing valid, or to something hostile. */
export const BROKEN_PERCENT = ['%', '%%', '%E0%A4%A', '%E0%A4', '%ZZ', '%0', '%00', '%0a', '%0D%0A', '%ff', '%C0%80', '%ED%A0%80', '%F4%90%80%80', '%2F', '%2e%2e', '%5C', '%25', '%u0041'];

/** One hostile fragment: a control, a separator, Unicode, broken percent-encoding or plain text. */
export const fragment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...CONTROLS),
  fc.constantFrom(...SEPARATORS),
  fc.constantFrom(...UNICODE),
  fc.constantFrom(...LONE_SURROGATES),
  fc.constantFrom(...BROKEN_PERCENT),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
);

/** A hostile string: fragments glued together, now and then repeated to an over-long length. */
export function hostileString(maxFragments = 8): fc.Arbitrary<string> {
  const glued = fc.array(fragment, { maxLength: maxFragments }).map((parts) => parts.join(''));
  return fc.oneof(
    { weight: 6, arbitrary: glued },
    { weight: 1, arbitrary: fc.tuple(glued, fc.integer({ min: 100, max: 20_000 })).map(([s, n]) => (s || 'x').repeat(Math.ceil(n / Math.max(1, s.length)))) },
  );
}

/** A string that is Unicode text (no lone surrogates): what an HTTP request can carry. */
export function wellFormed(text: string): string {
  return text.replace(/\p{Cs}/gu, '\ufffd');
}
