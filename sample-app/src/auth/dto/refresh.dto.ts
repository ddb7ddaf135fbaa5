import { IsString, Length } from 'class-validator';

/** Body of `POST /auth/refresh`. A string of the wrong shape is simply an invalid token (401). */
export class RefreshDto {
  /** The refresh token from the last login or refresh. */
  @IsString({ message: 'refreshToken must be a string' })
  @Length(1, 512, { message: 'refreshToken must be 1 to 512 characters' })
  refreshToken!: string;
}
