import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { sessionCookie } from '../support/cookies.js';
import { connectRedis, deleteByPrefix, uniquePrefix } from '../support/redis.js';

/**
 * nest-sessions in express-session's place, as a new user tries it
 * (test/fixtures/passport-app, compiled with tsc, `loadEarly: true`):
 * Passport local login with @nestjs/passport (a PassportSerializer, a
 * LocalAuthGuard calling `super.logIn(request)`, `req.logout(cb)`), with
 * Passport only in guards and with `app.use(passport.session())`; on Express
 * also connect-flash and csrf-sync. Fastify runs what @nestjs/passport
 * supports there: the guards (its middleware would get Node's request, not
 * the route's). MemoryStore and RedisStore.
 */

const CELLS = [
  ['express', 'guards', 'memory'],
  ['express', 'guards', 'redis'],
  ['express', 'middleware', 'memory'],
  ['express', 'middleware', 'redis'],
  ['fastify', 'guards', 'memory'],
  ['fastify', 'guards', 'redis'],
] as const;

describe.each(CELLS)('Passport login (%s, %s, %s)', (platform, mode, store) => {
  let app: AppProcess;
  const prefix = uniquePrefix(`passport-${platform}-${mode}`);

  beforeAll(async () => {
    app = await startAppProcess('test/fixtures/passport-app/main.js', {
      PLATFORM: platform,
      MODE: mode,
      STORE: store,
      SESSION_PREFIX: prefix,
    });
  });

  afterAll(async () => {
    await app.stop();
    if (store !== 'redis') return;
    const client = await connectRedis();
    await deleteByPrefix(client, prefix);
    await client.quit();
  });

  const login = (cookie?: string, password = 'ann-secret') => {
    const req = request(app.url).post('/login').send({ username: 'ann', password });
    return cookie ? req.set('Cookie', cookie) : req;
  };

  it('good credentials: a new session id, and the user on GET /profile (deserializeUser ran)', async () => {
    const visit = await request(app.url).post('/visit').expect(201);
    const before = sessionCookie(visit)!;
    expect(before).toBeDefined();

    const res = await login(before).expect(201);
    expect(res.body.user).toEqual({ id: 'u-ann', name: 'Ann' });
    const after = sessionCookie(res)!;
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(res.body.sessionID).not.toBe(visit.body.sessionID);

    const profile = await request(app.url).get('/profile').set('Cookie', after).expect(200);
    expect(profile.body.user).toEqual({ id: 'u-ann', name: 'Ann', deserialized: true });
    expect(profile.body.sessionID).toBe(res.body.sessionID);
    // The pre-login session was destroyed: its cookie carries nothing any more.
    const old = await request(app.url).get('/me').set('Cookie', before).expect(200);
    expect(old.body.visits).toBeNull();
    expect(old.body.sessionID).not.toBe(visit.body.sessionID);
  });

  it('bad credentials: 401, and no session', async () => {
    const res = await login(undefined, 'wrong').expect(401);
    expect(sessionCookie(res)).toBeUndefined();
    await request(app.url).get('/profile').expect(403);
  });

  it('req.logout(cb): the cookie no longer authenticates', async () => {
    const cookie = sessionCookie(await login().expect(201))!;
    await request(app.url).get('/profile').set('Cookie', cookie).expect(200);
    await request(app.url).post('/logout').set('Cookie', cookie).expect(201);
    await request(app.url).get('/profile').set('Cookie', cookie).expect(403);
  });

  it('runs on the Nest line of this run', async () => {
    const { core } = (await request(app.url).get('/nest-line').expect(200)).body as { core: string };
    expect(core.includes('/test/nest11/')).toBe(process.env.NEST_LINE === '11');
  });

  it('a route that never touches the session answers as usual', async () => {
    await request(app.url).get('/me').expect(200);
  });

  if (platform !== 'express') return;

  it('connect-flash: the message survives one redirect and is consumed once', async () => {
    const set = await request(app.url).post('/flash/set').expect(302);
    expect(set.headers.location).toBe('/flash/show');
    const cookie = sessionCookie(set)!;
    expect(cookie).toBeDefined();
    const shown = await request(app.url).get('/flash/show').set('Cookie', cookie).expect(200);
    expect(shown.body.messages).toEqual(['saved!']);
    const again = await request(app.url).get('/flash/show').set('Cookie', cookie).expect(200);
    expect(again.body.messages).toEqual([]);
  });

  it('csrf-sync: a token stored in the session validates; a forged or missing one gets 403', async () => {
    const issued = await request(app.url).get('/csrf/token').expect(200);
    const cookie = sessionCookie(issued)!;
    const token = issued.body.token as string;
    expect(token).toMatch(/\w{16,}/);
    await request(app.url).post('/csrf/submit').set('Cookie', cookie).set('x-csrf-token', token).expect(201);
    await request(app.url).post('/csrf/submit').set('Cookie', cookie).set('x-csrf-token', `${token}x`).expect(403);
    await request(app.url).post('/csrf/submit').set('Cookie', cookie).expect(403);
    // A token is bound to its session: another session's valid token is refused.
    const other = sessionCookie(await request(app.url).get('/csrf/token').expect(200))!;
    await request(app.url).post('/csrf/submit').set('Cookie', other).set('x-csrf-token', token).expect(403);
  });
});
