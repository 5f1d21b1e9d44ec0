/** The user id every login stores. */
export const USER_ID = 'bench-user-0001';

/**
 * About 200 bytes of profile data stored beside the user id at login
 * (JSON.stringify(PROFILE).length is printed by the bench).
 */
export const PROFILE = {
  name: 'Ada Lovelace',
  email: 'ada.lovelace@example.com',
  roles: ['reader', 'writer'],
  locale: 'en-GB',
  theme: 'dark',
  plan: 'team',
  tenant: 'acme-analytical-engines',
  flags: { beta: true, newsletter: false, twoFactor: true },
  lastLogin: '2025-01-01T00:00:00.000Z',
};

/** 32+ characters, shared by every variant that signs cookies. */
export const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';

/** One day, the default idle lifetime everywhere. */
export const MAX_AGE_MS = 86_400_000;

export const ROUTES = ['login', 'read', 'write', 'anon'] as const;
export type RouteName = (typeof ROUTES)[number];

/** Method of each route. */
export const ROUTE_METHOD: Record<RouteName, 'GET' | 'POST'> = {
  login: 'POST',
  read: 'GET',
  write: 'POST',
  anon: 'GET',
};
