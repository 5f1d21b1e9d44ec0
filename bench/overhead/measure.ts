/**
 * One measurement of bench/overhead (see run.ts), in the process that runs
 * it: the ceiling and one app, side by side, each route injected into both
 * in interleaved batches. Each cell is the lowest batch: other tenants of a
 * shared machine only ever add CPU time, so the lowest is the closest to
 * what the code itself costs.
 */
import type { INestApplication } from '@nestjs/common';
import { inject, type DispatchFunc, type InjectOptions } from 'light-my-request';
import { round } from '../lib/stats.js';
import { ROUTE_METHOD, ROUTES, type RouteName } from '../http/payload.js';
import type { Platform } from '../http/variants.js';
import { buildServer } from '../http/servers/index.js';
import type { BuiltServer } from '../http/servers/built-server.js';
import { buildWithSessionService } from './apps.js';

/** One app's row: its CPU per request and what it adds to the ceiling. */
export interface OverheadRow {
  platform: Platform;
  variant: string;
  label: string;
  /** Lowest over batches of CPU (user + system) µs per request. */
  cpuUs: Record<RouteName, number | null>;
  /** That minus the ceiling's lowest on the same route. */
  addedUs: Record<RouteName, number | null> | null;
}

interface Subject {
  platform: Platform;
  variant: string;
  label: string;
  server: BuiltServer;
  send: (options: InjectOptions) => Promise<{ statusCode: number; headers: Record<string, unknown> }>;
  cookie?: string;
}

const SUBJECTS: { variant: string; label: string; build: (p: Platform) => Promise<BuiltServer> }[] = [
  {
    variant: 'ceiling',
    label: 'no sessions (ceiling)',
    build: (platform) => buildServer({ id: 'x', label: '', platform, kind: 'ceiling', redis: false }),
  },
  {
    variant: 'module-memory',
    label: 'nest-sessions MemoryStore (`@Session()` routes)',
    build: (platform) => buildServer({ id: 'x', label: '', platform, kind: 'module', store: 'memory', redis: false }),
  },
  {
    variant: 'module-memory-service',
    label: 'the same + SessionService injected, `requestContext: true`',
    build: buildWithSessionService,
  },
];

async function dispatcher(app: INestApplication, platform: Platform): Promise<Subject['send']> {
  await app.init();
  if (platform === 'fastify') {
    const fastify = app.getHttpAdapter().getInstance() as {
      ready(): Promise<unknown>;
      inject(o: InjectOptions): Promise<{ statusCode: number; headers: Record<string, unknown> }>;
    };
    await fastify.ready();
    return (options) => fastify.inject(options);
  }
  const express = app.getHttpAdapter().getInstance() as DispatchFunc;
  return (options) => inject(express, options);
}

function request(route: RouteName, cookie: string | undefined): InjectOptions {
  const method = ROUTE_METHOD[route];
  const headers: Record<string, string> = {};
  // /login and /anon come without a cookie, as in the HTTP run.
  if (cookie && (route === 'read' || route === 'write')) headers.cookie = cookie;
  if (method === 'POST') headers['content-type'] = 'application/json';
  return { method, url: `/${route}`, headers, ...(method === 'POST' ? { payload: '{}' } : {}) };
}

async function batch(subject: Subject, route: RouteName, requests: number): Promise<number> {
  const options = request(route, subject.cookie);
  const before = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const res = await subject.send(options);
    if (res.statusCode !== 200) throw new Error(`${subject.variant} ${route}: status ${res.statusCode}`);
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / requests;
}

async function login(subject: Subject): Promise<string | undefined> {
  const res = await subject.send(request('login', undefined));
  const raw = res.headers['set-cookie'];
  const cookies = ([] as string[]).concat((raw as string | string[] | undefined) ?? []);
  return cookies.find((c) => c.startsWith('sid='))?.split(';')[0];
}

export interface MeasureOptions {
  platform: Platform;
  /** The app measured against the ceiling. */
  variant: string;
  requestsPerBatch: number;
  batches: number;
  routes: readonly RouteName[];
}

/** Measure the ceiling and one app of a platform, interleaved, in this process. */
export async function measure(options: MeasureOptions, log: (line: string) => void): Promise<OverheadRow[]> {
  const rows: OverheadRow[] = [];
  const platform = options.platform;
  const subjects: Subject[] = [];
  try {
    for (const s of SUBJECTS.filter((x) => x.variant === 'ceiling' || x.variant === options.variant)) {
      const server = await s.build(platform);
      subjects.push({ ...s, platform, server, send: await dispatcher(server.app, platform) });
    }
    for (const subject of subjects) {
      subject.cookie = await login(subject);
      if (subject.variant !== 'ceiling' && !subject.cookie) throw new Error(`${subject.variant}: no cookie`);
    }
    // Warm-up: let the JIT settle on every path before measuring.
    for (const subject of subjects) for (const route of options.routes) await batch(subject, route, 500);
    const lowest = new Map<string, number>();
    for (let b = 0; b < options.batches; b++) {
      for (const route of options.routes) {
        for (const subject of subjects) {
          const us = await batch(subject, route, options.requestsPerBatch);
          const key = `${subject.variant}:${route}`;
          lowest.set(key, Math.min(lowest.get(key) ?? Infinity, us));
        }
      }
      log(`overhead ${platform} ${options.variant}: batch ${b + 1}/${options.batches}`);
    }
    const at = (variant: string, r: RouteName): number | undefined => lowest.get(`${variant}:${r}`);
    for (const subject of subjects) {
      const cpuUs = {} as Record<RouteName, number | null>;
      const addedUs = {} as Record<RouteName, number | null>;
      for (const r of ROUTES) {
        const own = at(subject.variant, r);
        const ceiling = at('ceiling', r);
        cpuUs[r] = own === undefined ? null : round(own, 1);
        addedUs[r] = own === undefined || ceiling === undefined ? null : round(own - ceiling, 1);
      }
      rows.push({
        platform,
        variant: subject.variant,
        label: subject.label,
        cpuUs,
        addedUs: subject.variant === 'ceiling' ? null : addedUs,
      });
    }
  } finally {
    for (const subject of subjects) {
      await subject.server.app.close();
      await subject.server.release();
    }
  }
  return rows;
}
