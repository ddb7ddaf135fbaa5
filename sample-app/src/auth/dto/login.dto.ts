import { IsString, Length } from 'class-validator';
import { MAX_PASSWORD_LENGTH } from '../username.js';

/**
 * Body of `POST /auth/login`. Only the shape is checked here: a name that cannot exist
 * gets the same 401 as a wrong password, not a 400 that would tell them apart.
 */
export class LoginDto {
  /** The username. */
  @IsString({ message: 'username must be a string' })
  @Length(1, 64, { message: 'username must be 1 to 64 characters' })
  username!: string;

  /** The password. */
  @IsString({ message: 'password must be a string' })
  @Length(1, MAX_PASSWORD_LENGTH, {
    message: `password must be 1 to ${MAX_PASSWORD_LENGTH} characters`,
  })
  password!: string;
}
