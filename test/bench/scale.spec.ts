import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/config.loader.js';
import { DEFAULT_SOAK_SECONDS, parseOptions } from '../../bench/options.js';
import { writeProviderConfig } from '../../bench/provider.js';
import { drainSeconds, type RowCounts, soak, SOAK_SETTINGS, SOAK_TABLES, soakMarkdown, type SoakResult } from '../../bench/soak.js';
import { parse } from 'yaml';

// The benchmark's scale options: --seed (accounts and grants first, PostgreSQL only) and --soak
// (rounds of W3, W4 and W2-plain with row counts of the pruned tables).

const PG = { DATABASE_URL: 'postgres://x/y' };

describe('bench --seed and --soak', () => {
  it('parses --seed=N on PostgreSQL only, as a whole number', () => {
    expect(parseOptions([], PG)).toMatchObject({ seed: 0, soak: 0 });
    expect(parseOptions(['--seed=1000000', '--only=W1,W3'], PG)).toMatchObject({ seed: 1_000_000, only: ['W1', 'W3'] });
    expect(() => parseOptions(['--seed=1000'], {})).toThrow(/DATABASE_URL/);
    expect(() => parseOptions(['--seed=1.5'], PG)).toThrow(/whole number/);
    expect(() => parseOptions(['--seed'], PG)).toThrow(/whole number/);
  });

  it('parses --soak[=S]: its own workloads, one worker, no docs; refuses what it cannot combine with', () => {
    expect(parseOptions(['--soak'], PG)).toMatchObject({ soak: DEFAULT_SOAK_SECONDS, only: ['W2-plain', 'W3', 'W4'], workers: [1], docs: false, write: true });
    expect(parseOptions(['--soak=40'], {}).soak).toBe(40);
    expect(parseOptions(['--soak=39.2', '--connections=8'], {})).toMatchObject({ soak: 40, connections: 8 });
    expect(parseOptions(['--soak=40', '--results=/tmp/r'], {})).toMatchObject({ resultsDir: '/tmp/r', write: true });
    expect(() => parseOptions(['--soak=0'], {})).toThrow(/positive/);
    expect(() => parseOptions(['--soak', '--smoke'], {})).toThrow(/--smoke/);
    expect(() => parseOptions(['--soak', '--profile=W3'], {})).toThrow(/--profile/);
    expect(() => parseOptions(['--soak', '--only=W1'], {})).toThrow(/--only/);
  });

  it('writes the soak settings into a configuration the provider accepts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-soak-'));
    try {
      const plain = parse(readFileSync(writeProviderConfig({ repo: dir, dir, port: 1, workers: 1, postgres: false }), 'utf8')) as Record<string, unknown>;
      expect(plain['database']).toBeUndefined();
      const soaked = parse(readFileSync(writeProviderConfig({ repo: dir, dir, port: 1, workers: 1, postgres: false, soak: SOAK_SETTINGS }), 'utf8')) as Parameters<typeof parseConfig>[0];
      const config = parseConfig(soaked, null);
      expect(config.database).toMatchObject({ prune_interval: SOAK_SETTINGS.pruneInterval, audit_retention: SOAK_SETTINGS.auditRetention });
      expect(config.openid).toMatchObject({ association_lifetime: SOAK_SETTINGS.associationLifetime, nonce_window: SOAK_SETTINGS.nonceWindow });
      expect(config.openid.associate_rate_limit.burst).toBe(1_000_000);
      // Nonces live longest: their window plus the 60 s skew, then one prune interval.
      expect(drainSeconds(SOAK_SETTINGS)).toBe(SOAK_SETTINGS.nonceWindow + 60 + SOAK_SETTINGS.pruneInterval + 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs rounds of W3, W4 and W2-plain until the time is up, counting rows before, after each round and after the drain', async () => {
    vi.useFakeTimers();
    try {
      const counts = (n: number): RowCounts => Object.fromEntries(SOAK_TABLES.map((t) => [t, n])) as RowCounts;
      let reading = 0;
      const ran: string[] = [];
      const slept: number[] = [];
      const measured = await soak(
        12,
        async (id, seconds) => {
          ran.push(`${id} ${seconds}`);
          vi.advanceTimersByTime(seconds * 1000);
          return { requests: 100, errors: id === 'W4' ? 1 : 0 };
        },
        async () => counts(reading++),
        () => undefined,
        async (ms) => void slept.push(ms),
      );
      // Each phase takes at most what is left: 5 + 5 + 2 s, and the time is up.
      expect(ran).toEqual(['W3 5', 'W4 5', 'W2-plain 2']);
      expect(measured).toMatchObject({ seconds: 12, requests: { W3: 100, W4: 100, 'W2-plain': 100 }, errors: 1, before: counts(0), after: counts(1), afterPrune: counts(2) });
      expect(measured.samples).toEqual([{ at: 12, counts: counts(1) }]);
      expect(slept).toEqual([drainSeconds(SOAK_SETTINGS) * 1000]);
      const markdown = soakMarkdown({ schema: 1, mode: 'soak', startedAt: 'T', commit: 'c', database: 'PostgreSQL', settings: { ...SOAK_SETTINGS, phaseSeconds: 5, connections: 16 }, ...measured } as SoakResult);
      expect(markdown).toContain('| used_nonces | 0 | 1 | 1 | 2 |');
      expect(markdown).toContain('1 errors');
    } finally {
      vi.useRealTimers();
    }
  });
});
