import { ForbiddenException } from '@nestjs/common';

/** 403: signed in, but lacking a required permission or not the owner of the resource. */
export class InsufficientPermissionException extends ForbiddenException {
  /** @param message public message; keep it generic. */
  constructor(message = 'Insufficient permission') {
    super(message);
  }
}
