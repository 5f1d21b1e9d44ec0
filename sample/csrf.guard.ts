import { ForbiddenException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { SessionService } from '../lib/index.js';
import { CSRF_FIELD, csrfMatches } from './csrf.js';

/**
 * Refuses (403) a form post whose `_csrf` field is not the session's CSRF
 * token. Guards run before the handler's parameter pipes, so the session is loaded here
 * with `load(ctx)`; the handler gets the same object.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(private readonly sessions: SessionService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.load(ctx);
    const body = ctx.switchToHttp().getRequest<{ body?: Record<string, unknown> }>().body;
    if (!csrfMatches(session, body?.[CSRF_FIELD])) {
      throw new ForbiddenException(
        'This form is no longer valid: it was not sent by this site, or your session ended since the page was ' +
          'loaded. Go back, reload the page and try again.',
      );
    }
    return true;
  }
}
