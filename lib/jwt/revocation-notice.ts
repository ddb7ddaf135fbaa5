/**
 * A revocation that self-contained (value) tokens must learn about, since verifying them
 * reads no store. Every instance applies the notices it publishes at once, and reads the
 * others' from the store every `revocationPollInterval`. A notice can be forgotten at
 * `expiresAt`: by then every token it concerns has expired anyway.
 */
export type RevocationNotice =
  | {
      /** One session ended (logout, revocation, refresh-token reuse, eviction). */
      readonly kind: 'session';
      /** Unique notice id. */
      readonly id: string;
      /** The session. */
      readonly sessionId: string;
      /** Its user. */
      readonly userId: string;
      /** When (ms). */
      readonly at: number;
      /** When the notice can be forgotten (ms). */
      readonly expiresAt: number;
    }
  | {
      /** All of a user's sessions ended, but perhaps one ("log out everywhere", password change). */
      readonly kind: 'user';
      /** Unique notice id. */
      readonly id: string;
      /** The user. */
      readonly userId: string;
      /** The user's new epoch: tokens carrying a lower `ep` claim are revoked. */
      readonly epoch: number;
      /** The session kept, whose tokens carry `ep = epoch - 1`; `null` if none. */
      readonly keepSessionId: string | null;
      /** When (ms). */
      readonly at: number;
      /** When the notice can be forgotten (ms). */
      readonly expiresAt: number;
    }
  | {
      /** Every session of every user ended (incident response). */
      readonly kind: 'all';
      /** Unique notice id. */
      readonly id: string;
      /** When (ms): tokens issued in earlier seconds are revoked; tokens of this second are checked against the store. */
      readonly at: number;
      /** When the notice can be forgotten (ms). */
      readonly expiresAt: number;
    };

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * Parses a notice received as JSON text from outside the process (a pub/sub message):
 * the notice if it has every field of its kind with the right type, `null` for anything
 * else. Never throws. Fields beyond the kind's are dropped.
 *
 * @example
 * parseRevocationNotice(JSON.stringify(notice)); // the notice
 * parseRevocationNotice('{"kind":"all"}');       // null (no id, at, expiresAt)
 */
export function parseRevocationNotice(text: string): RevocationNotice | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const n = value as Record<string, unknown>;
  if (!isText(n.id) || !isTime(n.at) || !isTime(n.expiresAt)) return null;
  const { id, at, expiresAt } = n;
  switch (n.kind) {
    case 'session':
      return isText(n.sessionId) && isText(n.userId)
        ? { kind: 'session', id, sessionId: n.sessionId, userId: n.userId, at, expiresAt }
        : null;
    case 'user':
      return isText(n.userId) &&
        isTime(n.epoch) &&
        (n.keepSessionId === null || isText(n.keepSessionId))
        ? {
            kind: 'user',
            id,
            userId: n.userId,
            epoch: n.epoch,
            keepSessionId: n.keepSessionId,
            at,
            expiresAt,
          }
        : null;
    case 'all':
      return { kind: 'all', id, at, expiresAt };
    default:
      return null;
  }
}
