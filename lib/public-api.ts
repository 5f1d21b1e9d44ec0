export { SessionModule } from './session.module.js';
export { SessionService, type DestroyByOwnerOptions, type OwnedSession } from './session.service.js';
export { Session } from './decorators/session.decorator.js';
export { UseSession } from './decorators/use-session.decorator.js';
export type { RegenerateOptions, SessionCookie, SessionMembers } from './session.js';
export type { SessionData, SessionKey, SessionValues } from './session-data.js';
export type { SessionCallback } from './session-callback.js';
export type {
  SessionCookieOptions,
  SessionModuleOptions,
  SessionOptionsFactory,
  SessionRequest,
  SessionTransport,
} from './session.options.js';
export { SessionConfigError, SessionDataException, SessionStoreUnavailableException } from './session.exceptions.js';
export * from './stores/index.js';
