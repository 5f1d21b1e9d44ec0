/** @internal Token of the validated options (ResolvedSessionOptions). */
export const RESOLVED_SESSION_OPTIONS = Symbol('nest-sessions:resolved-options');
/** @internal Token of the module's logger (a LoggerService, or null when logging is off). */
export const SESSION_LOGGER = Symbol('nest-sessions:logger');
/** @internal Metadata key of `@UseSession()` (our own key, read through Reflector). */
export const USE_SESSION_METADATA = 'nest-sessions:use-session';
