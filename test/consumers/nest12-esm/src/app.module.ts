import { Module } from '@nestjs/common';
import { MemoryStore, SessionModule } from 'nest-sessions';
import { AppController } from './app.controller.js';

@Module({
  imports: [
    SessionModule.forRoot({
      secret: process.env.SESSION_SECRET ?? 'consumer-fixture-secret-0123456789abcdef',
      store: new MemoryStore(),
      // The controller calls SessionService without a session argument.
      requestContext: true,
    }),
  ],
  controllers: [AppController],
})
export class AppModule {}
