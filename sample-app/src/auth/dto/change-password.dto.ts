import { IsString, Length } from 'class-validator';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../username.js';

/** Body of `POST /auth/password`. */
export class ChangePasswordDto {
  /** The password in use now. */
  @IsString({ message: 'currentPassword must be a string' })
  @Length(1, MAX_PASSWORD_LENGTH, {
    message: `currentPassword must be 1 to ${MAX_PASSWORD_LENGTH} characters`,
  })
  currentPassword!: string;

  /** The new password, 8–128 characters. */
  @IsString({ message: 'newPassword must be a string' })
  @Length(MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH, {
    message: `newPassword must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`,
  })
  newPassword!: string;
}
