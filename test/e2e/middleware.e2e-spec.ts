import { afterEach, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Module,
  type INestApplication,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { MemoryStore, Session, SessionModule, SessionService } from '../../lib/index.js';
import { sessionCookie } from '../support/cookies.js';
import { SECRET } from '../support/session-harness.js';

/** Counts every request of the session, from a middleware (before guards and interceptors). */
@Injectable()
class CountingMiddleware implements NestMiddleware {
  constructor(private readonly sessions: SessionService) {}

  async use(req: object, _res: unknown, next: (error?: unknown) => void): Promise<void> {
    try {
      const session = await this.sessions.load(req as never);
      session.seen = ((session.seen as number | undefined) ?? 0) + 1;
      next();
    } catch (error) {
      next(error);
    }
  }
}

@Controller()
class CountedController {
  /** Never touches the session itself. */
  @Get('plain')
  plain(): { ok: true } {
    return { ok: true };
  }

  @Get('seen')
  seen(@Session('seen') seen?: number): { seen: number | null } {
    return { seen: seen ?? null };
  }
}

describe.each(['express', 'fastify'] as const)('sessionService.load(req) in a middleware (%s)', (platform) => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('saves what the middleware changed, also on routes that never use the session', async () => {
    const store = new MemoryStore();
    @Module({
      imports: [SessionModule.forRoot({ secret: SECRET, store, logger: false })],
      controllers: [CountedController],
      providers: [CountingMiddleware],
    })
    class AppModule implements NestModule {
      configure(consumer: MiddlewareConsumer): void {
        consumer.apply(CountingMiddleware).forRoutes(CountedController);
      }
    }
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app =
      platform === 'express'
        ? moduleRef.createNestApplication()
        : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    if (platform === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    const server = app.getHttpServer();

    const first = await request(server).get('/plain').expect(200);
    const cookie = sessionCookie(first);
    expect(cookie).toBeDefined();
    await request(server).get('/plain').set('Cookie', cookie!).expect(200);
    // The middleware ran a third time before this handler read the count.
    await request(server).get('/seen').set('Cookie', cookie!).expect(200, { seen: 3 });
    expect(await store.length()).toBe(1);
  });
});
