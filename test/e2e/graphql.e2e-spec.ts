import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { sessionCookie } from '../support/cookies.js';

/**
 * GraphQL resolvers, field resolvers and guards with `@Session()` and
 * `load(ctx)` (test/fixtures/graphql-app, code first, compiled with tsc):
 * Apollo on Express and on Fastify (whose route never goes through Nest's
 * reply: the commit is the hold of the reply's send), and mercurius on
 * Fastify. The module reads the GraphQL context without importing
 * @nestjs/graphql.
 */

describe.each(['apollo-express', 'apollo-fastify', 'mercurius'])('GraphQL (%s)', (server) => {
  let app: AppProcess;

  beforeAll(async () => {
    app = await startAppProcess('test/fixtures/graphql-app/main.js', { SERVER: server });
  });

  afterAll(async () => {
    await app.stop();
  });

  const gql = (query: string, cookie?: string) => {
    const req = request(app.url).post('/graphql').set('content-type', 'application/json');
    if (cookie) req.set('Cookie', cookie);
    return req.send({ query });
  };

  it('a mutation writes the session and the response carries the cookie; a query reads it back', async () => {
    const login = await gql('mutation { login(userId: "ann") }').expect(200);
    expect(login.body).toEqual({ data: { login: true } });
    const cookie = sessionCookie(login);
    expect(cookie).toBeDefined();
    expect((await gql('{ me }', cookie).expect(200)).body).toEqual({ data: { me: 'ann' } });
  });

  it('a query that changes the session saves it: 1, 2, 3 with one cookie; field resolvers see it', async () => {
    const first = await gql('{ visit { visits owner } }').expect(200);
    expect(first.body).toEqual({ data: { visit: { visits: 1, owner: null } } });
    const cookie = sessionCookie(first)!;
    expect(cookie).toBeDefined();
    expect((await gql('{ visit { visits } }', cookie)).body).toEqual({ data: { visit: { visits: 2 } } });
    expect((await gql('{ visit { visits } }', cookie)).body).toEqual({ data: { visit: { visits: 3 } } });
  });

  it('a guard with load(ctx) refuses before login and admits after; resolver-level @Session("userId")', async () => {
    const refused = await gql('{ secret }').expect(200);
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors[0].message).toMatch(/forbidden/i);
    const cookie = sessionCookie(await gql('mutation { login(userId: "bob") }'))!;
    expect((await gql('{ secret }', cookie).expect(200)).body).toEqual({ data: { secret: 'hello bob' } });
    const both = await gql('mutation { login(userId: "cy") }', cookie);
    expect(both.body).toEqual({ data: { login: true } });
    expect((await gql('{ me visit { owner } }', cookie)).body).toEqual({ data: { me: 'cy', visit: { owner: 'cy' } } });
  });
});
