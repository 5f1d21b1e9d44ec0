import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, Post } from '@nestjs/common';
import request, { type Response } from 'supertest';
import { Session, SessionStore, type SessionModuleOptions } from '../../lib/index.js';
import { sessionCookie, setCookies } from '../support/cookies.js';
import { connectRedis } from '../support/redis.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { adapterVariants, storeVariants, type StoreVariant } from '../support/variants.js';

const DAY = 86_400_000;
const MONTH = 30 * DAY;

/** "Remember me" the express-session way: `session.cookie.maxAge = …` before the login's regenerate. */
@Controller('rm')
class RememberController {
  @Post('login')
  async login(@Session() session: Session, @Body() body: { remember?: boolean }) {
    if (body.remember) session.cookie.maxAge = MONTH;
    await session.regenerate();
    session.userId = 'ann';
    return { id: session.id, originalMaxAge: session.cookie.originalMaxAge };
  }

  @Post('assign')
  assign(@Session() session: Session, @Body() body: { maxAge?: number; days?: number }) {
    session.cookie =
      body.days !== undefined ? { expires: new Date(Date.now() + body.days * DAY) } : { maxAge: body.maxAge };
    session.n = 1;
    return { id: session.id };
  }

  @Get('read')
  read(@Session() session: Session) {
    return {
      userId: session.userId ?? null,
      maxAge: session.cookie.maxAge,
      originalMaxAge: session.cookie.originalMaxAge,
    };
  }

  @Post('touch')
  async touch(@Session() session: Session) {
    await session.touch();
    return {};
  }

  @Post('bad')
  bad(@Session() session: Session, @Body() body: { value: unknown; via: 'maxAge' | 'expires' | 'object' | 'path' }) {
    try {
      if (body.via === 'maxAge') session.cookie.maxAge = body.value as number;
      else if (body.via === 'expires') session.cookie.expires = new Date(body.value as string);
      else if (body.via === 'path') session.cookie = { path: body.value as string };
      else session.cookie = { maxAge: body.value as number };
      return { error: null };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  @Post('attribute')
  attribute(@Session() session: Session) {
    try {
      (session.cookie as { path: string }).path = '/elsewhere';
      return { error: null, path: session.cookie.path };
    } catch (error) {
      return { error: (error as Error).name, path: session.cookie.path };
    }
  }
}

/** The cookie's Max-Age in ms. */
function maxAgeOf(res: Response): number {
  const line = setCookies(res).find((c) => c.startsWith('sid='));
  const seconds = Number(/Max-Age=(\d+)/.exec(line ?? '')?.[1]);
  return seconds * 1000;
}

const near = (actual: number, expected: number): void => {
  expect(actual).toBeGreaterThan(expected - 60_000);
  expect(actual).toBeLessThanOrEqual(expected);
};

const stores = storeVariants().slice(0, 2);
const cells = adapterVariants.flatMap((a) => stores.map((s) => [`${a.name} + ${s.name}`, a, s] as const));

describe.each(cells)('remember me (%s)', (_name, adapter, storeVariant: StoreVariant) => {
  const harnesses: Harness[] = [];
  const make = async (options: Partial<SessionModuleOptions> = {}): Promise<Harness> => {
    const h = await createHarness({ adapter, store: storeVariant, options, controllers: [RememberController] });
    harnesses.push(h);
    return h;
  };
  let h: Harness;
  beforeAll(async () => {
    h = await make();
  });
  afterAll(async () => {
    for (const one of harnesses) await one.close();
  });

  /** What the store keeps the session for, ms: Redis's PTTL of the session's hash, or the stored idle deadline. */
  async function storeLifetime(one: Harness, id: string): Promise<number> {
    if (storeVariant.name === 'RedisStore') {
      const client = await connectRedis();
      try {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, found] = await client.scan(cursor, 'MATCH', `*{${id}}`, 'COUNT', 1000);
          keys.push(...found);
          cursor = next;
        } while (cursor !== '0');
        expect(keys.length).toBeGreaterThan(0);
        return await client.pttl(keys[0]!);
      } finally {
        await client.quit();
      }
    }
    const record = await one.app.get(SessionStore).get(id);
    return record!.meta.idleExpiresAt - Date.now();
  }

  it('a 30-day session next to a one-day one: cookie Max-Age and store lifetime follow each', async () => {
    const short = await request(h.server).post('/rm/login').send({ remember: false }).expect(201);
    const long = await request(h.server).post('/rm/login').send({ remember: true }).expect(201);
    near(maxAgeOf(short), DAY);
    near(maxAgeOf(long), MONTH);
    near(await storeLifetime(h, short.body.id), DAY);
    near(await storeLifetime(h, long.body.id), MONTH);
    // Kept across the regenerate it was set before.
    expect(long.body.originalMaxAge).toBe(MONTH);
    // Later requests read the 30 days back from the stored record.
    const read = await request(h.server).get('/rm/read').set('Cookie', sessionCookie(long)!).expect(200);
    expect(read.body.userId).toBe('ann');
    expect(read.body.originalMaxAge).toBe(MONTH);
    near(read.body.maxAge, MONTH);
  });

  it('after a touch, still 30 days in the cookie and the store', async () => {
    const long = await request(h.server).post('/rm/login').send({ remember: true }).expect(201);
    const touched = await request(h.server).post('/rm/touch').set('Cookie', sessionCookie(long)!).expect(201);
    near(maxAgeOf(touched), MONTH);
    near(await storeLifetime(h, long.body.id), MONTH);
  });

  it('session.cookie = { maxAge } and { expires } are accepted', async () => {
    const byMaxAge = await request(h.server)
      .post('/rm/assign')
      .send({ maxAge: 7 * DAY })
      .expect(201);
    near(maxAgeOf(byMaxAge), 7 * DAY);
    near(await storeLifetime(h, byMaxAge.body.id), 7 * DAY);
    const byExpires = await request(h.server).post('/rm/assign').send({ days: 3 }).expect(201);
    near(maxAgeOf(byExpires), 3 * DAY);
  });

  it.each([
    ['maxAge', 1.5],
    ['maxAge', -1],
    ['maxAge', '30d'],
    ['maxAge', null],
    ['object', 1e300],
    ['expires', 'not a date'],
  ])('a lifetime that is not a whole number of ms >= 0 (%s = %p) is a clear error', async (via, value) => {
    const res = await request(h.server).post('/rm/bad').send({ via, value }).expect(201);
    expect(res.body.error).toMatch(
      /session\.cookie\.(maxAge must be a whole number of milliseconds >= 0|expires must be a valid Date)/,
    );
  });

  it("the cookie's other attributes are the module's: a per-session one is refused, never silently dropped", async () => {
    const res = await request(h.server).post('/rm/bad').send({ via: 'path', value: '/elsewhere' }).expect(201);
    expect(res.body.error).toMatch(/session\.cookie\.path cannot be set per session/);
    const direct = await request(h.server).post('/rm/attribute').expect(201);
    expect(direct.body).toEqual({ error: 'TypeError', path: '/' });
  });

  it('absoluteMaxAge caps it', async () => {
    const capped = await make({ absoluteMaxAge: 7 * DAY });
    const long = await request(capped.server).post('/rm/login').send({ remember: true }).expect(201);
    near(maxAgeOf(long), 7 * DAY);
    near(await storeLifetime(capped, long.body.id), 7 * DAY);
  });

  it('rolling re-sends the 30-day lifetime on a plain read', async () => {
    const rolling = await make({ rolling: true });
    const long = await request(rolling.server).post('/rm/login').send({ remember: true }).expect(201);
    const read = await request(rolling.server).get('/rm/read').set('Cookie', sessionCookie(long)!).expect(200);
    near(maxAgeOf(read), MONTH);
    near(await storeLifetime(rolling, long.body.id), MONTH);
  });
});
