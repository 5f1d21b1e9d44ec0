import { HttpException, HttpStatus } from '@nestjs/common';
import { setFlash } from './flash.js';
import type { AppSession } from './session-data.js';

/** Thrown by pages that need a logged-in user; the HTML error filter turns it into a redirect to the login form. */
export class LoginRequiredException extends HttpException {
  constructor() {
    super('Log in to see this page.', HttpStatus.UNAUTHORIZED);
  }
}

/** The logged-in user's id, or a redirect to the login form (with a message shown there). */
export function requireUser(session: AppSession): string {
  const userId = session.userId;
  if (typeof userId === 'string') return userId;
  setFlash(session, 'error', 'Log in to see that page.');
  throw new LoginRequiredException();
}
