import type { AppSession } from './session-data.js';

/** A one-time message kept in the session across a redirect (Post/Redirect/Get). */
export interface Flash {
  kind: 'notice' | 'error';
  text: string;
}

/** Leave a message for the next page this browser shows. */
export function setFlash(session: AppSession, kind: Flash['kind'], text: string): void {
  session.flash = { kind, text } satisfies Flash;
}

/** The pending message, removed from the session (shown once). */
export function takeFlash(session: AppSession): Flash | undefined {
  const flash = session.flash;
  if (flash === undefined) return undefined;
  delete session.flash;
  return flash;
}
