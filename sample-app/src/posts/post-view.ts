/** A post as the API shows it. */
export interface PostView {
  readonly id: number;
  readonly authorId: string;
  readonly text: string;
  /** How many distinct users like it. */
  readonly likes: number;
}
