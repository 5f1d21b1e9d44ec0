import { Body, Controller, Get, HttpCode, Post, UnauthorizedException } from '@nestjs/common';
import { Session, SessionService } from 'nest-sessions';

@Controller()
export class AppController {
  constructor(private readonly sessions: SessionService) {}

  @Get('counter')
  count(@Session() session: Session) {
    const visits = ((session.visits as number | undefined) ?? 0) + 1;
    session.visits = visits;
    return { visits, sessionId: session.id };
  }

  @Post('login')
  @HttpCode(200)
  async login(@Body() body: { userId?: string }) {
    if (!body.userId) throw new UnauthorizedException();
    const session = await this.sessions.regenerate();
    session.userId = body.userId;
    return { userId: body.userId, sessionId: session.id };
  }

  @Get('me')
  me(@Session() session: Session) {
    if (typeof session.userId !== 'string') throw new UnauthorizedException();
    return { userId: session.userId, sessionId: session.id };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(): Promise<void> {
    await this.sessions.destroy();
  }
}
