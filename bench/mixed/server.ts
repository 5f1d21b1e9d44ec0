/**
 * One process of the mixed-load bench: a Nest app on the platform named by
 * argv[3] (`express` or `fastify`) with the store named by argv[2] (`redis`:
 * RedisStore, `cached`: CachedStore(RedisStore), `memory`: MemoryStore, the
 * in-process reference), on BENCH_REDIS_PORT, with routes `POST /login`, `GET /read`, `POST /write`.
 * Reports its port over IPC, answers 'cpu' with its CPU usage, exits on
 * 'stop' or when the parent goes. Each store gets a process of its own, as
 * in production: two apps in one process would share (and tune V8's
 * optimised code to) each other's hot paths.
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import {
  CachedStore,
  MemoryStore,
  recommendedRedisOptions,
  RedisStore,
  Session,
  SessionModule,
  type SessionStore,
} from '../../lib/index.js';
import { createApp } from '../http/servers/create-app.js';
import { isPlatform, type Platform } from '../http/variants.js';

@Controller()
class MixedController {
  @Post('login')
  @HttpCode(200)
  async login(@Session() session: Session): Promise<{ id: string }> {
    await session.regenerate();
    session.userId = session.id.slice(0, 8);
    session.profile = { name: 'bench user', roles: ['reader', 'writer'], locale: 'en' };
    return { id: session.id };
  }

  @Get('read')
  read(@Session() session: Session): { v: unknown } {
    return { v: session.v ?? null };
  }

  @Post('write')
  @HttpCode(200)
  write(@Session() session: Session, @Body() body: { v: number }): { ok: true } {
    session.v = body.v;
    return { ok: true };
  }
}

const connect = (): Redis =>
  new Redis({ host: '127.0.0.1', port: Number(process.env.BENCH_REDIS_PORT), ...recommendedRedisOptions });

type StoreKind = 'redis' | 'cached' | 'memory';
interface Started {
  port: number;
  close: () => Promise<void>;
}

/** A Nest app on its own port with `store`; `release` closes the store's connections after the app. */
async function listen(platform: Platform, store: SessionStore, release: () => Promise<void>): Promise<Started> {
  @Module({
    imports: [SessionModule.forRoot({ secret: 'mixed-load-bench-secret-0123456789abcdef', store, logger: false })],
    controllers: [MixedController],
  })
  class MixedModule {}

  // --defer (BENCH_DEFER=1): every request waits for the event loop's check phase before Nest
  // sees it, so the answers of one turn are written together whatever the store (see run.ts).
  const app = await createApp(MixedModule, platform);
  if (process.env.BENCH_DEFER === '1') {
    if (platform === 'fastify') {
      const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
      fastify.addHook('onRequest', (_req, _reply, done) => void setImmediate(done));
    } else app.use((_req: unknown, _res: unknown, next: () => void) => setImmediate(next));
  }
  await app.listen(0, '127.0.0.1');
  return {
    port: (app.getHttpServer().address() as AddressInfo).port,
    close: async () => {
      await app.close();
      await release();
    },
  };
}

/** The app of one store: MemoryStore (the in-process reference), RedisStore or CachedStore(RedisStore), with its own connections. */
function start(kind: StoreKind, platform: Platform): Promise<Started> {
  if (kind === 'memory') return listen(platform, new MemoryStore(), async () => undefined);
  const client = connect();
  const subscriber = kind === 'cached' ? connect() : undefined;
  const inner = new RedisStore({ client, prefix: `mixed:${kind}:` });
  const store = subscriber ? new CachedStore(inner, { maxSize: 100_000, ttl: 60_000, subscriber }) : inner;
  return listen(platform, store, async () => {
    client.disconnect();
    subscriber?.disconnect();
  });
}

const [kind, platform] = process.argv.slice(2);
if (kind !== 'redis' && kind !== 'cached' && kind !== 'memory')
  throw new Error(`bench/mixed/server: unknown store ${kind}`);
if (!isPlatform(platform)) throw new Error(`bench/mixed/server: unknown platform ${platform}`);
const app = await start(kind, platform);
const stop = async (): Promise<void> => {
  setTimeout(() => process.exit(1), 5_000).unref();
  await app.close();
  process.exit(0);
};
process.on('message', (message) => {
  if (message === 'stop') void stop();
  // The bench's CPU meter: user + system µs this process has used so far.
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.on('disconnect', () => void stop());
process.send?.({ port: app.port });
