import { IsIn, IsOptional } from 'class-validator';

/** Query of `DELETE /auth/sessions`: `?keep=current` spares the calling session. */
export class RevokeSessionsQueryDto {
  /** `'current'` to keep the session making the call; absent to revoke them all. */
  @IsOptional()
  @IsIn(['current'], { message: "keep must be 'current' (or left out to revoke every session)" })
  keep?: 'current';
}
