import { expect } from '@jest/globals';

/**
 * Drive a consumer project's counter + login app over real HTTP, the way a
 * browser would: one cookie (`sid`), replaced when the server sets a new one.
 */
export async function driveCounterAndLogin(url: string): Promise<void> {
  const browser = new CookieClient(url);

  const first = await browser.json('GET', '/counter');
  expect(first).toEqual({ status: 200, body: { visits: 1, sessionId: expect.any(String) } });
  const anonymousCookie = browser.cookie;
  expect(anonymousCookie).toMatch(/^sid=./);
  for (const visits of [2, 3]) {
    expect(await browser.json('GET', '/counter')).toEqual({
      status: 200,
      body: { visits, sessionId: first.body.sessionId },
    });
  }

  const login = await browser.json('POST', '/login', { userId: 'ann' });
  expect(login).toEqual({ status: 200, body: { userId: 'ann', sessionId: expect.any(String) } });
  expect(login.body.sessionId).not.toBe(first.body.sessionId);
  expect(browser.cookie).not.toBe(anonymousCookie);
  expect(await browser.json('GET', '/me')).toEqual({
    status: 200,
    body: { userId: 'ann', sessionId: login.body.sessionId },
  });

  // Fixation defence: the cookie from before the login does not carry the user.
  const stale = new CookieClient(url, anonymousCookie);
  expect((await stale.json('GET', '/me')).status).toBe(401);

  // Logout destroys the record: the browser drops its cookie, and a copy of it no longer works.
  const loggedIn = new CookieClient(url, browser.cookie);
  expect((await browser.json('POST', '/logout')).status).toBe(204);
  expect(browser.cookie).toBeUndefined();
  expect((await loggedIn.json('GET', '/me')).status).toBe(401);
}

interface JsonReply {
  status: number;
  // The app's replies, checked field by field above.
  body: Record<string, unknown>;
}

class CookieClient {
  constructor(
    private readonly base: string,
    public cookie?: string,
  ) {}

  async json(method: 'GET' | 'POST', path: string, payload?: object): Promise<JsonReply> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (payload) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: payload && JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    });
    for (const line of res.headers.getSetCookie()) this.take(line);
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Keep `sid=<value>`, or drop it when the server expires it (logout). */
  private take(setCookie: string): void {
    const [pair, ...attributes] = setCookie.split(';').map((part) => part.trim());
    if (!pair.startsWith('sid=')) return;
    const expired = attributes.some((a) => /^max-age=0$/i.test(a) || /^expires=thu, 01 jan 1970/i.test(a));
    this.cookie = expired || pair === 'sid=' ? undefined : pair;
  }
}
