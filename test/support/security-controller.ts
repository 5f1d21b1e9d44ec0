import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { Session } from '../../lib/index.js';

/** Routes that put hostile or awkward values into a session, for the checklist suites. */
@Controller('sec')
export class SecurityController {
  @Post('bigint')
  @HttpCode(200)
  bigint(@Session() session: Session): { ok: true } {
    session.big = 10n;
    return { ok: true };
  }

  @Post('circular')
  @HttpCode(200)
  circular(@Session() session: Session): { ok: true } {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    session.loop = loop;
    return { ok: true };
  }

  @Post('huge')
  @HttpCode(200)
  huge(@Session() session: Session, @Query('bytes') bytes: string): { ok: true } {
    session.blob = 'x'.repeat(Number(bytes));
    return { ok: true };
  }

  @Post('values')
  @HttpCode(200)
  values(@Session() session: Session, @Body() body: Record<string, unknown>): { ok: true } {
    Object.assign(session, body);
    return { ok: true };
  }

  @Post('date')
  @HttpCode(200)
  date(@Session() session: Session): { ok: true } {
    session.when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    return { ok: true };
  }

  @Post('reserved')
  @HttpCode(200)
  reserved(@Session() session: Session): { threw: string } {
    try {
      (session as Record<string, unknown>).save = 'not a function';
      return { threw: 'no' };
    } catch (error) {
      return { threw: (error as Error).constructor.name };
    }
  }

  @Get('methods')
  methods(@Session() session: Session): Record<string, string> {
    return { save: typeof session.save, destroy: typeof session.destroy, id: typeof session.id };
  }
}
