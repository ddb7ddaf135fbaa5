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
