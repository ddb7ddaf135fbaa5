import { ConflictException } from '@nestjs/common';

/** 409 from `UserService.register` when the username exists already. */
export class UsernameTakenException extends ConflictException {
  constructor() {
    super('Username is already taken');
  }
}
