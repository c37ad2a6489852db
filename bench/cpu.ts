// CPU time per request: where the machine's two cores went during a measured run, read from
// /proc (proc(5): utime and stime of /proc/<pid>/stat, the aggregate "cpu" line of /proc/stat).
// A throughput figure says how many requests the machine answered; these say what each one cost
// the server, the load generator and PostgreSQL, independently of how the scheduler interleaved
// them (a CPU profile counts wall time, including the moments a process waited for a core).

import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux build this runs on). */
const USER_HZ = 100;

interface ProcTimes {
  ppid: number;
  comm: string;
  /** utime + stime, in ticks. */
  ticks: number;
}

function readProc(pid: number): ProcTimes | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm is in parentheses and may hold spaces or parentheses itself: the fields after it start
  // after the last ')'.
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const fields = stat.slice(close + 2).split(' ');
  // Fields 4 (ppid), 14 (utime), 15 (stime), counted from 1 with pid and comm as 1 and 2.
  return { ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) };
}

function allProcesses(): Map<number, ProcTimes> {
  const all = new Map<number, ProcTimes>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const times = readProc(Number(name));
    if (times) all.set(Number(name), times);
  }
  return all;
}

/** The processes under roots (themselves and every descendant alive now), with their ticks. */
function tree(all: Map<number, ProcTimes>, roots: readonly number[]): Map<number, number> {
  const pids = new Set<number>(roots.filter((p) => all.has(p)));
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, t] of all) {
      if (!pids.has(pid) && pids.has(t.ppid)) {
        pids.add(pid);
        grew = true;
      }
    }
  }
  return new Map([...pids].map((pid) => [pid, all.get(pid)!.ticks]));
}

function machineBusyTicks(): number {
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  return user! + nice! + system! + irq! + softirq!;
}

/** Ticks per process id: the server's processes, PostgreSQL's; and the machine's busy ticks. */
export interface CpuSnapshot {
  server: Map<number, number>;
  postgres: Map<number, number>;
  machine: number;
}

/** The server's process trees (a provider with its cluster workers; nginx with Starman), PostgreSQL, the machine. */
export function cpuSnapshot(serverRoots: readonly number[]): CpuSnapshot {
  const all = allProcesses();
  const postgres = new Map<number, number>();
  for (const [pid, t] of all) if (t.comm === 'postgres') postgres.set(pid, t.ticks);
  return { server: tree(all, serverRoots), postgres, machine: machineBusyTicks() };
}

/**
 * Ticks spent between two snapshots by a set of processes: the growth of each one alive at both,
 * all of a new one's. A process that exited in between (a PostgreSQL backend whose connection
 * the pool closed) is left out: its ticks before the end are unknown, and subtracting its whole
 * lifetime, as a sum over the survivors would, could even make the figure negative.
 */
function spent(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, now] of after) ticks += now - (before.get(pid) ?? 0);
  return ticks;
}

export interface CpuPerRequest {
  /** CPU microseconds per answered request: the server (all its processes), wrk, PostgreSQL, and the whole machine (every process, kernel included). */
  serverUs: number;
  wrkUs: number;
  postgresUs: number;
  machineUs: number;
  /** Busy share of the machine's cores during the run (1 = every core busy all the time). */
  machineBusy: number;
}

export function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, wrkTicks: number, requests: number, seconds: number, cores: number): CpuPerRequest | undefined {
  if (requests <= 0 || seconds <= 0) return undefined;
  const us = (ticks: number): number => (ticks / USER_HZ) * 1e6 / requests;
  const machine = after.machine - before.machine;
  return {
    serverUs: us(spent(before.server, after.server)),
    wrkUs: us(wrkTicks),
    postgresUs: us(spent(before.postgres, after.postgres)),
    machineUs: us(machine),
    machineBusy: machine / USER_HZ / seconds / cores,
  };
}
