import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { Session } from '../../../lib/index.js';
import { PROFILE, USER_ID } from '../payload.js';

/** The four routes with this module's `@Session()`. */
@Controller()
export class ModuleController {
  /** No cookie comes in, so the session is new: no regenerate needed here. */
  @Post('login')
  @HttpCode(200)
  login(@Session() session: Session): { ok: true } {
    session.userId = USER_ID;
    session.profile = PROFILE;
    return { ok: true };
  }

  @Get('read')
  read(@Session() session: Session): { userId: unknown } {
    return { userId: session.userId ?? null };
  }

  @Post('write')
  @HttpCode(200)
  write(@Session() session: Session): { counter: number } {
    const counter = ((session.counter as number | undefined) ?? 0) + 1;
    session.counter = counter;
    return { counter };
  }

  @Get('anon')
  anon(): { ok: true } {
    return { ok: true };
  }
}
