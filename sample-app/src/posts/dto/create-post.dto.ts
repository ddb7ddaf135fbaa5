import { IsString, Length, Matches } from 'class-validator';
import { MAX_POST_LENGTH } from '../post.entity.js';

/** Body of `POST /posts`. */
export class CreatePostDto {
  /** 1–280 characters, not only whitespace; line breaks and tabs are fine. */
  @IsString({ message: 'text must be a string' })
  @Length(1, MAX_POST_LENGTH, { message: `text must be 1 to ${MAX_POST_LENGTH} characters` })
  @Matches(/\S/, { message: 'text must not be empty or only whitespace' })
  @Matches(/^(?:[^\p{Cc}]|[\t\n\r])*$/u, {
    message: 'text must not contain control characters other than line breaks and tabs',
  })
  text!: string;
}
