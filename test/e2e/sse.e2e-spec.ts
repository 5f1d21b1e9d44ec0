import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, HttpCode, Module, Post, Sse, type INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { interval, map, take, type Observable } from 'rxjs';
import request from 'supertest';
import { MemoryStore, Session, SessionModule, UseSession } from '../../lib/index.js';
import { sessionCookie } from '../support/cookies.js';
import { SECRET } from '../support/session-harness.js';

/** Server-Sent Events: headers leave before the handler runs, so `@UseSession()` saves before each event. */
@Controller()
class EventsController {
  @Post('login')
  @HttpCode(200)
  login(@Session() session: Session): { ok: true } {
    session.userId = 'u1';
    return { ok: true };
  }

  @Get('read')
  read(@Session() session: Session): Record<string, unknown> {
    return { ...session };
  }

  @Sse('events')
  @UseSession()
  events(@Session() session: Session): Observable<{ data: { step: number } }> {
    return interval(20).pipe(
      take(3),
      map((n) => {
        session.step = n + 1;
        return { data: { step: n + 1 } };
      }),
    );
  }

  /** Without `@UseSession()`: read works, changes are saved when the stream ends. */
  @Sse('plain-events')
  plainEvents(@Session() session: Session): Observable<{ data: { userId: unknown } }> {
    return interval(10).pipe(
      take(2),
      map(() => {
        session.plain = true;
        return { data: { userId: session.userId } };
      }),
    );
  }
}

/** The `data:` lines of an event stream, as they arrive; `onEvent` may read the app meanwhile. */
function readEvents(url: string, cookie: string, onEvent: (data: unknown) => Promise<void>): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      const events: unknown[] = [];
      let chain = Promise.resolve();
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const line = block.split('\n').find((l) => l.startsWith('data: '));
          if (!line) continue;
          const data: unknown = JSON.parse(line.slice(6));
          events.push(data);
          chain = chain.then(() => onEvent(data));
        }
      });
      res.on('end', () => void chain.then(() => resolve(events), reject));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe.each(['express', 'fastify'] as const)('@Sse() handlers (%s)', (platform) => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    @Module({
      imports: [SessionModule.forRoot({ secret: SECRET, store: new MemoryStore(), logger: false })],
      controllers: [EventsController],
    })
    class EventsModule {}
    const moduleRef = await Test.createTestingModule({ imports: [EventsModule] }).compile();
    app =
      platform === 'express'
        ? moduleRef.createNestApplication({ logger: false })
        : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
  });

  it('with @UseSession(), each event leaves after the change before it was saved', async () => {
    const cookie = sessionCookie(await request(base).post('/login').expect(200))!;
    const seen: unknown[] = [];
    const events = await readEvents(`${base}/events`, cookie, async (data) => {
      seen.push((await request(base).get('/read').set('Cookie', cookie)).body.step);
      expect((data as { step: number }).step).toBeLessThanOrEqual(seen.at(-1) as number);
    });
    expect(events).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
    expect((await request(base).get('/read').set('Cookie', cookie)).body).toEqual({ userId: 'u1', step: 3 });
  });

  it('without it, the session is read, and saved when the stream ends', async () => {
    const cookie = sessionCookie(await request(base).post('/login').expect(200))!;
    const events = await readEvents(`${base}/plain-events`, cookie, async () => undefined);
    expect(events).toEqual([{ userId: 'u1' }, { userId: 'u1' }]);
    expect((await request(base).get('/read').set('Cookie', cookie)).body).toEqual({ userId: 'u1', plain: true });
  });
});
