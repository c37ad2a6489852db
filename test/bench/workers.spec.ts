import { defaultWorkers, parseOptions } from '../../bench/options.js';
import { listeningWorkers, workerSettings } from '../../bench/provider.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchResults, chart, resultsTable, targetsTable, updateDocs } from '../../bench/report.js';

// The benchmark's worker passes: what --workers defaults to (what an operator runs here), what
// is written into the provider's configuration, how start-up waits for every worker, and the
// report of several passes (rows per pass, W0 once, targets per pass).

const line = (fields: Record<string, unknown>): string => JSON.stringify({ level: 30, time: 1, ...fields, msg: 'openid-provider listening' });

describe('bench workers', () => {
  it('defaults to 1 and the core count on PostgreSQL, 1 on the embedded database, one pass in smoke mode', () => {
    expect(defaultWorkers(true, false, 2)).toEqual([1, 2]);
    expect(defaultWorkers(true, false, 1)).toEqual([1]);
    expect(defaultWorkers(false, false, 8)).toEqual([1]);
    expect(defaultWorkers(true, true, 4)).toEqual([4]);
    expect(defaultWorkers(false, true, 4)).toEqual([1]);
  });

  it('parses --workers as a list and refuses several on the embedded database', () => {
    expect(parseOptions(['--workers=1,2'], { DATABASE_URL: 'postgres://x/y' }).workers).toEqual([1, 2]);
    expect(parseOptions(['--workers=3'], { DATABASE_URL: 'postgres://x/y' }).workers).toEqual([3]);
    expect(parseOptions(['--workers=1'], {}).workers).toEqual([1]);
    expect(() => parseOptions(['--workers=1,2'], {})).toThrow(/embedded database/);
    expect(() => parseOptions(['--workers=0'], { DATABASE_URL: 'postgres://x/y' })).toThrow(/process counts/);
  });

  it('writes server.workers, and only 1 without PostgreSQL', () => {
    expect(workerSettings(2, true)).toBe('  workers: 2\n');
    expect(workerSettings(1, false)).toBe('  workers: 1\n');
    expect(() => workerSettings(2, false)).toThrow(/embedded database/);
  });

  it('counts listening workers: the single process has no worker field, a restarted worker counts once', () => {
    expect(listeningWorkers(`${line({ pid: 1 })}\n`)).toBe(1);
    expect(listeningWorkers(`${line({ worker: 0, pid: 2 })}\n`)).toBe(1);
    expect(listeningWorkers([line({ worker: 0, pid: 2 }), line({ worker: 1, pid: 3 }), line({ worker: 1, pid: 4 })].join('\n'))).toBe(2);
    expect(listeningWorkers('{"msg":"configuration loaded"}\n')).toBe(0);
  });

  it('reports each pass in its own rows, W0 once, and the targets per pass', () => {
    const run = (id: string, rps: number, p99 = 10, ratioToW0?: number) => ({ id, description: id, requestsPerSecond: rps, requests: rps * 10, seconds: 10, errors: 0, unexpected: 0, latencyMs: { p50: 1, p90: 2, p99 }, ratioToW0 });
    const results = {
      machine: { cores: 2, cpu: 'x', memoryGiB: 1, loadAverageAtStart: [1, 1, 1], loadAverageAtEnd: [1, 1, 1], node: 'Node', wrk: 'wrk', os: 'Linux' },
      settings: { connections: 16, threads: 2, durationSeconds: 10, warmupSeconds: 3, database: 'PostgreSQL', tls: 'TLS', realm: 'r' },
      startedAt: '2026-12-02T00:00:00.000Z',
      dhLimitOneCore: 1000,
      micro: [],
      profiles: {},
      targets: [
        { name: 'provider', label: 'openid-provider (1 worker)', workers: 1, notes: [], workloads: [run('W0', 10000), run('W1', 4000, 10, 0.4), run('W3', 4000, 60, 0.4)] },
        { name: 'provider', label: 'openid-provider (2 workers)', workers: 2, notes: [], workloads: [run('W1', 7000, 10, 0.7), run('W3', 5000, 20, 0.5)] },
      ],
    } as unknown as BenchResults;
    const table = resultsTable(results);
    expect(table.match(/bare Fastify/g)).toHaveLength(1);
    expect(table).toContain('| openid-provider (2 workers) | 7,000 | 0.700 |');
    const targets = targetsTable(results);
    expect(targets).toContain('| W1 ≥ 0.60 of W0 | **not met**: 0.400 (4,000/s) | met: 0.700 (7,000/s) |');
    expect(targets).toMatch(/p99 < 50 ms .* \| \*\*not met\*\*: W3 over/);
    expect(chart(results)).toContain('openid-provider (2 workers) W1: 7,000/s');

    // docs/performance.md: every generated block is filled, an empty one (two markers on
    // consecutive lines) included, and the text around them stays.
    const repo = mkdtempSync(join(tmpdir(), 'bench-docs-'));
    try {
      mkdirSync(join(repo, 'docs'));
      const blocks = ['machine', 'results', 'micro', 'db', 'cpu', 'targets'].map((b) => `<!-- bench:${b} -->\n<!-- /bench:${b} -->`);
      writeFileSync(join(repo, 'docs/performance.md'), `# Prose\n\n${blocks.join('\n\nkept\n\n')}\n`);
      updateDocs(results, repo);
      const doc = readFileSync(join(repo, 'docs/performance.md'), 'utf8');
      expect(doc).toContain(`<!-- bench:targets -->\n${targetsTable(results)}\n<!-- /bench:targets -->`);
      expect(doc.match(/kept/g)).toHaveLength(5);
      // Results without CPU times (before 2026-12-08) say so in that block.
      expect(doc).toContain('<!-- bench:cpu -->\n_No CPU times in these results');
      updateDocs(results, repo);
      expect(readFileSync(join(repo, 'docs/performance.md'), 'utf8')).toBe(doc);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
