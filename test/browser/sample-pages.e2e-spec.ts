import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, pathOf, screenshot, startSample, submit } from './sample-harness.js';
import { isolateSampleKeys } from '../support/sample-keys.js';

/** User-Agents of the "devices" (one browser context each), as the sessions page shows them. */
const LAPTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36';
const PHONE =
  'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36';

jest.setTimeout(60_000);

describe('the sample app in headless Chromium', () => {
  isolateSampleKeys();
  let app: INestApplication;
  let baseURL: string;
  let browser: Browser;
  let devices: BrowserContext[] = [];

  beforeAll(async () => {
    ({ app, baseURL } = await startSample());
    browser = await launchChromium();
  });

  afterEach(async () => {
    await Promise.all(devices.map((d) => d.close()));
    devices = [];
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** A browser context of its own: its own cookie jar, as a separate device. */
  async function device(userAgent = LAPTOP): Promise<Page> {
    const context = await browser.newContext({ baseURL, userAgent, viewport: { width: 1000, height: 640 } });
    context.setDefaultTimeout(10_000);
    devices.push(context);
    return context.newPage();
  }

  /** A new user name, so tests never see each other's sessions. */
  function newUser(prefix = 'ann'): string {
    return `${prefix}-${randomBytes(3).toString('hex')}`;
  }

  async function logIn(page: Page, userId: string, password = 'demo'): Promise<number> {
    await page.goto('/web/login');
    await page.getByLabel('User name').fill(userId);
    await page.getByLabel('Password').fill(password);
    return submit(page, page.getByRole('button', { name: 'Log in' }));
  }

  async function sessionCookie(page: Page) {
    return (await page.context().cookies()).find((c) => c.name === 'sid');
  }

  function shownUser(page: Page): Promise<string | null> {
    return page
      .getByTestId('current-user')
      .count()
      .then((n) => (n === 0 ? null : page.getByTestId('current-user').innerText()));
  }

  it('the home page counts this browser’s visits', async () => {
    const page = await device();
    await page.goto('/web');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Welcome');
    expect(await page.getByTestId('visits').innerText()).toBe('1');
    await page.reload();
    await page.reload();
    expect(await page.getByTestId('visits').innerText()).toBe('3');
    await screenshot(page, 'home');

    const other = await device(PHONE);
    await other.goto('/web');
    expect(await other.getByTestId('visits').innerText()).toBe('1');
  });

  it('logs in from the form; the session id changes, a reload keeps the session, and scripts cannot read its cookie', async () => {
    const page = await device();
    const user = newUser();
    await page.goto('/web/login');
    expect(await page.getByTestId('demo-password').innerText()).toBe('demo');
    await screenshot(page, 'login');
    const anonymous = await sessionCookie(page);
    expect(anonymous).toBeDefined(); // the form's CSRF token lives in a session

    expect(await logIn(page, user)).toBe(303);
    expect(pathOf(page)).toBe('/web/profile');
    expect(await page.getByTestId('profile-user').innerText()).toBe(user);
    expect(await shownUser(page)).toBe(user);
    const loggedIn = await sessionCookie(page);
    expect(loggedIn?.value).not.toBe(anonymous?.value); // fixation defence: a new id at login
    await screenshot(page, 'profile');

    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(200);
    expect(await page.getByTestId('profile-user').innerText()).toBe(user);
    expect((await sessionCookie(page))?.value).toBe(loggedIn?.value);

    expect(loggedIn?.httpOnly).toBe(true);
    expect(loggedIn?.sameSite).toBe('Lax');
    const visible = await page.evaluate<string>('document.cookie');
    expect(visible).not.toContain('sid=');
    expect(visible).not.toContain(loggedIn!.value);
  });

  it('refuses a wrong password with a message, and stays logged out', async () => {
    const page = await device();
    expect(await logIn(page, newUser(), 'not-the-password')).toBe(303);
    expect(pathOf(page)).toBe('/web/login');
    expect(await page.getByRole('alert').innerText()).toContain('Wrong user name or password');
    expect(await shownUser(page)).toBeNull();
    await page.goto('/web/profile');
    expect(pathOf(page)).toBe('/web/login');
  });

  it('sends logged-out visitors of the profile and sessions pages to the login form', async () => {
    const page = await device();
    for (const path of ['/web/profile', '/web/sessions']) {
      const response = await page.goto(path);
      expect(response?.status()).toBe(200);
      expect(pathOf(page)).toBe('/web/login');
      expect(await page.getByRole('alert').innerText()).toBe('Log in to see that page.');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Log in');
    }
  });

  it('two devices: both are listed, and “log out everywhere else” logs the other out on its next navigation', async () => {
    const user = newUser();
    const laptop = await device(LAPTOP);
    const phone = await device(PHONE);
    await logIn(laptop, user);
    await logIn(phone, user);

    await laptop.goto('/web/sessions');
    const rows = laptop.getByTestId('session-row');
    expect(await rows.count()).toBe(2);
    const current = laptop.locator('[data-testid="session-row"][data-current="true"]');
    expect(await current.innerText()).toContain('X11; Linux x86_64');
    expect(await current.innerText()).toContain('this browser');
    expect(await laptop.locator('[data-current="false"]').innerText()).toContain('Pixel 9');
    await screenshot(laptop, 'sessions');

    await phone.goto('/web/sessions');
    expect(await phone.locator('[data-current="true"]').innerText()).toContain('Pixel 9');

    expect(await submit(laptop, laptop.getByRole('button', { name: 'Log out everywhere else' }))).toBe(303);
    expect(pathOf(laptop)).toBe('/web/sessions');
    expect(await laptop.getByRole('status').innerText()).toBe('1 other session was logged out.');
    expect(await rows.count()).toBe(1);
    expect(await laptop.locator('[data-current="true"]').count()).toBe(1);

    // The phone still shows its old page; its next navigation finds it logged out.
    await Promise.all([phone.waitForURL('**/web/login'), phone.getByRole('link', { name: 'Profile' }).click()]);
    expect(await shownUser(phone)).toBeNull();
    expect(await phone.getByRole('alert').innerText()).toBe('Log in to see that page.');

    await laptop.goto('/web/profile');
    expect(await laptop.getByTestId('profile-user').innerText()).toBe(user);
  });

  it('“log out this one” ends only the chosen session', async () => {
    const user = newUser();
    const laptop = await device(LAPTOP);
    const phone = await device(PHONE);
    await logIn(laptop, user);
    await logIn(phone, user);
    await laptop.goto('/web/sessions');

    const phoneRow = laptop.locator('[data-testid="session-row"][data-current="false"]');
    expect(await submit(laptop, phoneRow.getByRole('button', { name: 'Log out this one' }))).toBe(303);
    expect(await laptop.getByRole('status').innerText()).toBe('That session was logged out.');
    expect(await laptop.getByTestId('session-row').count()).toBe(1);
    await phone.goto('/web/profile');
    expect(pathOf(phone)).toBe('/web/login');

    // Its own row logs this browser out.
    const ownRow = laptop.locator('[data-testid="session-row"][data-current="true"]');
    expect(await submit(laptop, ownRow.getByRole('button', { name: 'Log out this one' }))).toBe(303);
    expect(pathOf(laptop)).toBe('/web/login');
    expect(await laptop.getByRole('status').innerText()).toBe('You are logged out.');
    expect(await shownUser(laptop)).toBeNull();
  });

  it('after logout, the back button shows logged-out content, not the cached profile', async () => {
    const page = await device();
    const user = newUser();
    await logIn(page, user);
    const profile = await page.goto('/web/profile');
    expect(profile?.headers()['cache-control']).toBe('no-store');
    expect(await page.getByTestId('profile-user').innerText()).toBe(user);

    expect(await submit(page, page.getByRole('button', { name: 'Log out', exact: true }))).toBe(303);
    expect(pathOf(page)).toBe('/web/login');
    expect(await page.getByRole('status').innerText()).toBe('You are logged out.');

    await page.goBack();
    expect(pathOf(page)).toBe('/web/login');
    expect(await shownUser(page)).toBeNull();
    expect(await page.getByTestId('profile-user').count()).toBe(0);
    expect(await page.content()).not.toContain(user);
  });

  it('ignores a tampered session cookie: the browser gets a fresh anonymous session', async () => {
    const page = await device();
    const user = newUser();
    await logIn(page, user);
    const genuine = (await sessionCookie(page))!;
    const [secretId, mac] = genuine.value.split('.') as [string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);

    for (const forged of [`${flip(secretId)}.${mac}`, `${secretId}.${flip(mac)}`, secretId]) {
      await page.context().addCookies([{ ...genuine, value: forged }]);
      expect((await sessionCookie(page))?.value).toBe(forged);

      await page.goto('/web/profile');
      expect(pathOf(page)).toBe('/web/login');
      await page.goto('/web');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Welcome');
      expect(await page.getByTestId('visits').innerText()).toBe('1');
      expect(await shownUser(page)).toBeNull();
      const fresh = (await sessionCookie(page))!;
      expect(fresh.value).not.toBe(forged);
      expect(fresh.value).not.toBe(genuine.value);
    }

    // The real session was never touched by those attempts.
    await page.context().addCookies([genuine]);
    await page.goto('/web/profile');
    expect(await page.getByTestId('profile-user').innerText()).toBe(user);
  });

  it('refuses a form post with a wrong CSRF token with 403, and does nothing', async () => {
    const user = newUser();
    const laptop = await device(LAPTOP);
    const phone = await device(PHONE);
    await logIn(laptop, user);
    await logIn(phone, user);
    await laptop.goto('/web/sessions');

    const forged = randomBytes(32).toString('base64url');
    await laptop.evaluate(
      `document.querySelector('form[action="/web/sessions/logout-others"] input[name="_csrf"]').value = '${forged}'`,
    );
    expect(await submit(laptop, laptop.getByRole('button', { name: 'Log out everywhere else' }))).toBe(403);
    expect(await laptop.getByRole('heading', { level: 1 }).innerText()).toBe('403 · Forbidden');
    expect(await laptop.getByTestId('error-message').innerText()).toContain('it was not sent by this site');
    expect(await shownUser(laptop)).toBe(user); // still logged in
    await screenshot(laptop, 'csrf-403');

    // A post with no token at all, from the same cookie jar, is refused too.
    const bare = await laptop.context().request.post('/web/sessions/logout-others', { form: {}, maxRedirects: 0 });
    expect(bare.status()).toBe(403);

    await phone.goto('/web/profile');
    expect(await phone.getByTestId('profile-user').innerText()).toBe(user);
    await laptop.goto('/web/sessions');
    expect(await laptop.getByTestId('session-row').count()).toBe(2);
  });

  it('shows a user name full of markup as text, never as HTML', async () => {
    const page = await device();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const user = `<img src=x onerror="alert('xss')"><b>eve</b> & "co"`;
    await logIn(page, user);
    expect(await page.getByTestId('profile-user').innerText()).toBe(user);
    expect(await page.getByTestId('current-user').innerText()).toBe(user);
    expect(await page.locator('main img, main b, header b').count()).toBe(0);
    await page.goto('/web/sessions');
    expect(await page.getByRole('paragraph').filter({ hasText: 'logged in as' }).innerText()).toContain(user);
    expect(dialogs).toEqual([]);
  });
});
