/**
 * The process of the mixed-load bench: two Nest apps on Express, one with
 * RedisStore and one with CachedStore(RedisStore), on BENCH_REDIS_PORT, each
 * with routes `POST /login`, `GET /read`, `POST /write`. Reports both ports
 * over IPC, answers 'cpu' with its CPU usage, exits on 'stop' or when the
 * parent goes.
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { CachedStore, recommendedRedisOptions, RedisStore, Session, SessionModule } from '../../lib/index.js';

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

/** One Nest app on its own port, with RedisStore or CachedStore(RedisStore) and its own connections. */
async function start(kind: 'redis' | 'cached'): Promise<{ port: number; close: () => Promise<void> }> {
  const client = connect();
  const subscriber = kind === 'cached' ? connect() : undefined;
  const inner = new RedisStore({ client, prefix: `mixed:${kind}:` });
  const store = subscriber ? new CachedStore(inner, { maxSize: 100_000, ttl: 60_000, subscriber }) : inner;

  @Module({
    imports: [SessionModule.forRoot({ secret: 'mixed-load-bench-secret-0123456789abcdef', store, logger: false })],
    controllers: [MixedController],
  })
  class MixedModule {}

  const app = await NestFactory.create(MixedModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return {
    port: (app.getHttpServer().address() as AddressInfo).port,
    close: async () => {
      await app.close();
      client.disconnect();
      subscriber?.disconnect();
    },
  };
}

// Both apps in this one process: the loads alternate, so each phase's CPU is the loaded app's.
const redis = await start('redis');
const cached = await start('cached');
const stop = async (): Promise<void> => {
  setTimeout(() => process.exit(1), 5_000).unref();
  await Promise.all([redis.close(), cached.close()]);
  process.exit(0);
};
process.on('message', (message) => {
  if (message === 'stop') void stop();
  // The bench's CPU meter: user + system µs this process has used so far.
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.on('disconnect', () => void stop());
process.send?.({ ports: { redis: redis.port, cached: cached.port } });
