import { type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../src/app.module';

describe('sessions (e2e)', () => {
  let app: INestApplication;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterEach(async () => {
    await app.close();
  });

  it('counts visits in one session', async () => {
    const agent = request.agent(app.getHttpServer());
    const first = await agent.get('/counter').expect(200);
    expect(first.body.visits).toBe(1);
    await agent.get('/counter').expect(200, { visits: 2, sessionId: first.body.sessionId });
    await agent.get('/counter').expect(200, { visits: 3, sessionId: first.body.sessionId });
  });

  it('logs in with a new session id, shows the user, logs out', async () => {
    const agent = request.agent(app.getHttpServer());
    const anonymous = await agent.get('/counter').expect(200);
    const login = await agent.post('/login').send({ userId: 'ann' }).expect(200);
    expect(login.body.sessionId).not.toBe(anonymous.body.sessionId);
    await agent.get('/me').expect(200, { userId: 'ann', sessionId: login.body.sessionId });

    // After logout, even a copy of the logged-in cookie gets nothing.
    const cookie = login.get('Set-Cookie')?.[0]?.split(';')[0];
    expect(cookie).toMatch(/^sid=./);
    await agent.post('/logout').expect(204);
    await request(app.getHttpServer()).get('/me').set('Cookie', cookie!).expect(401);
  });
});
