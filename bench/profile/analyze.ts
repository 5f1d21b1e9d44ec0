import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A time window on the monotonic clock (µs), the one both V8 profiles and process.hrtime use. */
export interface Window {
  fromUs: number;
  toUs: number;
}

export interface Frame {
  name: string;
  /** Where it is: a path relative to the repo, a package, or node's internals. */
  where: string;
  /** Sampled time per request, µs (self time, or inclusive for `libInclusive`). */
  usPerReq: number;
  /** Share of the busy time, %. */
  pct: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Busy time (total minus idle), which percentages below refer to. */
  busyMs: number;
  top: Frame[];
  /** Functions of lib/ by inclusive time (self + callees), biggest first. */
  libInclusive: Frame[];
  /** Every function's self time (used for diffs; not written to the results). */
  all?: Frame[];
  /** Self time grouped by origin: lib/ (this module), @nestjs, express, rxjs, node, gc … */
  byOrigin: Array<{ origin: string; usPerReq: number; pct: number }>;
}

function where(url: string, root: string): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  if (path.startsWith(root)) return path.slice(root.length + 1);
  return path;
}

function origin(frame: CallFrame, loc: string): string {
  if (frame.functionName === '(garbage collector)') return 'gc';
  if (frame.functionName === '(program)' || frame.functionName === '(idle)') return frame.functionName;
  if (loc.startsWith('.bench-dist/lib/') || loc.startsWith('dist/')) return 'lib/ (nest-sessions)';
  if (loc.startsWith('.bench-dist/bench/')) return 'bench app';
  if (loc.startsWith('@nestjs/')) return loc.split('/').slice(0, 2).join('/');
  if (loc.startsWith('node:') || loc === '(native)') return 'node internals';
  const pkg = loc.startsWith('@') ? loc.split('/').slice(0, 2).join('/') : loc.split('/')[0]!;
  return pkg;
}

/**
 * Self time per function of a .cpuprofile, biggest first, and per origin;
 * only the samples inside `window` when given (the load run, not the boot).
 */
export function summarizeProfile(
  file: string,
  root: string,
  requests: number,
  window?: Window,
  topN = 20,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    totalUs += dt;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + dt);
  }
  // Inclusive time of lib/ functions: each sample counts once per distinct lib frame on its stack.
  const libTotal = new Map<string, { name: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const cf = byId.get(n)!.callFrame;
      const loc = where(cf.url, root);
      if (!loc.startsWith('.bench-dist/lib/')) continue;
      const key = `${cf.functionName}@${loc}:${cf.lineNumber}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = libTotal.get(key) ?? {
        name: cf.functionName || '(anonymous)',
        where: `${loc}:${cf.lineNumber + 1}`,
        us: 0,
      };
      entry.us += us;
      libTotal.set(key, entry);
    }
  }
  const frames = new Map<string, { name: string; where: string; us: number; origin: string }>();
  const origins = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const loc = where(cf.url, root);
    const key = `${cf.functionName}@${loc}:${cf.lineNumber}`;
    const entry = frames.get(key) ?? {
      name: cf.functionName || '(anonymous)',
      where: cf.url ? `${loc}:${cf.lineNumber + 1}` : loc,
      us: 0,
      origin: origin(cf, loc),
    };
    entry.us += us;
    frames.set(key, entry);
    origins.set(entry.origin, (origins.get(entry.origin) ?? 0) + us);
  }
  const busyUs = Math.max(totalUs - idleUs, 1);
  const pct = (us: number) => Math.round((us / busyUs) * 1000) / 10;
  const perReq = (us: number) => Math.round((us / Math.max(requests, 1)) * 10) / 10;
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    top: [...frames.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((f) => ({ name: f.name, where: f.where, usPerReq: perReq(f.us), pct: pct(f.us) })),
    all: [...frames.values()].map((f) => ({ name: f.name, where: f.where, usPerReq: perReq(f.us), pct: pct(f.us) })),
    libInclusive: [...libTotal.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((f) => ({ name: f.name, where: f.where, usPerReq: perReq(f.us), pct: pct(f.us) })),
    byOrigin: [...origins.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([o, us]) => ({ origin: o, usPerReq: perReq(us), pct: pct(us) })),
  };
}

/** Per-request self time `a - b` by function (and by origin): what one app adds over another. */
export function diffProfiles(
  a: ProfileSummary,
  b: ProfileSummary,
  topN = 20,
): {
  frames: Array<{ name: string; where: string; addedUsPerReq: number }>;
  origins: Array<{ origin: string; addedUsPerReq: number }>;
} {
  const key = (f: Frame) => `${f.name}@${f.where}`;
  const before = new Map((b.all ?? []).map((f) => [key(f), f.usPerReq]));
  const frames = (a.all ?? [])
    .map((f) => ({
      name: f.name,
      where: f.where,
      addedUsPerReq: Math.round((f.usPerReq - (before.get(key(f)) ?? 0)) * 10) / 10,
    }))
    .sort((x, y) => y.addedUsPerReq - x.addedUsPerReq)
    .slice(0, topN);
  const originsB = new Map(b.byOrigin.map((o) => [o.origin, o.usPerReq]));
  const origins = a.byOrigin
    .map((o) => ({
      origin: o.origin,
      addedUsPerReq: Math.round((o.usPerReq - (originsB.get(o.origin) ?? 0)) * 10) / 10,
    }))
    .sort((x, y) => y.addedUsPerReq - x.addedUsPerReq);
  return { frames, origins };
}
