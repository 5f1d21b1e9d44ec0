/**
 * One app process of the mixed-load bench: Nest on Express with RedisStore
 * or CachedStore(RedisStore) (argv[2]: `redis` | `cached`) on BENCH_REDIS_PORT,
 * routes `POST /login`, `GET /read`, `POST /write`. Reports its port over IPC,
 * answers 'cpu' with its CPU usage, exits on 'stop' or when the parent goes.
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
const client = connect();
const subscriber = process.argv[2] === 'cached' ? connect() : undefined;
const inner = new RedisStore({ client, prefix: `mixed:${process.argv[2]}:` });
const store = subscriber ? new CachedStore(inner, { maxSize: 100_000, ttl: 60_000, subscriber }) : inner;

@Module({
  imports: [SessionModule.forRoot({ secret: 'mixed-load-bench-secret-0123456789abcdef', store, logger: false })],
  controllers: [MixedController],
})
class MixedModule {}

const app = await NestFactory.create(MixedModule, { logger: false });
await app.listen(0, '127.0.0.1');
const stop = async (): Promise<void> => {
  setTimeout(() => process.exit(1), 5_000).unref();
  await app.close();
  client.disconnect();
  subscriber?.disconnect();
  process.exit(0);
};
process.on('message', (message) => {
  if (message === 'stop') void stop();
  // The bench's CPU meter: user + system µs this process has used so far.
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.on('disconnect', () => void stop());
process.send?.({ port: (app.getHttpServer().address() as AddressInfo).port });
