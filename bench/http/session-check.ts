import { ROUTE_METHOD, USER_ID, type RouteName } from './payload.js';

async function call(base: string, route: RouteName, cookie?: string): Promise<{ body: unknown; setCookie: string[] }> {
  const response = await fetch(`${base}/${route}`, {
    method: ROUTE_METHOD[route],
    headers: cookie ? { cookie } : {},
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`${route}: HTTP ${response.status}`);
  return { body: await response.json(), setCookie: response.headers.getSetCookie() };
}

/** `name=value` of the first Set-Cookie named `sid`. */
function sessionCookie(setCookie: string[]): string | undefined {
  return setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith('sid='));
}

/**
 * Log in once and check the variant really keeps a session: the cookie reads
 * back the user id, writes count up, and /anon sets no cookie. Resolves to
 * the cookie the load runs send.
 */
export async function loginAndCheck(base: string, withSession: boolean): Promise<string | undefined> {
  const login = await call(base, 'login');
  if (!withSession) return undefined;
  const cookie = sessionCookie(login.setCookie);
  if (!cookie) throw new Error(`${base}: /login set no sid cookie`);
  const read = (await call(base, 'read', cookie)).body as { userId?: unknown };
  if (read.userId !== USER_ID) throw new Error(`${base}: /read did not see the login (${JSON.stringify(read)})`);
  const first = (await call(base, 'write', cookie)).body as { counter: number };
  const second = (await call(base, 'write', cookie)).body as { counter: number };
  if (second.counter !== first.counter + 1) throw new Error(`${base}: /write did not persist`);
  const anon = await call(base, 'anon');
  if (anon.setCookie.length > 0) throw new Error(`${base}: /anon set a cookie`);
  return cookie;
}

export { call as callRoute };
