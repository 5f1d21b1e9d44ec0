import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { AppModule } from '../../sample/app.module.js';

/** Debian's Chromium (`apt-get install chromium`), used when the machine has it. */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * The browser to drive: the system Chromium when present, else the one the
 * `@sparticuz/chromium` dev dependency ships inside its npm package (unpacked
 * to the temp folder on first use), so `npm install && npm test` needs no
 * apt step. playwright-core itself downloads no browser.
 */
async function chromiumPath(): Promise<string> {
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  const { default: bundled } = await import('@sparticuz/chromium');
  return bundled.executablePath();
}

/** Where the browser tests leave a screenshot of each page (gitignored). */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-output', 'screenshots');

/** The sample app, as `npm start` builds it, on a free loopback port. */
export async function startSample(): Promise<{ app: INestApplication; baseURL: string }> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return { app, baseURL: `http://127.0.0.1:${port}` };
}

/** Headless Chromium, quiet: no sandbox (containers), no GPU, no calls home. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Save the whole page as `test-output/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * Click a form's submit button and wait for the page it leads to (after the
 * 303 redirect, or the error page). Resolves to the status of the POST itself.
 */
export async function submit(page: Page, button: Locator): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
    page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() }),
    button.click(),
  ]);
  await page.waitForLoadState();
  return response.status();
}

/** The path of the page's URL (`/web/login`). */
export function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}
