import { Body, Controller, Get, HttpCode, Post, UnauthorizedException, UseGuards } from '@nestjs/common';
import { Session, SessionService } from '../lib/index.js';
import { JsonOnlyGuard } from './json-only.guard.js';
import type { AppSession } from './session-data.js';

/** The sample's JSON routes: a visit counter and a login/logout flow. */
@Controller()
export class AppController {
  constructor(private readonly sessions: SessionService) {}

  /** Counts this browser's visits. */
  @Get()
  home(@Session() session: AppSession): { visits: number; userId: string | null } {
    session.visits = (session.visits ?? 0) + 1;
    return { visits: session.visits, userId: session.userId ?? null };
  }

  /** Any user name logs in; the session id changes (fixation defence). */
  @UseGuards(JsonOnlyGuard)
  @Post('login')
  @HttpCode(200)
  async login(@Session() session: AppSession, @Body() body: { userId?: unknown }): Promise<{ userId: string }> {
    if (typeof body?.userId !== 'string' || body.userId.trim() === '') {
      throw new UnauthorizedException('userId is required');
    }
    await this.sessions.regenerate(session, { keep: ['visits'] });
    session.userId = body.userId;
    return { userId: body.userId };
  }

  @Get('me')
  me(@Session('userId') userId: string | undefined): { userId: string } {
    if (!userId) throw new UnauthorizedException('not logged in');
    return { userId };
  }

  @UseGuards(JsonOnlyGuard)
  @Post('logout')
  @HttpCode(200)
  async logout(@Session() session: AppSession): Promise<{ loggedOut: true }> {
    await session.destroy();
    return { loggedOut: true };
  }
}
