import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Header, Post } from '@nestjs/common';
import request from 'supertest';
import { Session } from '../../lib/index.js';
import { setCookies } from '../support/cookies.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { adapterVariants, storeVariants } from '../support/variants.js';

/** The app's own Set-Cookie headers, one of them of the session cookie's name (another path). */
@Controller('cookies')
class AppCookiesController {
  @Post('write')
  @Header('Set-Cookie', 'sid=the-apps-own; Path=/legacy')
  write(@Session() session: Session) {
    session.n = 1;
    return {};
  }

  @Post('twice')
  @Header('Set-Cookie', 'theme=dark; Path=/')
  async twice(@Session() session: Session) {
    session.n = 1;
    await session.save();
    await session.regenerate({ keep: ['n'] });
    return {};
  }
}

describe.each(adapterVariants.map((a) => [a.name, a] as const))("the app's own cookies (%s)", (_name, adapter) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ adapter, store: storeVariants()[0]!, controllers: [AppCookiesController] });
  });
  afterAll(() => h.close());

  it('an app cookie of the session cookie name passes untouched beside ours', async () => {
    const cookies = setCookies(await request(h.server).post('/cookies/write').expect(201));
    expect(cookies).toContain('sid=the-apps-own; Path=/legacy');
    expect(cookies.filter((c) => c.startsWith('sid=') && c.includes('Path=/;'))).toHaveLength(1);
  });

  it("a save then a regenerate in one request leaves one cookie of ours, and the app's", async () => {
    const cookies = setCookies(await request(h.server).post('/cookies/twice').expect(201));
    expect(cookies).toContain('theme=dark; Path=/');
    expect(cookies.filter((c) => c.startsWith('sid='))).toHaveLength(1);
  });
});
