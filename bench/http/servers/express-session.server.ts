import { Module } from '@nestjs/common';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import session from 'express-session';
import { MAX_AGE_MS, SECRET } from '../payload.js';
import type { Variant } from '../variants.js';
import { nothingToRelease, type BuiltServer } from './built-server.js';
import { createApp } from './create-app.js';
import { benchRedis } from './redis-client.js';
import { ReqSessionController } from './req-session.controller.js';

@Module({ controllers: [ReqSessionController] })
class ExpressSessionModule {}

/** express-session as Nest's docs show it (`app.use(session(…))`), with its MemoryStore or connect-redis. */
export async function build(variant: Variant): Promise<BuiltServer> {
  const app = await createApp(ExpressSessionModule, 'express');
  const client = variant.store === 'redis' ? benchRedis() : undefined;
  const store = client ? new ConnectRedisStore({ client, prefix: 'es:' }) : new session.MemoryStore();
  app.use(
    session({
      secret: SECRET,
      name: 'sid',
      store,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: MAX_AGE_MS, httpOnly: true, sameSite: 'lax' },
    }),
  );
  return { app, release: client ? async () => void (await client.quit()) : nothingToRelease };
}
