import { SessionConfigurationError } from '../exceptions/session-configuration.error.js';
import type { SessionRecord } from '../stores/session-record.js';

/** Characters kept as they are in key parts; anything else is base64url-encoded. */
const SAFE_ID = /^[A-Za-z0-9_.@-]+$/;
/** A token hash as the library writes it: lowercase hex SHA-256. */
const HEX_HASH = /^[0-9a-f]{64}$/;

/**
 * Encodes an id (user id, session id) for use inside a key: ids made only of
 * `[A-Za-z0-9_.@-]` stay as they are, anything else becomes `=` + base64url (UTF-8). The
 * mapping is injective and the result never contains `{`, `}`, `:` or a space, so a user id
 * cannot break the `{u:…}` hash tag or the `sid user` pointer format.
 *
 * @example
 * encodeId('alice@example.com'); // 'alice@example.com'
 * encodeId('{evil}');            // '=e2V2aWx9'
 */
export function encodeId(id: string): string {
  return SAFE_ID.test(id) ? id : `=${Buffer.from(id, 'utf8').toString('base64url')}`;
}

/** Inverse of {@link encodeId}. @example decodeId('=e2V2aWx9'); // '{evil}' */
export function decodeId(encoded: string): string {
  return encoded.startsWith('=')
    ? Buffer.from(encoded.slice(1), 'base64url').toString('utf8')
    : encoded;
}

/**
 * Packs a token hash for storage: lowercase hex SHA-256 (64 characters) becomes base64url
 * of the same 32 bytes (43 characters), which saves ~100 bytes per session across keys and
 * values. Any other string is kept, marked with `~`, so that the mapping stays injective.
 *
 * @example
 * packHash(hashToken(token)); // 43 base64url characters
 */
export function packHash(hash: string): string {
  return HEX_HASH.test(hash) ? Buffer.from(hash, 'hex').toString('base64url') : `~${hash}`;
}

/** Inverse of {@link packHash}. @example unpackHash(packHash(hash)) === hash; // true */
export function unpackHash(packed: string): string {
  return packed.startsWith('~')
    ? packed.slice(1)
    : Buffer.from(packed, 'base64url').toString('hex');
}

/**
 * Checks a key prefix once, at construction; throws a `SessionConfigurationError` naming
 * the fix. @example checkKeyPrefix('chirp:sessions'); // ok; 'a{b' throws
 */
export function checkKeyPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.:@-]{1,64}$/.test(prefix)) {
    throw new SessionConfigurationError(
      'keyPrefix',
      `must be 1–64 characters of [A-Za-z0-9_.:@-] (got ${JSON.stringify(prefix)})`,
      "pass e.g. keyPrefix: 'ns' or 'myapp:sessions' (no braces: they would break hash tags)",
    );
  }
}

/**
 * The key layout of {@link RedisSessionStore} under one prefix `P`. Everything of one user
 * shares the hash tag `{u:<user>}`, so multi-key scripts run in one Redis Cluster slot:
 *
 * | key | type | holds | TTL |
 * | --- | --- | --- | --- |
 * | `P:{u:U}:s:S` | string | the session (JSON array, see {@link encodeSession}) | its `expiresAt` |
 * | `P:{u:U}:s:S:r` | set | refresh hashes spent before the previous one (after 2+ rotations) | its `expiresAt` |
 * | `P:{u:U}:j` | hash | `p` permissions (JSON), `e` epoch | latest session end, ≥ revokeAll + `epochRetention` |
 * | `P:{u:U}:x` | zset | the user's session ids by `createdAt` | latest session end |
 * | `P:a:H` / `P:r:H` | string | `S U` for access / refresh hash `H` (pointer, own slot) | session end |
 * | `P:i:S` | string | `U` for session id `S` (pointer, own slot) | session end |
 * | `P:users` | zset | user `U` by the time it next needs a sweep | latest session end |
 * | `P:{rev}:at`, `P:{rev}:exp` | zsets | revocation notices (JSON) by `at` / `expiresAt` | latest notice expiry |
 *
 * `U` and `S` are {@link encodeId}d, `H` is {@link packHash}ed. Revocation notices are also
 * published on the channel `P:revocations`.
 *
 * @example
 * new RedisKeys('ns').channel; // 'ns:revocations' (subscribe to react to revocations at once)
 */
export class RedisKeys {
  /** Sorted set of users to sweep. */
  readonly registry: string;
  /** Revocation notices by `at`. */
  readonly noticesByAt: string;
  /** Revocation notices by `expiresAt`. */
  readonly noticesByExpiry: string;
  /** Pub/sub channel carrying every published revocation notice (JSON). */
  readonly channel: string;

  constructor(readonly prefix: string) {
    checkKeyPrefix(prefix);
    this.registry = `${prefix}:users`;
    this.noticesByAt = `${prefix}:{rev}:at`;
    this.noticesByExpiry = `${prefix}:{rev}:exp`;
    this.channel = `${prefix}:revocations`;
  }

  /** `P:{u:U}`, the base of every key of encoded user `user`. */
  userBase(user: string): string {
    return `${this.prefix}:{u:${user}}`;
  }

  /** The session key of encoded session `sid` of encoded user `user`. */
  session(user: string, sid: string): string {
    return `${this.prefix}:{u:${user}}:s:${sid}`;
  }

  /** The subject hash of encoded user `user`. */
  subject(user: string): string {
    return `${this.prefix}:{u:${user}}:j`;
  }

  /** The session index of encoded user `user`. */
  index(user: string): string {
    return `${this.prefix}:{u:${user}}:x`;
  }

  /** The pointer from packed access hash `hash` to its session. */
  accessPointer(hash: string): string {
    return `${this.prefix}:a:${hash}`;
  }

  /** The pointer from packed refresh hash `hash` to its session. */
  refreshPointer(hash: string): string {
    return `${this.prefix}:r:${hash}`;
  }

  /** The pointer from encoded session id `sid` to its user. */
  idPointer(sid: string): string {
    return `${this.prefix}:i:${sid}`;
  }

  /** SCAN pattern matching every user's session index. */
  indexPattern(): string {
    return `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}:{u:*}:x`;
  }
}

/**
 * A session as stored: `[epoch, createdAt, lastActiveAt, expiresAt, accessHash, refreshHash,
 * previousRefreshHash, rotatedAt, successor, userAgent, ip]`, hashes packed, absent values
 * `null`. The id and user id live in the key. The Lua scripts read and write fields by
 * these 1-based positions; keep both in step.
 */
export type SessionTuple = [
  number,
  number,
  number,
  number,
  string | null,
  string,
  string | null,
  number | null,
  string | null,
  string | null,
  string | null,
];

/**
 * The stored form of a session, without its leading epoch (the create script prepends the
 * user's current epoch): everything after `[epoch,`.
 *
 * @example
 * '[' + epoch + ',' + encodeSessionTail(session); // the stored JSON array
 */
export function encodeSessionTail(session: Omit<SessionRecord, 'epoch' | 'id' | 'userId'>): string {
  const tuple: SessionTuple = [
    0,
    session.createdAt,
    session.lastActiveAt,
    session.expiresAt,
    session.accessHash === null ? null : packHash(session.accessHash),
    packHash(session.refreshHash),
    session.previousRefreshHash === null ? null : packHash(session.previousRefreshHash),
    session.rotatedAt,
    session.successor,
    session.userAgent,
    session.ip,
  ];
  return JSON.stringify(tuple).slice(3);
}

/**
 * Decodes a stored session of session `id` of user `userId`: the JSON text, or the
 * {@link SessionTuple} already parsed from it.
 *
 * @example
 * decodeSession('sid', 'alice', '[0,1,1,2,null,"…",null,null,null,null,null]').epoch; // 0
 */
export function decodeSession(
  id: string,
  userId: string,
  stored: string | SessionTuple,
): SessionRecord {
  const t = typeof stored === 'string' ? (JSON.parse(stored) as SessionTuple) : stored;
  return {
    id,
    userId,
    accessHash: t[4] === null ? null : unpackHash(t[4]),
    refreshHash: unpackHash(t[5]),
    previousRefreshHash: t[6] === null ? null : unpackHash(t[6]),
    rotatedAt: t[7],
    successor: t[8],
    epoch: t[0],
    createdAt: t[1],
    lastActiveAt: t[2],
    expiresAt: t[3],
    userAgent: t[9],
    ip: t[10],
  };
}

/**
 * Parses the stored permissions (a JSON array of strings); garbage reads as none.
 * @example decodePermissions('["posts:read"]'); // ['posts:read']
 */
export function decodePermissions(stored: string | null): string[] {
  if (stored === null) return [];
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}
