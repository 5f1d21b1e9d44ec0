/**
 * Child of request-ops.ts, run under `node --cpu-prof`: one overhead app
 * (bench/overhead/apps.ts, MemoryStore by default) in-process, driven
 * through logins, reads and writes one request at a time (Fastify's inject,
 * light-my-request into Express, as bench/overhead does), and each phase's
 * time window and CPU per request reported over IPC.
 * argv[2] = JSON { platform, variant, requests }.
 */
import { dispatcher, request } from '../overhead/measure.js';
import { overheadApp } from '../overhead/apps.js';
import type { Platform } from '../http/variants.js';

export type RequestOp = 'login' | 'read' | 'write';
export interface RequestPhase {
  op: RequestOp;
  ops: number;
  cpuUsPerOp: number;
  fromUs: number;
  toUs: number;
}

const { platform, variant, requests } = JSON.parse(process.argv[2] ?? '{}') as {
  platform: Platform;
  variant: string;
  requests: number;
};
const server = await overheadApp(variant).build(platform);
const send = await dispatcher(server.app, platform);
const now = (): number => Number(process.hrtime.bigint() / 1000n);

const first = await send(request('login', undefined));
const setCookie = ([] as string[]).concat((first.headers['set-cookie'] as string | string[] | undefined) ?? []);
const cookie = setCookie.find((c) => c.startsWith('sid='))?.split(';')[0];
if (!cookie) throw new Error(`${platform} ${variant}: no session cookie from /login`);

async function phase(op: RequestOp, count: number): Promise<RequestPhase> {
  const options = request(op, cookie);
  const fromUs = now();
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const res = await send(options);
    if (res.statusCode !== 200) throw new Error(`${op}: status ${res.statusCode}`);
  }
  const used = process.cpuUsage(before);
  return { op, ops: count, cpuUsPerOp: (used.user + used.system) / count, fromUs, toUs: now() };
}

const ops = ['login', 'read', 'write'] as const;
for (const op of ops) await phase(op, 2_000); // JIT warm-up
const phases: RequestPhase[] = [];
for (const op of ops) phases.push(await phase(op, requests));
await server.app.close();
await server.release();
process.send!({ phases }, () => process.exit(0));
