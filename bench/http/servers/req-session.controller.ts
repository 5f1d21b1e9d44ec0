import { Controller, Get, HttpCode, Post, Session } from '@nestjs/common';
import { PROFILE, USER_ID } from '../payload.js';

/** What express-session and @fastify/session put on `req.session`: plain properties. */
type ReqSession = Record<string, unknown>;

/**
 * The four routes through Nest's own `@Session()` (`req.session`), for
 * express-session, nestjs-session and @fastify/session.
 */
@Controller()
export class ReqSessionController {
  @Post('login')
  @HttpCode(200)
  login(@Session() session: ReqSession): { ok: true } {
    session.userId = USER_ID;
    session.profile = PROFILE;
    return { ok: true };
  }

  @Get('read')
  read(@Session() session: ReqSession): { userId: unknown } {
    return { userId: session.userId ?? null };
  }

  @Post('write')
  @HttpCode(200)
  write(@Session() session: ReqSession): { counter: number } {
    const counter = ((session.counter as number | undefined) ?? 0) + 1;
    session.counter = counter;
    return { counter };
  }

  @Get('anon')
  anon(): { ok: true } {
    return { ok: true };
  }
}
