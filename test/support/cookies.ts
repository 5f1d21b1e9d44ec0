import type { Response } from 'supertest';

/** The Set-Cookie headers of a response, as an array. */
export function setCookies(res: Response): string[] {
  const raw = res.headers['set-cookie'] as string | string[] | undefined;
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

/** `name=value` of our session cookie in a response, or undefined. */
export function sessionCookie(res: Response, name = 'sid'): string | undefined {
  const line = setCookies(res).find((c) => c.startsWith(`${name}=`));
  return line?.split(';')[0];
}

/** The token inside `sid=<token>`. */
export function tokenOf(cookie: string): string {
  return cookie.slice(cookie.indexOf('=') + 1);
}
