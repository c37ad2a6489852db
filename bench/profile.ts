// Reading a V8 CPU profile (node --cpu-prof) for one time window: the workload's measured run.
// The profile's timestamps are microseconds of the monotonic clock that process.hrtime reads in
// every process of the machine, so run.ts's own hrtime marks cut it exactly.

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  where: string;
  ms: number;
  /** Share of the main thread's busy (non-idle) time in the window. */
  percent: number;
  /**
   * Self time only: the nearest callers in a package or in our code (not node internals), with
   * their share of this function's time. It tells a native writev of a TLS reply from one of a
   * database socket.
   */
  via?: { caller: string; percent: number }[];
}

export interface WindowProfile {
  seconds: number;
  busyMs: number;
  /** Share of the window the main thread was idle (waiting for I/O: database, threadpool, network). */
  idlePercent: number;
  gcPercent: number;
  selfTop: FunctionTime[];
  /** Self time grouped by where the code lives: our modules, each package, node internals, native. */
  byArea: { area: string; percent: number }[];
  /** Our own functions by inclusive time (their callees included). */
  inclusiveTop: FunctionTime[];
}

export function loadProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** A short, stable place for a frame: dist/... for ours, the package for dependencies. */
export function frameLocation(url: string, repo: string): string {
  if (!url) return 'native';
  let path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return `node_modules/${path.slice(nm + '/node_modules/'.length)}`;
  if (path.startsWith(`${repo}/`)) path = path.slice(repo.length + 1);
  return path;
}

export function frameArea(location: string): string {
  if (location === 'native') return 'native (V8 builtins, C++)';
  if (location.startsWith('node_modules/')) {
    const parts = location.slice('node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (location.startsWith('node:')) return 'node internals';
  if (location.startsWith('dist/')) return `provider: ${location.split('/')[1]}`;
  return location;
}

function key(node: ProfileNode, repo: string): { name: string; where: string } {
  const location = frameLocation(node.callFrame.url, repo);
  const where = location === 'native' ? location : `${location}:${node.callFrame.lineNumber + 1}`;
  return { name: node.callFrame.functionName || '(anonymous)', where };
}

function nearestCaller(id: number, parent: Map<number, number>, byId: Map<number, ProfileNode>, repo: string): string {
  for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
    const frame = byId.get(cur)!;
    const url = frame.callFrame.url;
    if (url.includes('/node_modules/') || url.includes('/dist/')) {
      const location = frameLocation(url, repo);
      return `${frame.callFrame.functionName || '(anonymous)'} (${location.startsWith('dist/') ? location : frameArea(location)})`;
    }
  }
  return '(no package caller)';
}

/** Self and inclusive time of the samples taken in [fromUs, toUs]. */
export function profileWindow(profile: CpuProfile, fromUs: number, toUs: number, repo: string, top = 15): WindowProfile {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, { name: string; where: string; us: number; via: Map<string, number> }>();
  const inclusive = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  let busy = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    if (t < fromUs || t > toUs) continue;
    const weight = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i]!;
    const node = byId.get(profile.samples[i]!)!;
    const name = node.callFrame.functionName;
    if (name === '(idle)') {
      idle += weight;
      continue;
    }
    busy += weight;
    if (name === '(garbage collector)') gc += weight;
    const k = SPECIAL.has(name) ? { name, where: 'V8' } : key(node, repo);
    const id = `${k.name} ${k.where}`;
    const entry = self.get(id) ?? { ...k, us: 0, via: new Map<string, number>() };
    entry.us += weight;
    self.set(id, entry);
    const caller = nearestCaller(node.id, parent, byId, repo);
    entry.via.set(caller, (entry.via.get(caller) ?? 0) + weight);
    const area = SPECIAL.has(name) ? (name === '(garbage collector)' ? 'garbage collector' : 'V8 (program)') : frameArea(frameLocation(node.callFrame.url, repo));
    areas.set(area, (areas.get(area) ?? 0) + weight);
    // Inclusive: every distinct function of ours on the stack, once per sample.
    const seen = new Set<string>();
    for (let cur: number | undefined = node.id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!;
      if (!frame.callFrame.url.includes('/dist/') || frame.callFrame.url.includes('/node_modules/')) continue;
      const fk = key(frame, repo);
      const fid = `${fk.name} ${fk.where}`;
      if (seen.has(fid)) continue;
      seen.add(fid);
      const e = inclusive.get(fid) ?? { ...fk, us: 0 };
      e.us += weight;
      inclusive.set(fid, e);
    }
  }
  const window = toUs - fromUs;
  const pct = (us: number): number => (busy > 0 ? Math.round((1000 * us) / busy) / 10 : 0);
  const rank = (m: Map<string, { name: string; where: string; us: number; via?: Map<string, number> }>): FunctionTime[] =>
    [...m.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => {
        const f: FunctionTime = { name: e.name, where: e.where, ms: Math.round(e.us / 100) / 10, percent: pct(e.us) };
        if (e.via) {
          f.via = [...e.via]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 3)
            .map(([caller, us]) => ({ caller, percent: Math.round((1000 * us) / e.us) / 10 }));
        }
        return f;
      });
  return {
    seconds: window / 1e6,
    busyMs: Math.round(busy / 1000),
    idlePercent: window > 0 ? Math.round((1000 * idle) / (idle + busy)) / 10 : 0,
    gcPercent: pct(gc),
    selfTop: rank(self),
    byArea: [...areas].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([area, us]) => ({ area, percent: pct(us) })),
    inclusiveTop: rank(inclusive),
  };
}
