import { ROUTE_METHOD, ROUTES, type RouteName } from '../http/payload.js';
import type { OverheadResult, OverheadRow } from '../overhead/run.js';
import { fixed, signed, table } from './format.js';

/** An app's added CPU on a route over its peer's (same platform, same kind of store). */
export function peerRatio(o: OverheadResult, row: OverheadRow, route: RouteName): number | null {
  const peer = o.rows.find((r) => r.platform === row.platform && r.variant === row.peer);
  const own = row.addedUs?.[route];
  const theirs = peer?.addedUs?.[route];
  if (own === null || own === undefined || theirs === null || theirs === undefined || theirs <= 0) return null;
  return own / theirs;
}

function cpuTable(o: OverheadResult, routes: RouteName[]): string {
  return table(
    ['Platform', 'App', ...routes.map((r) => `${ROUTE_METHOD[r]} /${r}`)],
    o.rows.map((row) => [
      row.platform,
      row.label,
      ...routes.map((r) => {
        const cpu = row.cpuUs[r];
        const added = row.addedUs?.[r];
        if (cpu === null) return '–';
        return added === undefined || added === null ? fixed(cpu) : `${fixed(cpu)} (${signed(added)})`;
      }),
    ]),
    ['l', 'l', ...routes.map(() => 'r' as const)],
  );
}

function ratioTable(o: OverheadResult, routes: RouteName[]): string {
  const rows = o.rows.filter((r) => r.peer);
  return table(
    ['Platform', 'App', 'compared with', ...routes.map((r) => `${ROUTE_METHOD[r]} /${r}`)],
    rows.map((row) => [
      row.platform,
      row.label,
      o.rows.find((r) => r.platform === row.platform && r.variant === row.peer)?.label ?? row.peer!,
      ...routes.map((r) => {
        const ratio = peerRatio(o, row, r);
        return ratio === null ? '–' : `${fixed(ratio, 2)} ×`;
      }),
    ]),
    ['l', 'l', 'l', ...routes.map(() => 'r' as const)],
  );
}

function redisTable(o: OverheadResult, routes: RouteName[]): string {
  return table(
    ['Platform', 'App', ...routes.map((r) => `${ROUTE_METHOD[r]} /${r}`)],
    o.rows
      .filter((row) => row.redis)
      .map((row) => [
        row.platform,
        row.label,
        ...routes.map((r) => {
          const c = row.redis?.[r];
          if (!c) return '–';
          return `${fixed(c.roundTrips, 2)} / ${fixed(c.cpuUs, 1)} µs (${fixed(c.calls, 1)})`;
        }),
      ]),
    ['l', 'l', ...routes.map(() => 'r' as const)],
  );
}

function usecTable(o: OverheadResult, routes: RouteName[]): string {
  return table(
    ['Platform', 'App', ...routes.filter((r) => r !== 'anon').map((r) => `${ROUTE_METHOD[r]} /${r}`)],
    o.rows
      .filter((row) => row.redis)
      .map((row) => [
        row.platform,
        row.label,
        ...routes
          .filter((r) => r !== 'anon')
          .map((r) =>
            Object.entries(row.redis?.[r]?.usecByCommand ?? {})
              .filter(([, us]) => us >= 0.05)
              .sort((a, b) => b[1] - a[1])
              .map(([name, us]) => `${name} ${fixed(us, 1)}`)
              .join(', '),
          ),
      ]),
    ['l', 'l', ...routes.filter((r) => r !== 'anon').map(() => 'l' as const)],
  );
}

/** The in-process section: CPU per app, ratios to the peers, and what each app costs Redis. */
export function overheadSection(o: OverheadResult): string {
  const routes = ROUTES.filter((r) => o.rows.some((row) => row.cpuUs[r] !== null));
  return [
    `In-process, no sockets: each route injected into the app and into the no-session ceiling, side by side in ` +
      `one process per app (light-my-request), ${o.settings.requestsPerBatch} requests per batch, ${o.settings.batches} ` +
      'interleaved batches. Cells: CPU µs per request (the lowest batch), and in brackets the difference to the ceiling.',
    cpuTable(o, routes),
    'Added CPU as a ratio of the peer’s (same platform, same kind of store; below 1 = less than the peer):',
    ratioTable(o, routes),
    'What the requests cost Redis: round trips (commands the app sent per request, MONITOR over 50 more requests; ' +
      'an EVALSHA is one) / redis-server CPU per request (INFO cpu used_cpu_sys + used_cpu_user, lowest batch; what ' +
      'scripts do counts) and in brackets all calls INFO commandstats counted per request, those inside scripts included.',
    redisTable(o, routes),
    'Where that Redis time goes: µs inside each command per request (INFO commandstats usec over the timed batches; ' +
      'a script’s time includes the calls it makes, which are listed again under their own names; the rest of the ' +
      'server CPU above is reading, parsing and answering each command):',
    usecTable(o, routes),
  ].join('\n\n');
}
