/**
 * One measurement of bench/overhead (see run.ts), in the process that runs
 * it: the ceiling and one app, side by side, each route injected into both
 * in interleaved batches. Each cell is the lowest batch: other tenants of a
 * shared machine only ever add CPU time, so the lowest is the closest to
 * what the code itself costs. For an app on Redis, Redis's own CPU and the
 * commands it was sent are metered too (redis-meter.ts).
 */
import type { INestApplication } from '@nestjs/common';
import { inject, type DispatchFunc, type InjectOptions } from 'light-my-request';
import { round } from '../lib/stats.js';
import { ROUTE_METHOD, ROUTES, type RouteName } from '../http/payload.js';
import type { Platform } from '../http/variants.js';
import type { BuiltServer } from '../http/servers/built-server.js';
import { overheadApp, type OverheadApp } from './apps.js';
import { RedisMeter, type RedisCost } from './redis-meter.js';

/** One app's row: its CPU per request and what it adds to the ceiling. */
export interface OverheadRow {
  platform: Platform;
  variant: string;
  label: string;
  /** The peer app it is compared with, if any. */
  peer?: string;
  /** Lowest over batches of CPU (user + system) µs per request. */
  cpuUs: Record<RouteName, number | null>;
  /** That minus the ceiling's lowest on the same route. */
  addedUs: Record<RouteName, number | null> | null;
  /** What its requests cost Redis; null for apps without Redis. */
  redis: Record<RouteName, RedisCost | null> | null;
}

interface Subject {
  app: OverheadApp;
  server: BuiltServer;
  send: (options: InjectOptions) => Promise<{ statusCode: number; headers: Record<string, unknown> }>;
  cookie?: string;
  meter?: RedisMeter;
}

/** How a request reaches the app without sockets: Fastify's own inject, or light-my-request into Express. */
export async function dispatcher(app: INestApplication, platform: Platform): Promise<Subject['send']> {
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

export function request(route: RouteName, cookie: string | undefined): InjectOptions {
  const method = ROUTE_METHOD[route];
  const headers: Record<string, string> = {};
  // /login and /anon come without a cookie, as in the HTTP run.
  if (cookie && (route === 'read' || route === 'write')) headers.cookie = cookie;
  if (method === 'POST') headers['content-type'] = 'application/json';
  return { method, url: `/${route}`, headers, ...(method === 'POST' ? { payload: '{}' } : {}) };
}

async function send(subject: Subject, route: RouteName): Promise<void> {
  const res = await subject.send(request(route, subject.cookie));
  if (res.statusCode !== 200) throw new Error(`${subject.app.variant} ${route}: status ${res.statusCode}`);
}

async function batch(subject: Subject, route: RouteName, requests: number): Promise<number> {
  const options = request(route, subject.cookie);
  const before = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const res = await subject.send(options);
    if (res.statusCode !== 200) throw new Error(`${subject.app.variant} ${route}: status ${res.statusCode}`);
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
  /** The bench's redis-server, for the apps on Redis. */
  redisPort: number;
}

/** Measure the ceiling and one app of a platform, interleaved, in this process. */
export async function measure(options: MeasureOptions, log: (line: string) => void): Promise<OverheadRow[]> {
  const platform = options.platform;
  process.env.BENCH_REDIS_PORT = String(options.redisPort);
  const subjects: Subject[] = [];
  try {
    for (const app of [overheadApp('ceiling'), overheadApp(options.variant)]) {
      const server = await app.build(platform);
      const meter = app.redis ? new RedisMeter(options.redisPort) : undefined;
      subjects.push({ app, server, send: await dispatcher(server.app, platform), meter });
    }
    for (const subject of subjects) {
      subject.cookie = await login(subject);
      if (subject.app.variant !== 'ceiling' && !subject.cookie) throw new Error(`${subject.app.variant}: no cookie`);
    }
    // Warm-up: let the JIT settle on every path before measuring.
    for (const subject of subjects) for (const route of options.routes) await batch(subject, route, 500);
    const lowest = new Map<string, number>();
    for (let b = 0; b < options.batches; b++) {
      for (const route of options.routes) {
        for (const subject of subjects) {
          let us = 0;
          const run = async () => void (us = await batch(subject, route, options.requestsPerBatch));
          if (subject.meter) await subject.meter.batch(route, options.requestsPerBatch, run);
          else await run();
          const key = `${subject.app.variant}:${route}`;
          lowest.set(key, Math.min(lowest.get(key) ?? Infinity, us));
        }
      }
      log(`overhead ${platform} ${options.variant}: batch ${b + 1}/${options.batches}`);
    }
    const at = (variant: string, r: RouteName): number | undefined => lowest.get(`${variant}:${r}`);
    const rows: OverheadRow[] = [];
    for (const subject of subjects) {
      const cpuUs = {} as Record<RouteName, number | null>;
      const addedUs = {} as Record<RouteName, number | null>;
      for (const r of ROUTES) {
        const own = at(subject.app.variant, r);
        const ceiling = at('ceiling', r);
        cpuUs[r] = own === undefined ? null : round(own, 1);
        addedUs[r] = own === undefined || ceiling === undefined ? null : round(own - ceiling, 1);
      }
      rows.push({
        platform,
        variant: subject.app.variant,
        label: subject.app.label,
        peer: subject.app.peer?.[platform],
        cpuUs,
        addedUs: subject.app.variant === 'ceiling' ? null : addedUs,
        redis: subject.meter ? await subject.meter.costs(options.routes, (route) => send(subject, route)) : null,
      });
    }
    return rows;
  } finally {
    for (const subject of subjects) {
      subject.meter?.close();
      await subject.server.app.close();
      await subject.server.release();
    }
  }
}
