import { Body, Controller, Get, HttpCode, Param, Post, UnauthorizedException } from '@nestjs/common';
import { Session, SessionService, type OwnedSession } from '../../lib/index.js';

/** Routes the token, owner and fingerprint suites drive, next to TestController's. */
@Controller()
export class TokenController {
  constructor(private readonly sessions: SessionService) {}

  /** Issues a token for an API client (what an app's token endpoint does). */
  @Post('api/token')
  @HttpCode(201)
  async issue(@Body() body: { userId: string; maxAge?: number }): Promise<{ token: string }> {
    const options = body.maxAge === undefined ? {} : { maxAge: body.maxAge };
    return { token: await this.sessions.create({ userId: body.userId }, options) };
  }

  /** Looks a token up server-side; answers with the data only, never the token. */
  @Post('api/inspect')
  @HttpCode(200)
  async inspect(@Body() body: { token: unknown }): Promise<Record<string, unknown>> {
    const token = body.token as string;
    return {
      data: await this.sessions.get(token),
      updated: await this.sessions.update(token, { touched: true }),
      refreshed: await this.sessions.refresh(token),
      deleted: await this.sessions.delete(token),
    };
  }

  /** The logged-in user's sessions; `current` comes from the request, not an argument. */
  @Get('devices')
  devices(@Session('userId') userId: string | undefined): Promise<OwnedSession[]> {
    if (userId === undefined) throw new UnauthorizedException();
    return this.sessions.listByOwner(userId);
  }

  /** Same, from a route that never asked for the session: the service finds it. */
  @Get('devices/of/:owner')
  devicesOf(@Param('owner') owner: string): Promise<OwnedSession[]> {
    return this.sessions.listByOwner(owner);
  }

  /** "Log out everywhere else", keeping this session (passed as the object). */
  @Post('logout-others')
  @HttpCode(200)
  async logoutOthers(@Session() session: Session): Promise<{ ended: number }> {
    if (typeof session.userId !== 'string') throw new UnauthorizedException();
    return { ended: await this.sessions.destroyByOwner(session.userId, { except: session }) };
  }

  /** Same, keeping this session by its public id. */
  @Post('logout-others-by-id')
  @HttpCode(200)
  async logoutOthersById(@Session() session: Session): Promise<{ ended: number }> {
    if (typeof session.userId !== 'string') throw new UnauthorizedException();
    return { ended: await this.sessions.destroyByOwner(session.userId, { except: session.id }) };
  }

  /** Log out everywhere, this session included. */
  @Post('logout-everywhere')
  @HttpCode(200)
  async logoutEverywhere(@Session('userId') userId: string | undefined): Promise<{ ended: number }> {
    if (userId === undefined) throw new UnauthorizedException();
    return { ended: await this.sessions.destroyByOwner(userId) };
  }
}
