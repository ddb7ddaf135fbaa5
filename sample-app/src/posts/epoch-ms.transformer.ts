import type { ValueTransformer } from 'typeorm';

/**
 * Times as `bigint` milliseconds since the Unix epoch. PostgreSQL and MariaDB hand
 * `bigint` back as a string; this makes it a number again.
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
