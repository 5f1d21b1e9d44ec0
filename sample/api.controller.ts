import { Body, Controller, Get, HttpCode, Post, UnauthorizedException, UseGuards } from '@nestjs/common';
import { Session, SessionService, type OwnedSession } from '../lib/index.js';
import { JsonOnlyGuard } from './json-only.guard.js';
import type { AppSession } from './session-data.js';

/** How long an API token lives without being used (each use extends it). */
const API_TOKEN_IDLE_MS = 30 * 24 * 60 * 60 * 1000;

/** The sample's routes for API clients and for managing one's sessions. */
@Controller()
export class ApiController {
  constructor(private readonly sessions: SessionService) {}

  /**
   * Issues a session token for an API client (mobile app, CLI), to be sent in
   * the `x-session-token` header. Like the sample's login, any user name is
   * accepted: a real app checks credentials first. The response is marked
   * `Cache-Control: no-store` by `create()`.
   */
  @UseGuards(JsonOnlyGuard)
  @Post('api/token')
  @HttpCode(201)
  async token(@Body() body: { userId?: unknown }): Promise<{ token: string; header: string }> {
    if (typeof body?.userId !== 'string' || body.userId.trim() === '') {
      throw new UnauthorizedException('userId is required');
    }
    const token = await this.sessions.create({ userId: body.userId }, { maxAge: API_TOKEN_IDLE_MS });
    return { token, header: 'x-session-token' };
  }

  /** The logged-in user's sessions (browsers and API tokens), this one marked `current`. */
  @Get('sessions')
  list(@Session('userId') userId: string | undefined): Promise<OwnedSession[]> {
    if (!userId) throw new UnauthorizedException('not logged in');
    return this.sessions.listByOwner(userId);
  }

  /** "Log out of all other devices": every session of the user but this one ends. */
  @UseGuards(JsonOnlyGuard)
  @Post('logout-everywhere')
  @HttpCode(200)
  async logoutEverywhere(@Session() session: AppSession): Promise<{ ended: number }> {
    if (typeof session.userId !== 'string') throw new UnauthorizedException('not logged in');
    return { ended: await this.sessions.destroyByOwner(session.userId, { except: session }) };
  }
}
