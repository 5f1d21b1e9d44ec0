import type { HttpBenchResult } from '../http/types.js';
import { ROUTE_METHOD, ROUTES } from '../http/payload.js';
import type { MachineInfo } from '../lib/machine.js';
import type { ReadPathProfile } from '../profile/run.js';
import type { StoreOpProfile } from '../profile/store-ops.js';
import type { StoreBenchResult } from '../stores/run.js';
import type { OverheadResult } from '../overhead/run.js';
import { overheadSection } from './overhead.js';
import { fixed, int, signed, table } from './format.js';
import type { TargetCheck } from './targets.js';

export interface BenchResults {
  machine: MachineInfo;
  elapsedSec: number;
  command: string;
  http?: HttpBenchResult;
  stores?: StoreBenchResult;
  profile?: ReadPathProfile;
  overhead?: OverheadResult;
  storeProfile?: StoreOpProfile[];
  targets: TargetCheck[];
}

const ROUTE_NOTE: Record<string, string> = {
  login: 'no cookie in; stores userId and ~200 bytes; a new session per request',
  read: 'logged-in cookie; reads userId, changes nothing',
  write: 'logged-in cookie; increments a counter',
  anon: 'no cookie, handler without session',
};

/** One row per variant: each route's req/s, ratio to the ceiling and added CPU in one cell. */
export function summaryTable(http: HttpBenchResult): string {
  const measured = http.variants.filter((v) => !v.skipped);
  const routes = ROUTES.filter((name) => measured.some((v) => v.routes.some((r) => r.route === name)));
  const rows = measured.map((v) => [
    v.platform,
    v.label,
    ...routes.map((name) => {
      const r = v.routes.find((x) => x.route === name);
      if (!r) return '–';
      if (v.id.endsWith('ceiling')) return `${int(r.rps)} (${fixed(r.cpuUsPerReq, 0)} µs)`;
      return `${int(r.rps)} (${fixed(r.ratioToCeiling, 2)}×, ${signed(r.addedCpuUs, 0)} µs)`;
    }),
    routes.map((name) => fixed(v.routes.find((x) => x.route === name)?.commands?.topLevel ?? 0, 2)).join(' / '),
  ]);
  return table(
    ['Platform', 'Variant', ...routes.map((r) => `${ROUTE_METHOD[r]} /${r}`), `Redis cmds/req (${routes.join(' / ')})`],
    rows,
    ['l', 'l', ...routes.map(() => 'r' as const), 'r'],
  );
}

function httpTables(http: HttpBenchResult): string {
  const s = http.settings;
  const out: string[] = [
    `Each variant is its own Nest server process on 127.0.0.1; autocannon (${s.connections} connections, no pipelining) ` +
      `runs ${s.durationSec} s per variant and route, ${s.rounds} interleaved rounds after a ${s.warmupSec} s warm-up; ` +
      'medians over rounds. "× ceiling" and "added CPU" compare with the no-session app of the same platform in the same round. ' +
      'CPU = server utime+stime (/proc/PID/stat) per request. Redis = commands clients sent per request (MONITOR, 50 sequential ' +
      'requests; an EVALSHA is one), in brackets all calls INFO commandstats counted during the timed runs, Lua-internal ones ' +
      'included. Redis CPU = redis-server used_cpu_sys + used_cpu_user (INFO cpu) per request during the timed runs.',
  ];
  const measured = http.variants.filter((v) => !v.skipped);
  for (const name of ROUTES) {
    const rows = measured.flatMap((v) => {
      const r = v.routes.find((x) => x.route === name);
      if (!r) return [];
      const redis = r.commands ? `${fixed(r.commands.topLevel, 2)} (${fixed(r.redisCallsPerReq, 1)})` : '0';
      const redisCpu = r.commands ? fixed(r.redisCpuUsPerReq, 1) : '–';
      return [
        [
          v.platform,
          v.label,
          int(r.rps),
          v.id.endsWith('ceiling') ? '1' : fixed(r.ratioToCeiling, 2),
          fixed(r.p50Ms, 0),
          fixed(r.p99Ms, 0),
          fixed(r.cpuUsPerReq, 0),
          v.id.endsWith('ceiling') ? '' : signed(r.addedCpuUs, 0),
          redis,
          redisCpu,
          r.failures ? int(r.failures) : '0',
        ],
      ];
    });
    out.push(
      `#### ${ROUTE_METHOD[name]} /${name} (${ROUTE_NOTE[name]})`,
      table(
        [
          'Platform',
          'Variant',
          'req/s',
          '× ceiling',
          'p50 ms',
          'p99 ms',
          'CPU µs/req',
          'added µs/req',
          'Redis cmds/req',
          'Redis CPU µs/req',
          'errors',
        ],
        rows,
        ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
  }
  out.push(
    '#### Server memory',
    table(
      ['Platform', 'Variant', 'peak RSS MiB (VmHWM)', 'sessions created by /login'],
      measured.map((v) => [
        v.platform,
        v.label,
        fixed(v.peakRssMiB, 0),
        v.id.endsWith('ceiling') ? '–' : int(v.logins),
      ]),
      ['l', 'l', 'r', 'r'],
    ),
  );
  const skipped = http.variants.filter((v) => v.skipped);
  if (skipped.length) out.push(`Not measured: ${skipped.map((v) => `${v.id} (${v.skipped})`).join('; ')}.`);
  return out.join('\n\n');
}

function storeTables(stores: StoreBenchResult): string {
  const s = stores.settings;
  const ops = table(
    ['Store', 'get/s', 'set/s', 'patch/s', 'touch/s'],
    stores.ops.map((o) => [o.label, int(o.get), int(o.set), o.patch === null ? 'n/a' : int(o.patch), int(o.touch)]),
    ['l', 'r', 'r', 'r', 'r'],
  );
  const memory = table(
    ['Store', 'sessions', 'measured as', 'bytes/session', 'of which owner index', 'JSON bytes', '× JSON'],
    stores.memory.map((m) => [
      `${m.label}${m.anonymous ? ' (anonymous sessions)' : ''}`,
      int(m.sessions),
      m.source,
      int(m.bytesPerSession),
      m.indexBytesPerSession === undefined ? '' : int(m.indexBytesPerSession),
      int(m.jsonBytes),
      fixed(m.ratioToJson, 2),
    ]),
    ['l', 'r', 'l', 'r', 'r', 'r', 'r'],
  );
  return [
    `Operations per second over ${int(s.opsSessions)} stored sessions, ${s.concurrency} operations in flight, ${s.durationMs} ms per operation ` +
      '(CachedStore get = near-cache hits). Records shaped like SessionRecord: userId (the owner), ~200 bytes of profile, meta with user agent.',
    ops,
    'Memory per session: heap delta after gc (--expose-gc, one process per measurement) for in-process stores and the near cache, ' +
      'Redis used_memory delta for Redis stores (owner indexes included). "JSON bytes" = JSON.stringify of one session as that store keeps it.',
    memory,
  ].join('\n\n');
}

function profileSection(p: ReadPathProfile): string {
  const m = p.module;
  const c = p.ceiling;
  return [
    `\`node --cpu-prof\` (250 µs sampling) on ${m.variant} driven with GET /read; only the timed run counts. ` +
      `Sampled busy time: ${fixed((m.busyMs * 1000) / m.requests, 0)} µs/request with the module, ` +
      `${fixed((c.busyMs * 1000) / c.requests, 0)} µs/request for the no-session app (profiling overhead included).`,
    'What the module adds per request, by origin (self time):',
    table(
      ['Origin', 'added µs/req'],
      p.added.origins.slice(0, 8).map((o) => [o.origin, signed(o.addedUsPerReq)]),
      ['l', 'r'],
    ),
    'Top functions by added self time per request:',
    table(
      ['Function', 'Where', 'added µs/req'],
      p.added.frames.slice(0, 15).map((f) => [`\`${f.name}\``, f.where, signed(f.addedUsPerReq)]),
      ['l', 'l', 'r'],
    ),
    'lib/ functions by inclusive time per request (self + callees):',
    table(
      ['Function', 'Where', 'µs/req'],
      m.libInclusive.slice(0, 12).map((f) => [`\`${f.name}\``, f.where, fixed(f.usPerReq)]),
      ['l', 'l', 'r'],
    ),
  ].join('\n\n');
}

function storeProfileSection(phases: StoreOpProfile[]): string {
  return [
    '`node --cpu-prof` (100 µs sampling) on RedisStore alone, one operation at a time against the bench’s Redis ' +
      '(login = create with an owner, read = get, write = patch of one key); CPU per operation of the profiled ' +
      'process, and its biggest self times:',
    ...phases.map((p) =>
      [
        `**${p.op}**: ${fixed(p.cpuUsPerOp, 1)} µs/op; by origin: ` +
          p.byOrigin
            .slice(0, 5)
            .map((o) => `${o.origin} ${fixed(o.usPerReq, 1)}`)
            .join(', '),
        table(
          ['Function', 'Where', 'µs/op'],
          p.top.slice(0, 8).map((f) => [`\`${f.name}\``, f.where, fixed(f.usPerReq, 1)]),
          ['l', 'l', 'r'],
        ),
      ].join('\n\n'),
    ),
  ].join('\n\n');
}

/** The whole report: machine, HTTP tables, store tables, targets, profile. */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const parts = [
    `### Results`,
    `Measured ${m.date.slice(0, 10)} on ${m.nproc} cores (${m.cpuModel}), Node ${m.node}, redis-server ${m.redis}; ` +
      `\`${r.command}\` took ${Math.round(r.elapsedSec)} s.`,
  ];
  if (r.http) {
    parts.push(
      '### Summary',
      'req/s (median), in brackets × the no-session ceiling of the same platform and the server CPU added per request ' +
        '(for the ceilings: their CPU per request).',
      summaryTable(r.http),
      '### HTTP',
      httpTables(r.http),
    );
  }
  if (r.overhead) parts.push('### Added CPU per request, in-process', overheadSection(r.overhead));
  if (r.stores) parts.push('### Stores', storeTables(r.stores));
  if (r.targets.length) {
    parts.push(
      '### Targets',
      table(
        ['Target', 'Measured', 'Held'],
        r.targets.map((t) => [t.target, t.measured, t.held === null ? '–' : t.held ? 'yes' : '**no**']),
        ['l', 'r', 'l'],
      ),
    );
  }
  if (r.profile) parts.push('### Read-path profile', profileSection(r.profile));
  if (r.storeProfile) parts.push('### RedisStore profile', storeProfileSection(r.storeProfile));
  return parts.join('\n\n') + '\n';
}
