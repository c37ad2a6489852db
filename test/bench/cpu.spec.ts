import { cpuPerRequest, cpuSnapshot, type CpuSnapshot } from '../../bench/cpu.js';
import { cpuTable, type BenchResults } from '../../bench/report.js';

// bench/cpu.ts: CPU time per request from /proc, and its table in docs/performance.md.

describe('bench CPU times', () => {
  it('reads this process among the server processes, and the machine busy while it spins', () => {
    const before = cpuSnapshot([process.pid]);
    const until = Date.now() + 300;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    const after = cpuSnapshot([process.pid]);
    expect(x).toBeGreaterThan(0);
    expect(after.server.has(process.pid)).toBe(true);
    const cpu = cpuPerRequest(before, after, 0, 1, 0.3, 1)!;
    // 300 ms of one core, at 10 ms per tick: at least 200 ms counted, the machine at least as much.
    expect(cpu.serverUs).toBeGreaterThanOrEqual(200_000);
    expect(cpu.machineUs).toBeGreaterThanOrEqual(cpu.serverUs * 0.9);
  });

  it('counts what each process spent in between: survivors their growth, new ones all, exited ones nothing', () => {
    const before: CpuSnapshot = { server: new Map([[10, 100], [11, 40]]), postgres: new Map([[20, 500], [21, 900]]), machine: 1000 };
    const after: CpuSnapshot = { server: new Map([[10, 130], [12, 5]]), postgres: new Map([[20, 520]]), machine: 1200 };
    // 100 requests in 2 s on 2 cores; wrk spent 10 ticks.
    const cpu = cpuPerRequest(before, after, 10, 100, 2, 2)!;
    expect(cpu.serverUs).toBeCloseTo(((30 + 5) / 100) * 1e6 / 100);
    // The backend 21 exited: its 900 ticks of a whole lifetime are not subtracted.
    expect(cpu.postgresUs).toBeCloseTo((20 / 100) * 1e6 / 100);
    expect(cpu.wrkUs).toBeCloseTo((10 / 100) * 1e6 / 100);
    expect(cpu.machineBusy).toBeCloseTo(200 / 100 / 2 / 2);
    expect(cpuPerRequest(before, after, 10, 0, 2, 2)).toBeUndefined();
  });

  it('tables each measured run against W0', () => {
    const cpu = (serverUs: number) => ({ serverUs, wrkUs: 15, postgresUs: 2, machineUs: serverUs + 17, machineBusy: 0.8 });
    const results = {
      targets: [{ name: 'provider', label: 'openid-provider (1 worker)', workers: 1, notes: [], workloads: [{ id: 'W0', cpu: cpu(20) }, { id: 'W1', cpu: cpu(50) }, { id: 'W3' }] }],
    } as unknown as BenchResults;
    const table = cpuTable(results);
    expect(table).toContain('| W0 | bare Fastify | 20.0 | 1 | 15.0 | 2.0 | 37.0 | 80 % |');
    expect(table).toContain('| W1 | openid-provider (1 worker) | 50.0 | 2.50 | 15.0 | 2.0 | 67.0 | 80 % |');
    expect(table).not.toContain('| W3 |');
  });
});
