import { safeEqual } from './safe-equal.js';

/** The sample's only password, shown on its login page. A real app checks a user database. */
export const DEMO_PASSWORD = 'demo';

/** Longest user name the sample accepts. */
export const MAX_USER_NAME = 64;

/** The user name a login form names, trimmed; undefined when it is missing or the password is wrong. */
export function checkDemoLogin(username: unknown, password: unknown): string | undefined {
  if (typeof username !== 'string' || typeof password !== 'string') return undefined;
  const name = username.trim();
  if (name === '' || name.length > MAX_USER_NAME) return undefined;
  return safeEqual(password, DEMO_PASSWORD) ? name : undefined;
}
