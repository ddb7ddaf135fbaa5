import { Logger } from '@nestjs/common';
import type { SessionEvent } from 'nest-sessions';

const logger = new Logger('Security');

/** Makes a value safe for a one-line log: printable ASCII only, bounded. */
function clean(value: string | undefined): string {
  if (value === undefined || value === '') return '-';
  const printable = value.replace(/[^\x21-\x7e]/g, '?');
  return printable.length > 64 ? `${printable.slice(0, 64)}…` : printable;
}

/** One `key=value` line, keys in a fixed order; the logger adds the time. */
function line(what: string, fields: Record<string, string | undefined>): string {
  return [what, ...Object.entries(fields).map(([key, value]) => `${key}=${clean(value)}`)].join(
    ' ',
  );
}

/**
 * Logs the security events an operator must see, one line each, with user id, session id
 * or a token-hash prefix, client IP and the time (from the logger). Never a token, a
 * password or a secret: library events carry none, and the login lines below take only
 * the username, which is checked against the username pattern first.
 */
export function logSessionEvent(event: SessionEvent): void {
  const fields = {
    user: event.userId,
    session: event.sessionId,
    ip: event.ip,
    token: event.tokenHashPrefix ? `sha256:${event.tokenHashPrefix}` : undefined,
    reason: event.reason,
  };
  switch (event.type) {
    case 'session.reuse-detected':
      logger.warn(line('refresh-token-reuse', fields));
      break;
    case 'session.token-rejected':
      logger.warn(line('token-rejected', fields));
      break;
    case 'session.permission-denied':
      logger.warn(line('permission-denied', { ...fields, lacking: event.permissions?.join(',') }));
      break;
    case 'session.csrf-rejected':
      logger.warn(line('csrf-rejected', fields));
      break;
    case 'session.revoked':
      logger.log(line('session-revoked', fields));
      break;
    case 'session.created':
      logger.log(line('login-succeeded', fields));
      break;
    case 'session.refreshed':
      break; // routine: not a security event
  }
}

/** Logs a failed login (unknown user and wrong password alike) or a throttled one. */
export function logLoginFailure(
  username: string,
  ip: string | undefined,
  throttled: boolean,
): void {
  const name = /^[a-z0-9_]{3,32}$/.test(username) ? username : '(not a username)';
  logger.warn(line(throttled ? 'login-throttled' : 'login-failed', { username: name, ip }));
}

/** Logs a logout. */
export function logLogout(userId: string, sessionId: string, ip: string | undefined): void {
  logger.log(line('logout', { user: userId, session: sessionId, ip }));
}
