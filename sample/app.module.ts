import { Module } from '@nestjs/common';
import { MemoryStore, SessionModule } from '../lib/index.js';
import { ApiController } from './api.controller.js';
import { AppController } from './app.controller.js';
import { WebController } from './web.controller.js';

/** The sample's embedded default: MemoryStore, a development secret unless SESSION_SECRET is set. */
@Module({
  imports: [
    SessionModule.forRoot({
      secret: process.env.SESSION_SECRET ?? 'sample-only-secret-change-me-0123456789',
      store: new MemoryStore({ maxSize: 10_000 }),
      cookie: { secure: 'auto' },
      // Browsers use the cookie; API clients send the token from POST /api/token in x-session-token.
      transport: ['cookie', 'header'],
    }),
  ],
  controllers: [AppController, ApiController, WebController],
})
export class AppModule {}
