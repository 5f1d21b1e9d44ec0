import { Body, Controller, Get, HttpCode, Post, UnauthorizedException, UseGuards } from '@nestjs/common';
import { Session, SessionService } from '../lib/index.js';
import { JsonOnlyGuard } from './json-only.guard.js';

/** The sample's JSON routes: a visit counter and a login/logout flow. */
@Controller()
export class AppController {
  constructor(private readonly sessions: SessionService) {}

  /** Counts this browser's visits. */
  @Get()
  home(@Session() session: Session): { visits: number; userId: string | null } {
    session.visits = ((session.visits as number | undefined) ?? 0) + 1;
    return { visits: session.visits as number, userId: (session.userId as string | undefined) ?? null };
  }

  /** Any user name logs in; the session id changes (fixation defence). */
  @UseGuards(JsonOnlyGuard)
  @Post('login')
  @HttpCode(200)
  async login(@Session() session: Session, @Body() body: { userId?: unknown }): Promise<{ userId: string }> {
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
  async logout(@Session() session: Session): Promise<{ loggedOut: true }> {
    await session.destroy();
    return { loggedOut: true };
  }
}
