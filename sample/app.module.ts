import { Module } from '@nestjs/common';
import { SessionModule } from '../lib/index.js';
import { ApiController } from './api.controller.js';
import { AppController } from './app.controller.js';
import { createSessionStore } from './session-store.js';
import { WebController } from './web.controller.js';

/**
 * The sample's settings: RedisStore when REDIS_URL is set, MemoryStore otherwise
 * (see session-store.ts); a development secret unless SESSION_SECRET is set.
 * A factory, so every app instance gets a store (and Redis connection) of its own.
 */
@Module({
  imports: [
    SessionModule.forRootAsync({
      useFactory: () => ({
        secret: process.env.SESSION_SECRET ?? 'sample-only-secret-change-me-0123456789',
        store: createSessionStore(),
        cookie: { secure: 'auto' },
        // Browsers use the cookie; API clients send the token from POST /api/token in x-session-token.
        transport: ['cookie', 'header'],
        // The session list marks the current session, and POST /api/token's answer is
        // marked uncacheable, from the request being handled.
        requestContext: true,
      }),
    }),
  ],
  controllers: [AppController, ApiController, WebController],
})
export class AppModule {}
