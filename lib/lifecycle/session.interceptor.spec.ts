import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Controller, Get, Module, Post, Res, type INestApplication, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { MemoryStore, Session, SessionModule, SessionService } from '../index.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

/** Routes of an app in which nothing injects SessionService: requests skip the async context. */
@Controller()
class PlainController {
  @Post('login')
  login(@Session() session: Session): { ok: true } {
    session.userId = 'u1';
    return { ok: true };
  }

  @Get('read')
  read(@Session('userId') userId?: string): { userId: string | null } {
    return { userId: userId ?? null };
  }

  @Get('anon')
  anon(): { ok: true } {
    return { ok: true };
  }

  @Get('fail')
  fail(@Session() session: Session): never {
    session.failed = true;
    throw new Error('boom');
  }

  @Get('raw')
  raw(@Session() session: Session, @Res() res: { status(n: number): { send(b: unknown): void } }): void {
    session.raw = 1;
    res.status(200).send({ raw: true });
  }
}

/** SessionService reached without injection: the first call cannot find its request; later ones can. */
@Controller('dynamic')
class DynamicController {
  constructor(private readonly refs: ModuleRef) {}

  @Post('regenerate')
  async regenerate(): Promise<{ ok: true }> {
    const sessions = this.refs.get(SessionService, { strict: false });
    const session = await sessions.regenerate();
    session.userId = 'u2';
    return { ok: true };
  }
}

function sid(res: request.Response): string | undefined {
  const cookies = ([] as string[]).concat((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []);
  return cookies.find((c) => c.startsWith('sid='))?.split(';')[0];
}

describe.each(['express', 'fastify'] as const)(
  'SessionInterceptor without SessionService injected (%s)',
  (platform) => {
    let app: INestApplication | undefined;
    let store: MemoryStore;

    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    async function build(
      controllers: Type[],
      options: { rolling?: boolean; requestContext?: boolean } = {},
    ): Promise<INestApplication> {
      store = new MemoryStore();
      @Module({ imports: [SessionModule.forRoot({ secret: SECRET, store, logger: false, ...options })], controllers })
      class AppModule {}
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      const built =
        platform === 'express'
          ? moduleRef.createNestApplication()
          : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
      await built.init();
      if (platform === 'fastify') await (built as NestFastifyApplication).getHttpAdapter().getInstance().ready();
      return built;
    }

    async function start(
      controllers: Type[],
      options: { rolling?: boolean; requestContext?: boolean } = {},
    ): Promise<INestApplication> {
      app = await build(controllers, options);
      return app;
    }

    it('hydrates, saves and sends the cookie for @Session() routes; anon routes cost nothing', async () => {
      const server = (await start([PlainController])).getHttpServer();
      const get = jest.spyOn(store, 'get');
      const anon = await request(server).get('/anon').expect(200);
      expect(sid(anon)).toBeUndefined();
      expect(get).not.toHaveBeenCalled();

      const login = await request(server).post('/login').expect(201);
      const cookie = sid(login)!;
      expect(cookie).toBeDefined();
      await request(server).get('/read').set('cookie', cookie).expect(200, { userId: 'u1' });
      // With a cookie, an anon route still loads nothing.
      get.mockClear();
      await request(server).get('/anon').set('cookie', cookie).expect(200);
      expect(get).not.toHaveBeenCalled();
    });

    it('saves when the handler throws, and before @Res() responses', async () => {
      const server = (await start([PlainController])).getHttpServer();
      const failed = await request(server).get('/fail').expect(500);
      expect(sid(failed)).toBeDefined();
      const raw = await request(server).get('/raw').expect(200, { raw: true });
      expect(sid(raw)).toBeDefined();
      expect(await store.length()).toBe(2);
    });

    it('a SessionService reached through ModuleRef finds its request with requestContext, and says what to turn on without', async () => {
      let server = (await start([DynamicController], { requestContext: true })).getHttpServer();
      expect(sid(await request(server).post('/dynamic/regenerate').expect(201))).toBeDefined();
      await app!.close();
      server = (await start([DynamicController])).getHttpServer();
      await request(server).post('/dynamic/regenerate').expect(500);
    });

    it('two applications built from the same controller each use their own store', async () => {
      const first = await build([PlainController]);
      const firstStore = store;
      const second = await build([PlainController]);
      const secondStore = store;
      try {
        const login = await request(first.getHttpServer()).post('/login').expect(201);
        expect(await firstStore.length()).toBe(1);
        expect(await secondStore.length()).toBe(0);
        // The first app's cookie means nothing to the second app's store.
        await request(second.getHttpServer()).get('/read').set('cookie', sid(login)!).expect(200, { userId: null });
        await request(second.getHttpServer()).post('/login').expect(201);
        expect(await secondStore.length()).toBe(1);
        await request(first.getHttpServer()).get('/read').set('cookie', sid(login)!).expect(200, { userId: 'u1' });
      } finally {
        await first.close();
        await second.close();
      }
    });
  },
);
