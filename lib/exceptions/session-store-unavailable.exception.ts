import { ServiceUnavailableException } from '@nestjs/common';

/**
 * 503: the session store did not answer (down, or slower than `storeTimeout`).
 * A store outage is never reported as 401 (that would log everyone out) nor 500.
 */
export class SessionStoreUnavailableException extends ServiceUnavailableException {
  /** @param message public message; never includes the underlying error. */
  constructor(message = 'Session store unavailable') {
    super(message);
  }
}
