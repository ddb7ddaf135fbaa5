import { IsString, Length, Matches, ValidateIf } from 'class-validator';

/** Longest display name, in characters. */
export const MAX_DISPLAY_NAME_LENGTH = 100;

/** Body of `PATCH /me`. */
export class UpdateProfileDto {
  /** The name shown to others, 1–100 characters; `null` clears it. */
  @ValidateIf((dto: UpdateProfileDto) => dto.displayName !== null)
  @IsString({ message: 'displayName must be a string or null' })
  @Length(1, MAX_DISPLAY_NAME_LENGTH, {
    message: `displayName must be 1 to ${MAX_DISPLAY_NAME_LENGTH} characters`,
  })
  @Matches(/\S/, { message: 'displayName must not be only whitespace' })
  @Matches(/^[^\p{Cc}]*$/u, { message: 'displayName must not contain control characters' })
  displayName!: string | null;
}
