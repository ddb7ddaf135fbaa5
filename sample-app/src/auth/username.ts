/** What a username looks like: 3–32 of lowercase letters, digits and `_`. */
export const USERNAME_PATTERN = /^[a-z0-9_]{3,32}$/;

/** Shortest password accepted, in characters. */
export const MIN_PASSWORD_LENGTH = 8;

/** Longest password accepted, in characters. */
export const MAX_PASSWORD_LENGTH = 128;
