import { afterAll, beforeAll, expect } from '@jest/globals';
import type { Server } from 'node:http';
import { runInThisContext } from 'node:vm';
import request, { type Response } from 'supertest';
import { setCookies } from './cookies.js';
import { waitFor } from './redis-server.js';

/** Helpers of the store-outage tests: timing a 503, waiting for recovery, catching unhandled rejections. */

/** A request and how long it took, in ms. */
export async function timed(run: () => Promise<Response>): Promise<{ res: Response; ms: number }> {
  const started = performance.now();
  const res = await run();
  return { res, ms: performance.now() - started };
}

/** The store's 503: within `bound` ms (the tests' storeTimeout of 1 s + 500 ms), the documented body, and never touching the client's cookie. */
export function expectUnavailable({ res, ms }: { res: Response; ms: number }, what: string, bound = 1_500): void {
  if (res.status !== 503) throw new Error(`${what}: status ${res.status}, expected 503`);
  if (ms >= bound) throw new Error(`${what}: the 503 took ${Math.round(ms)} ms; the bound is ${bound} ms`);
  expect(res.body).toEqual({ statusCode: 503, message: 'Session store unavailable', error: 'Service Unavailable' });
  expect(setCookies(res)).toEqual([]);
}

/** Poll `GET /counter` until it answers 200 (at most `ms`); resolves to that response. */
export async function recovered(server: Server, cookie?: string, ms = 10_000): Promise<Response> {
  let last: Response | undefined;
  await waitFor(
    'the app to serve sessions again',
    async () => {
      const req = request(server).get('/counter');
      last = await (cookie ? req.set('Cookie', cookie) : req);
      return last.status === 200;
    },
    ms,
  );
  return last!;
}

/**
 * Collect unhandled rejections while this file's tests run. jest gives each
 * test file a copy of `process` whose listeners never see them; the process
 * that does is the one outside the test's vm context.
 */
export function collectUnhandledRejections(): unknown[] {
  const realProcess = runInThisContext('process') as NodeJS.Process;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => {
    realProcess.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    realProcess.off('unhandledRejection', onUnhandled);
  });
  return unhandled;
}
