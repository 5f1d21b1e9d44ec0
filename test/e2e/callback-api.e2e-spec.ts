import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Post } from '@nestjs/common';
import request from 'supertest';
import { Session, SessionStore } from '../../lib/index.js';
import { sessionCookie } from '../support/cookies.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { adapterVariants, storeVariants } from '../support/variants.js';

/** Run one express-session style call and resolve to what its callback got (and how often). */
function viaCallback(run: (cb: (error: unknown) => void) => unknown): Promise<{ calls: number; error: unknown }> {
  return new Promise((resolve) => {
    let calls = 0;
    let error: unknown;
    run((e) => {
      calls++;
      error = e;
    });
    // Long enough for any second call to show up.
    setTimeout(() => resolve({ calls, error: error === null ? null : String(error) }), 50);
  });
}

@Controller('cb')
class CallbackController {
  @Post('save')
  async save(@Session() session: Session) {
    session.user = 'ann';
    return viaCallback((cb) => session.save(cb));
  }

  @Get('read')
  read(@Session() session: Session) {
    return { id: session.id, user: session.user ?? null, role: session.role ?? null };
  }

  @Post('regenerate')
  async regenerate(@Session() session: Session) {
    const before = session.id;
    session.role = 'admin';
    const plain = await viaCallback((cb) => session.regenerate(cb));
    session.role = 'admin';
    session.user = 'ann';
    const keeping = await viaCallback((cb) => session.regenerate({ keep: ['role'] }, cb));
    const saved = await viaCallback((cb) => session.save(cb));
    return { before, after: session.id, plain, keeping, saved, user: session.user ?? null, role: session.role };
  }

  @Post('reload-touch')
  async reloadTouch(@Session() session: Session) {
    session.user = 'changed-locally';
    const reload = await viaCallback((cb) => session.reload(cb));
    const touch = await viaCallback((cb) => session.touch(cb));
    return { reload, touch, user: session.user ?? null };
  }

  @Post('destroy')
  async destroy(@Session() session: Session) {
    return viaCallback((cb) => session.destroy(cb));
  }
}

describe.each(adapterVariants.map((a) => [a.name, a] as const))(
  'callback API on req.session (%s)',
  (_name, adapter) => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness({ adapter, store: storeVariants()[0]!, controllers: [CallbackController] });
    });
    afterAll(() => h.close());

    async function saved(): Promise<string> {
      const res = await request(h.server).post('/cb/save').expect(201);
      expect(res.body).toEqual({ calls: 1, error: null });
      return sessionCookie(res)!;
    }

    it('save(cb): called once with null, and the data is stored', async () => {
      const cookie = await saved();
      expect((await request(h.server).get('/cb/read').set('Cookie', cookie)).body.user).toBe('ann');
    });

    it('regenerate(cb) and regenerate({ keep }, cb): a new id, the old record gone, keep honoured', async () => {
      const cookie = await saved();
      const store = h.app.get(SessionStore);
      const res = await request(h.server).post('/cb/regenerate').set('Cookie', cookie).expect(201);
      expect(res.body).toMatchObject({
        plain: { calls: 1, error: null },
        keeping: { calls: 1, error: null },
        saved: { calls: 1, error: null },
        user: null,
        role: 'admin',
      });
      expect(res.body.after).not.toBe(res.body.before);
      expect(await store.get(res.body.before)).toBeNull();
      // The old cookie no longer carries the session; the new one does.
      expect((await request(h.server).get('/cb/read').set('Cookie', cookie)).body.role).toBeNull();
      const next = sessionCookie(res)!;
      expect((await request(h.server).get('/cb/read').set('Cookie', next)).body).toMatchObject({ role: 'admin' });
    });

    it('reload(cb) and touch(cb): called once each; reload brings back the stored data', async () => {
      const cookie = await saved();
      const res = await request(h.server).post('/cb/reload-touch').set('Cookie', cookie).expect(201);
      expect(res.body).toEqual({ reload: { calls: 1, error: null }, touch: { calls: 1, error: null }, user: 'ann' });
    });

    it('destroy(cb): called once; the cookie no longer carries the session', async () => {
      const cookie = await saved();
      const res = await request(h.server).post('/cb/destroy').set('Cookie', cookie).expect(201);
      expect(res.body).toEqual({ calls: 1, error: null });
      expect((await request(h.server).get('/cb/read').set('Cookie', cookie)).body.user).toBeNull();
    });
  },
);
