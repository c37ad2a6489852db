import { MAX_NONCE_BATCH, type NonceClaim, NonceLedger } from '../../src/association/nonce-ledger.js';

// The batching in front of the nonce ledger (src/association/nonce-ledger.ts), against an
// in-memory table with the database's rule: a nonce inserts once, ever. The suites on PostgreSQL
// (test/association/store.spec.ts, test/faults/two-instances.spec.ts) check the statement itself.

function table(options: { fail?: (claims: readonly NonceClaim[]) => boolean } = {}) {
  const stored = new Set<string>();
  const batches: string[][] = [];
  const insert = async (claims: readonly NonceClaim[]): Promise<ReadonlySet<string>> => {
    batches.push(claims.map((c) => c.nonce));
    await new Promise((r) => setTimeout(r, 2));
    if (options.fail?.(claims)) throw new Error('database unavailable');
    const won = new Set<string>();
    for (const c of claims) {
      if (!stored.has(c.nonce)) {
        stored.add(c.nonce);
        won.add(c.nonce);
      }
    }
    return won;
  };
  return { stored, batches, ledger: new NonceLedger(insert, 255) };
}

const LATER = new Date(Date.now() + 60_000);

describe(NonceLedger.name, () => {
  it('sends the claims of one turn of the event loop as one batch, and each learns its own answer', async () => {
    const { ledger, batches } = table();
    const answers = await Promise.all(['a', 'b', 'c'].map((n) => ledger.claim(n, LATER)));
    expect(answers).toEqual([true, true, true]);
    expect(batches).toEqual([['a', 'b', 'c']]);
    // Recorded before: refused, whichever batch it comes in.
    expect(await ledger.claim('b', LATER)).toBe(false);
  });

  it('answers true to exactly one of several claims of a nonce in one batch; the others are replays', async () => {
    const { ledger, batches } = table();
    const answers = await Promise.all([1, 2, 3, 4].map(() => ledger.claim('same', LATER)));
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(answers[0]).toBe(true);
    expect(batches).toEqual([['same']]);
  });

  it('gathers what arrives while a batch is in flight into the next one', async () => {
    const { ledger, batches } = table();
    const first = ledger.claim('x1', LATER);
    await new Promise((r) => setImmediate(r));
    const more = ['x2', 'x3'].map((n) => ledger.claim(n, LATER));
    expect(await Promise.all([first, ...more])).toEqual([true, true, true]);
    expect(batches).toEqual([['x1'], ['x2', 'x3']]);
  });

  it(`splits more than ${MAX_NONCE_BATCH} claims into several statements`, async () => {
    const { ledger, batches } = table();
    const names = Array.from({ length: MAX_NONCE_BATCH + 7 }, (_, i) => `n${i}`);
    expect((await Promise.all(names.map((n) => ledger.claim(n, LATER)))).every(Boolean)).toBe(true);
    expect(batches.map((b) => b.length)).toEqual([MAX_NONCE_BATCH, 7]);
  });

  it('fails every claim of a failed batch (none is acknowledged), and the next batch goes on', async () => {
    let down = true;
    const { ledger, stored } = table({ fail: () => down });
    const failed = await Promise.allSettled(['f1', 'f2'].map((n) => ledger.claim(n, LATER)));
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(stored.size).toBe(0);
    down = false;
    expect(await ledger.claim('f1', LATER)).toBe(true);
  });

  it('refuses a nonce longer than the column, or a bad date, on its own: its batch is not failed', async () => {
    const { ledger, batches } = table();
    const [long, bad, fine] = await Promise.allSettled([ledger.claim('n'.repeat(256), LATER), ledger.claim('d', new Date(Number.NaN)), ledger.claim('ok', LATER)]);
    expect(long.status).toBe('rejected');
    expect(bad.status).toBe('rejected');
    expect(fine).toEqual({ status: 'fulfilled', value: true });
    expect(batches).toEqual([['ok']]);
  });
});
