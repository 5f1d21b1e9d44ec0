import { InternalServerErrorException, ServiceUnavailableException } from '@nestjs/common';

/**
 * The session store failed or did not answer in time (HTTP 503). The message
 * never carries a session id; the cause is kept for logs.
 */
export class SessionStoreUnavailableException extends ServiceUnavailableException {
  constructor(cause?: unknown) {
    super('Session store unavailable', { cause, description: 'Service Unavailable' });
  }
}

/**
 * Session data that cannot be saved: too large, not JSON-serialisable (BigInt,
 * circular), or using a reserved key (HTTP 500). The message names the problem
 * and the key, never the data. The stored version is left as it was.
 */
export class SessionDataException extends InternalServerErrorException {
  constructor(message: string) {
    super(`Session data rejected: ${message}`);
  }
}

/** A bad module option, thrown at startup. The message names the option. */
export class SessionConfigError extends Error {
  constructor(option: string, problem: string) {
    super(`SessionModule: option "${option}" ${problem}`);
    this.name = 'SessionConfigError';
  }
}
