import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Post,
  Req,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import request from 'supertest';
import { Session, SessionModule, type SessionRecord } from '../../lib/index.js';
import { sessionCookie, tokenOf } from '../support/cookies.js';
import { FlakyMemoryStore } from '../support/failing-stores.js';
import { SECRET } from '../support/session-harness.js';
import { adapterVariants, type AdapterVariant } from '../support/variants.js';

/** A MemoryStore that counts its reads (and fails them on demand). */
class CountingStore extends FlakyMemoryStore {
  reads = 0;
  override async get(id: string): Promise<SessionRecord | null> {
    this.reads++;
    return super.get(id);
  }
}

interface RequestWithSession {
  session?: { id: string; userId?: unknown };
  sessionID?: string;
  raw?: { session?: unknown };
}

/** A guard that reads `req.session` directly, as Passport's and csrf-sync's code does. */
@Injectable()
class SessionReadingGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    return ctx.switchToHttp().getRequest<RequestWithSession>().session?.userId === 'ann';
  }
}

@Controller('early')
class EarlyController {
  @Post('login')
  login(@Session() session: Session) {
    session.userId = 'ann';
    return { id: session.id };
  }

  @Get('guarded')
  @UseGuards(SessionReadingGuard)
  guarded(@Session() session: Session, @Req() req: RequestWithSession) {
    return {
      id: session.id,
      sessionID: req.sessionID,
      same: req.session === session,
      rawSame: req.raw ? req.raw.session === session : null,
    };
  }

  @Get('plain')
  plain() {
    return { ok: true };
  }
}

/** What a middleware saw on the request: the session's id, or nothing. */
const seen: Array<string | null> = [];

function moduleFor(loadEarly: boolean, store: CountingStore) {
  @Module({
    imports: [SessionModule.forRoot({ secret: SECRET, store, logger: false, loadEarly })],
    controllers: [EarlyController],
  })
  class EarlyModule implements NestModule {
    configure(consumer: MiddlewareConsumer): void {
      consumer
        .apply((req: RequestWithSession, _res: unknown, next: () => void) => {
          seen.push(req.session ? (req.sessionID ?? 'no sessionID') : null);
          next();
        })
        .forRoutes('*');
    }
  }
  return EarlyModule;
}

async function start(adapter: AdapterVariant, loadEarly: boolean) {
  const store = new CountingStore();
  const moduleRef = await Test.createTestingModule({ imports: [moduleFor(loadEarly, store)] }).compile();
  const app = await adapter.create(moduleRef);
  await app.init();
  await adapter.ready?.(app);
  return { app, store, server: app.getHttpServer() as Server };
}

describe.each(adapterVariants.map((a) => [a.name, a] as const))('loadEarly (%s)', (name, adapter) => {
  let on: Awaited<ReturnType<typeof start>>;
  let off: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    on = await start(adapter, true);
    off = await start(adapter, false);
  });
  afterAll(async () => {
    await on.app.close();
    await off.app.close();
  });

  it('middleware and guards find req.session and req.sessionID (the public id, never the token); one store read', async () => {
    const login = await request(on.server).post('/early/login').expect(201);
    const cookie = sessionCookie(login)!;
    seen.length = 0;
    on.store.reads = 0;
    const res = await request(on.server).get('/early/guarded').set('Cookie', cookie).expect(200);
    expect(res.body.id).toBe(login.body.id);
    expect(res.body.sessionID).toBe(login.body.id);
    expect(tokenOf(cookie)).not.toContain(res.body.sessionID);
    expect(res.body.same).toBe(true);
    expect(seen).toEqual([login.body.id]);
    // Middleware, guard and @Session() share one load.
    expect(on.store.reads).toBe(1);
    if (name === 'fastify') expect(res.body.rawSame).toBe(true);
  });

  it('a request without a session cookie costs no store call, and still has a req.session', async () => {
    seen.length = 0;
    on.store.reads = 0;
    await request(on.server).get('/early/plain').expect(200);
    expect(on.store.reads).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual(expect.any(String));
  });

  it('the guard refuses an anonymous session', async () => {
    await request(on.server).get('/early/guarded').expect(403);
  });

  it("a store outage answers the store's 503 before any middleware; a request without a cookie goes on", async () => {
    const cookie = sessionCookie(await request(on.server).post('/early/login').expect(201))!;
    seen.length = 0;
    on.store.failing.add('get');
    try {
      const res = await request(on.server).get('/early/plain').set('Cookie', cookie).expect(503);
      expect(res.body.statusCode).toBe(503);
      expect(seen).toEqual([]);
      await request(on.server).get('/early/plain').expect(200);
    } finally {
      on.store.failing.delete('get');
    }
  });

  it('without the switch nothing is loaded early: a route without the session makes no store call', async () => {
    const cookie = sessionCookie(await request(off.server).post('/early/login').expect(201))!;
    seen.length = 0;
    off.store.reads = 0;
    await request(off.server).get('/early/plain').set('Cookie', cookie).expect(200);
    expect(off.store.reads).toBe(0);
    expect(seen).toEqual([null]);
  });
});
