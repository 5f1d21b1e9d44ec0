import {
  Body,
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  HttpCode,
  Injectable,
  Param,
  Post,
  Query,
  Res,
  Session as NestSession,
  UseGuards,
} from '@nestjs/common';
import { Session, SessionService } from '../../lib/index.js';

/** The part of Express's `res` and Fastify's `reply` the raw route uses. */
interface RawResponse {
  status(code: number): { json?(body: unknown): void; send(body: unknown): void };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A guard that can only see the session through SessionService.load (guards run before parameter pipes). */
@Injectable()
export class LoggedInGuard implements CanActivate {
  constructor(private readonly sessions: SessionService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.load(ctx);
    return typeof session.userId === 'string';
  }
}

/** A guard that loads the session for any client (so `req.session` is there for Nest's own `@Session()`). */
@Injectable()
export class LoadingGuard implements CanActivate {
  constructor(private readonly sessions: SessionService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    await this.sessions.load(ctx);
    return true;
  }
}

/** Routes the shared e2e suites drive, one behaviour each. */
@Controller()
export class TestController {
  constructor(private readonly sessions: SessionService) {}

  @Get('counter')
  counter(@Session() session: Session): { visits: number; id: string } {
    session.visits = ((session.visits as number | undefined) ?? 0) + 1;
    return { visits: session.visits as number, id: session.id };
  }

  @Get('anon')
  anon(): { ok: true } {
    return { ok: true };
  }

  @Get('read')
  read(@Session() session: Session): Record<string, unknown> {
    return { id: session.id, isNew: session.isNew, data: { ...session } };
  }

  @Post('set/:key')
  @HttpCode(200)
  async set(
    @Session() session: Session,
    @Param('key') key: string,
    @Body() body: { value?: unknown },
    @Query('delay') delay?: string,
  ): Promise<{ ok: true }> {
    if (delay) await sleep(Number(delay));
    session[key] = body?.value ?? true;
    return { ok: true };
  }

  @Post('login')
  @HttpCode(200)
  async login(@Session() session: Session, @Body() body: { userId: string }): Promise<{ id: string }> {
    await this.sessions.regenerate(session, { keep: ['cart'] });
    session.userId = body.userId;
    return { id: session.id };
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Session() session: Session): Promise<{ ok: true }> {
    await session.destroy();
    return { ok: true };
  }

  @Get('me')
  me(@Session('userId') userId: string | undefined): { userId: string | null } {
    return { userId: userId ?? null };
  }

  @Get('throws')
  throws(@Session() session: Session): never {
    session.beforeError = 'kept';
    throw new Error('handler failed after writing the session');
  }

  @Get('guarded')
  @UseGuards(LoggedInGuard)
  guarded(@Session('userId') userId: string): { userId: string } {
    return { userId };
  }

  @Get('raw')
  raw(@Session() session: Session, @Res() res: RawResponse): void {
    session.raw = 'written';
    // Express has json(); Fastify's reply serialises objects in send().
    const sender = res.status(200);
    if (typeof sender.json === 'function') sender.json({ ok: true });
    else sender.send({ ok: true });
  }

  @Get('nest-session')
  @UseGuards(LoadingGuard)
  nestSession(@NestSession() viaNest: Record<string, unknown>, @Session() ours: Session): Record<string, unknown> {
    return { color: viaNest.color, same: viaNest === ours };
  }

  @Post('save-service')
  @HttpCode(200)
  async saveThroughService(): Promise<{ ok: true }> {
    // No session argument: the service finds the current request's session.
    const session = await this.sessions.reload();
    session.viaService = true;
    await this.sessions.save();
    return { ok: true };
  }
}
