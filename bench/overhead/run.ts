/**
 * Added CPU per request, in-process: the same routes injected straight into
 * each app (light-my-request, no sockets, one request at a time), the apps
 * side by side in one process and measured in interleaved batches. Without
 * the network and the load generator competing for the 2 cores, the
 * difference to the no-session ceiling is far steadier than the HTTP run's.
 * Each cell is the lowest batch: other tenants of a shared machine only ever
 * add CPU time, so the lowest is the closest to what the code itself costs.
 */
import type { INestApplication } from '@nestjs/common';
import { inject, type DispatchFunc, type InjectOptions } from 'light-my-request';
import { round } from '../lib/stats.js';
import { ROUTE_METHOD, ROUTES, type RouteName } from '../http/payload.js';
import type { Platform } from '../http/variants.js';
import { buildServer } from '../http/servers/index.js';
import type { BuiltServer } from '../http/servers/built-server.js';
import { buildWithSessionService } from './apps.js';

export interface OverheadRow {
  platform: Platform;
  variant: string;
  label: string;
  /** Lowest over batches of CPU (user + system) µs per request. */
  cpuUs: Record<RouteName, number | null>;
  /** That minus the ceiling's lowest on the same route. */
  addedUs: Record<RouteName, number | null> | null;
}

export interface OverheadResult {
  settings: { requestsPerBatch: number; batches: number };
  rows: OverheadRow[];
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
    label: 'the same + a provider injecting SessionService',
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

export async function runOverheadBench(options: {
  requestsPerBatch: number;
  batches: number;
  routes: readonly RouteName[];
  log: (line: string) => void;
}): Promise<OverheadResult> {
  const rows: OverheadRow[] = [];
  for (const platform of ['express', 'fastify'] as const) {
    const subjects: Subject[] = [];
    try {
      for (const s of SUBJECTS) {
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
        options.log(`overhead ${platform}: batch ${b + 1}/${options.batches}`);
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
  }
  return { settings: { requestsPerBatch: options.requestsPerBatch, batches: options.batches }, rows };
}
