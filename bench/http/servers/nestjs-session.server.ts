import { Module, type DynamicModule } from '@nestjs/common';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { SessionModule as NestjsSessionModule } from 'nestjs-session';
import { MAX_AGE_MS, SECRET } from '../payload.js';
import type { Variant } from '../variants.js';
import type { BuiltServer } from './built-server.js';
import { createApp } from './create-app.js';
import { benchRedis } from './redis-client.js';
import { ReqSessionController } from './req-session.controller.js';

/** nestjs-session (express-session as a Nest module) with connect-redis, as its README shows. */
export async function build(_variant: Variant): Promise<BuiltServer> {
  const client = benchRedis();
  const store = new ConnectRedisStore({ client, prefix: 'ns:' });

  @Module({
    imports: [
      NestjsSessionModule.forRoot({
        session: {
          secret: SECRET,
          name: 'sid',
          store,
          resave: false,
          saveUninitialized: false,
          cookie: { maxAge: MAX_AGE_MS, httpOnly: true, sameSite: 'lax' },
        },
      }) as unknown as DynamicModule, // nestjs-session ships its own @nestjs/common 10 typings
    ],
    controllers: [ReqSessionController],
  })
  class NestjsSessionAppModule {}

  const app = await createApp(NestjsSessionAppModule, 'express');
  return { app, release: async () => void (await client.quit()) };
}
