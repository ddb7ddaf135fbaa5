import { IsOptional, IsString, Length } from 'class-validator';

/**
 * Body of `POST /auth/refresh`. A string of the wrong shape is simply an invalid token (401).
 * Required with `AUTH_TRANSPORT=header` (the controller answers 400 without it); ignored
 * with `AUTH_TRANSPORT=cookie`, where the refresh token is read from its cookie only.
 */
export class RefreshDto {
  /** The refresh token from the last login or refresh. */
  @IsOptional()
  @IsString({ message: 'refreshToken must be a string' })
  @Length(1, 512, { message: 'refreshToken must be 1 to 512 characters' })
  refreshToken?: string;
}
