import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BadRequestException,
  Catch,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Module,
  Param,
  Post,
  Query,
  Redirect,
  Res,
  Session as NestSession,
  StreamableFile,
  UseFilters,
  UseGuards,
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type ArgumentsHost,
  type ExceptionFilter,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { Session, SessionModule, SessionService, type SessionStore } from '../../lib/index.js';
import { sessionCookie, setCookies } from '../support/cookies.js';
import { FlakyMemoryStore } from '../support/failing-stores.js';
import { SECRET } from '../support/session-harness.js';
import { adapterVariants, storeVariants, type AdapterVariant } from '../support/variants.js';

/**
 * Apps that reach the session through `@Session()` (nothing injects
 * SessionService but a guard): the parameter's pipe hydrates and the
 * session is committed just before Nest replies, or when the response is
 * sent, whatever the handler does with the response.
 */

interface AnyResponse {
  status(code: number): AnyResponse;
  json?(body: unknown): void;
  send(body: unknown): void;
}

function sendJson(res: AnyResponse, status: number, body: unknown): void {
  res.status(status);
  if (typeof res.json === 'function') res.json(body);
  else res.send(body);
}

/** An exception filter that answers by itself, not through Nest's adapter. */
@Catch()
class TeapotFilter implements ExceptionFilter {
  catch(_error: unknown, host: ArgumentsHost): void {
    sendJson(host.switchToHttp().getResponse<AnyResponse>(), 418, { teapot: true });
  }
}

@Injectable()
class LoadingGuard implements CanActivate {
  constructor(private readonly sessions: SessionService) {}
  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    await this.sessions.load(ctx);
    return true;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Controller()
class HandlerOnlyController {
  @Post('login')
  @HttpCode(200)
  login(@Session() session: Session): { ok: true } {
    session.userId = 'u1';
    return { ok: true };
  }

  @Get('read')
  read(@Session() session: Session): { id: string; isNew: boolean; data: Record<string, unknown> } {
    return { id: session.id, isNew: session.isNew, data: { ...session } };
  }

  @Get('key')
  key(@Session('userId') userId?: string): { userId: string | null } {
    return { userId: userId ?? null };
  }

  @Post('flag/:name')
  @HttpCode(200)
  async flag(@Session() session: Session, @Param('name') name: string, @Query('wait') wait?: string): Promise<object> {
    await sleep(Number(wait ?? 0));
    session[name] = true;
    return { ok: true };
  }

  @Get('fail')
  fail(@Session() session: Session): never {
    session.failed = true;
    throw new BadRequestException('nope');
  }

  @Get('filtered')
  @UseFilters(TeapotFilter)
  filtered(@Session() session: Session): never {
    session.filtered = true;
    throw new ForbiddenException();
  }

  @Get('raw')
  raw(@Session() session: Session, @Res() res: AnyResponse): void {
    session.raw = true;
    sendJson(res, 200, { raw: true });
  }

  @Get('passthrough')
  passthrough(@Session() session: Session, @Res({ passthrough: true }) _res: AnyResponse): { ok: true } {
    session.passthrough = true;
    return { ok: true };
  }

  @Get('file')
  file(@Session() session: Session): StreamableFile {
    session.file = true;
    return new StreamableFile(Buffer.from('file body'));
  }

  @Get('go')
  @Redirect('/read', 302)
  go(@Session() session: Session): void {
    session.went = true;
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Session() session: Session): Promise<{ ok: true }> {
    await session.destroy();
    return { ok: true };
  }

  @Post('regenerate')
  @HttpCode(200)
  async regenerate(@Session() session: Session): Promise<{ id: string }> {
    await session.regenerate();
    session.userId = 'u2';
    return { id: session.id };
  }

  /** Nest's own decorator reads `req.session`, which a guard's `load(ctx)` fills. */
  @Get('nest')
  @UseGuards(LoadingGuard)
  nest(@NestSession() session: Record<string, unknown>): { userId: unknown } {
    return { userId: session.userId ?? null };
  }

  @Get('anon')
  anon(): { ok: true } {
    return { ok: true };
  }
}

async function startApp(adapter: AdapterVariant, store: SessionStore): Promise<INestApplication> {
  @Module({
    imports: [SessionModule.forRoot({ secret: SECRET, store, logger: false, storeTimeout: 500 })],
    controllers: [HandlerOnlyController],
  })
  class HandlerOnlyModule {}
  const moduleRef = await Test.createTestingModule({ imports: [HandlerOnlyModule] }).compile();
  const app = await adapter.create(moduleRef);
  await app.init();
  await adapter.ready?.(app);
  return app;
}

describe.each(
  adapterVariants.flatMap((adapter) =>
    storeVariants().map((store) => [adapter.name, store.name, adapter, store] as const),
  ),
)('@Session()-only app (%s + %s)', (_a, _s, adapter, variant) => {
  let app: INestApplication;
  let store: SessionStore;
  let cleanup: () => Promise<void>;
  let server: ReturnType<INestApplication['getHttpServer']>;

  beforeAll(async () => {
    ({ store, cleanup } = await variant.create());
    app = await startApp(adapter, store);
    server = app.getHttpServer();
  });

  afterAll(async () => {
    await app.close();
    await cleanup();
  });

  async function login(): Promise<string> {
    const cookie = sessionCookie(await request(server).post('/login').expect(200));
    expect(cookie).toBeDefined();
    return cookie!;
  }

  const read = async (cookie: string) => (await request(server).get('/read').set('Cookie', cookie).expect(200)).body;

  it('logs in, reads back, and reads one key', async () => {
    const cookie = await login();
    expect((await read(cookie)).data).toEqual({ userId: 'u1' });
    await request(server).get('/key').set('Cookie', cookie).expect(200, { userId: 'u1' });
  });

  it('sets no cookie and stores nothing for a read of a new session, or for a route without the session', async () => {
    const fresh = await request(server).get('/read').expect(200);
    expect(fresh.body.isNew).toBe(true);
    expect(sessionCookie(fresh)).toBeUndefined();
    const anon = await request(server).get('/anon').expect(200);
    expect(setCookies(anon)).toEqual([]);
  });

  it('a tampered cookie gives a fresh session', async () => {
    const cookie = await login();
    const tampered = cookie.slice(0, -2) + (cookie.endsWith('A') ? 'BB' : 'AA');
    expect((await read(tampered)).isNew).toBe(true);
  });

  it('saves what the handler changed before it threw, with the cookie on the error response', async () => {
    const failed = await request(server).get('/fail').expect(400);
    const cookie = sessionCookie(failed);
    expect(cookie).toBeDefined();
    expect((await read(cookie!)).data).toEqual({ failed: true });
  });

  it('saves before an exception filter that answers by itself', async () => {
    const res = await request(server).get('/filtered').expect(418, { teapot: true });
    const cookie = sessionCookie(res);
    expect(cookie).toBeDefined();
    expect((await read(cookie!)).data).toEqual({ filtered: true });
  });

  it.each(['raw', 'passthrough', 'file'])('saves before a %s response', async (route) => {
    const res = await request(server).get(`/${route}`).expect(200);
    const cookie = sessionCookie(res);
    expect(cookie).toBeDefined();
    expect((await read(cookie!)).data).toEqual({ [route]: true });
  });

  it('a streamed file keeps its body', async () => {
    const res = await request(server).get('/file').buffer(true).expect(200);
    expect(Buffer.isBuffer(res.body) ? res.body.toString() : res.text).toBe('file body');
  });

  it('saves before a @Redirect()', async () => {
    const res = await request(server).get('/go').expect(302);
    expect(res.headers.location).toBe('/read');
    expect((await read(sessionCookie(res)!)).data).toEqual({ went: true });
  });

  it('two overlapping requests changing different keys both persist', async () => {
    const cookie = await login();
    await Promise.all([
      request(server).post('/flag/a?wait=30').set('Cookie', cookie).expect(200),
      request(server).post('/flag/b').set('Cookie', cookie).expect(200),
    ]);
    expect((await read(cookie)).data).toEqual({ userId: 'u1', a: true, b: true });
  });

  it('logout clears the cookie and the record', async () => {
    const cookie = await login();
    const out = await request(server).post('/logout').set('Cookie', cookie).expect(200);
    expect(setCookies(out).some((c) => c.startsWith('sid=;'))).toBe(true);
    expect((await read(cookie)).isNew).toBe(true);
  });

  it('regenerate gives a new id; the old cookie no longer works', async () => {
    const cookie = await login();
    const before = (await read(cookie)).id as string;
    const res = await request(server).post('/regenerate').set('Cookie', cookie).expect(200);
    const renewed = sessionCookie(res)!;
    expect(res.body.id).not.toBe(before);
    expect((await read(renewed)).data).toEqual({ userId: 'u2' });
    expect((await read(cookie)).isNew).toBe(true);
  });

  it("Nest's own @Session() gets the session a guard loaded", async () => {
    const cookie = await login();
    await request(server).get('/nest').set('Cookie', cookie).expect(200, { userId: 'u1' });
  });
});

describe.each(adapterVariants.map((a) => [a.name, a] as const))(
  '@Session()-only app, store failures (%s)',
  (_n, adapter) => {
    let app: INestApplication;
    let store: FlakyMemoryStore;
    let server: ReturnType<INestApplication['getHttpServer']>;

    beforeAll(async () => {
      store = new FlakyMemoryStore();
      app = await startApp(adapter, store);
      server = app.getHttpServer();
    });

    afterAll(async () => {
      await app.close();
    });

    it('a failed load is a 503 and the app keeps serving', async () => {
      const cookie = sessionCookie(await request(server).post('/login').expect(200))!;
      store.failing.add('get');
      try {
        const res = await request(server).get('/read').set('Cookie', cookie).expect(503);
        expect(res.body.statusCode).toBe(503);
        await request(server).get('/anon').expect(200);
      } finally {
        store.failing.delete('get');
      }
      await request(server).get('/key').set('Cookie', cookie).expect(200, { userId: 'u1' });
    });

    it('a failed save is a 503 without a cookie, not a false success', async () => {
      store.failing.add('create');
      try {
        for (const route of ['/login', '/file']) {
          const res = await (route === '/login' ? request(server).post(route) : request(server).get(route)).expect(503);
          expect(res.body.statusCode).toBe(503);
          expect(sessionCookie(res)).toBeUndefined();
        }
      } finally {
        store.failing.delete('create');
      }
      await request(server).post('/login').expect(200);
    });
  },
);
