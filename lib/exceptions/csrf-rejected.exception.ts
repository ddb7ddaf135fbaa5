import { ForbiddenException } from '@nestjs/common';

/**
 * 403: a request authenticated by a cookie failed the CSRF defence (sent by another
 * site, from an untrusted `Origin`, or without the CSRF token). Thrown before the
 * credential is looked up and before the handler runs, so nothing happens. The body
 * does not say which check failed; the `session.csrf-rejected` event does.
 */
export class CsrfRejectedException extends ForbiddenException {
  /** @param message public message; keep it generic. */
  constructor(message = 'Cross-site request refused') {
    super(message);
  }
}
