import { IsString, Length, Matches } from 'class-validator';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, USERNAME_PATTERN } from '../username.js';

/** Body of `POST /auth/register`. */
export class RegisterDto {
  /** 3–32 of `a-z`, `0-9`, `_`. */
  @IsString({ message: 'username must be a string' })
  @Matches(USERNAME_PATTERN, {
    message: 'username must be 3 to 32 characters of a-z, 0-9 and _',
  })
  username!: string;

  /** 8–128 characters. */
  @IsString({ message: 'password must be a string' })
  @Length(MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH, {
    message: `password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`,
  })
  password!: string;
}
