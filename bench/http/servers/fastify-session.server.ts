import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { MAX_AGE_MS, SECRET } from '../payload.js';
import type { Variant } from '../variants.js';
import { nothingToRelease, type BuiltServer } from './built-server.js';
import { createApp } from './create-app.js';
import { benchRedis } from './redis-client.js';
import { ReqSessionController } from './req-session.controller.js';

@Module({ controllers: [ReqSessionController] })
class FastifySessionModule {}

/**
 * @fastify/session + @fastify/cookie on Nest/Fastify, with its own
 * MemoryStore or connect-redis as its store. `rolling: false` (its default is true, which rewrites the whole
 * session on every request) is the like-for-like of resave: false.
 */
export async function build(variant: Variant): Promise<BuiltServer> {
  const app = (await createApp(FastifySessionModule, 'fastify')) as NestFastifyApplication;
  const client = variant.store === 'redis' ? benchRedis() : undefined;
  const store = client ? new ConnectRedisStore({ client, prefix: 'fs:' }) : undefined;
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: SECRET,
    cookieName: 'sid',
    ...(store ? { store: store as unknown as fastifySession.SessionStore } : {}),
    saveUninitialized: false,
    rolling: false,
    cookie: { maxAge: MAX_AGE_MS, secure: false, httpOnly: true, sameSite: 'lax' },
  });
  return { app, release: client ? async () => void (await client.quit()) : nothingToRelease };
}
