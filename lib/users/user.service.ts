import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, In, QueryFailedError, type EntityManager } from 'typeorm';
import { PermissionEntity } from '../entities/permission.entity.js';
import { UserEntity } from '../entities/user.entity.js';
import { UsernameTakenException } from '../exceptions/username-taken.exception.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { assertPermissionNames } from '../permissions/permission-name.js';
import { SessionService } from '../sessions/session.service.js';

/** Input of {@link UserService.register}. */
export interface NewUser {
  /** Unique login name. Validate its shape in your DTO. */
  readonly username: string;
  /** The password in clear; only its argon2id hash is stored. */
  readonly password: string;
  /** Permissions granted from the start. @default [] */
  readonly permissions?: readonly string[];
  /** Display name. @default null */
  readonly displayName?: string | null;
}

/** A user with their permissions, for admin listings. Never includes the password hash. */
export interface UserSummary {
  /** The user's id. */
  readonly id: string;
  /** Login name. */
  readonly username: string;
  /** Display name. */
  readonly displayName: string | null;
  /** Whether the user is disabled. */
  readonly disabled: boolean;
  /** Granted permissions, sorted. */
  readonly permissions: string[];
}

/**
 * Whether `value` could be a stored key of at most `max` characters. Anything else (NUL
 * bytes, which PostgreSQL refuses with an error; over-long strings; non-strings) cannot
 * match a row, so it is answered without a query.
 */
function isStorableKey(value: unknown, max: number): value is string {
  return (
    typeof value === 'string' && value.length > 0 && value.length <= max && !value.includes('\0')
  );
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; errno?: number } | undefined;
  const code = driverError?.code ?? '';
  return code === '23505' || code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT');
}

/**
 * Users, passwords and permissions on the library's entities (`UserEntity`,
 * `PermissionEntity`), wired to the session layer: changing permissions updates the
 * permissions in effect for live sessions; changing a password or disabling a user
 * revokes sessions. Register it as a provider of a module that can inject a TypeORM
 * `DataSource` and the `SessionModule`'s exports.
 *
 * @example
 * @Module({ imports: [TypeOrmModule.forRoot(...), SessionModule.forRoot(...)], providers: [UserService] })
 */
@Injectable()
export class UserService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionService,
  ) {}

  /**
   * Creates a user with a hashed password.
   * @throws UsernameTakenException (409) if the username exists.
   */
  async register(input: NewUser): Promise<UserEntity> {
    const permissions = [...new Set(input.permissions ?? [])];
    assertPermissionNames(permissions, 'UserService.register()');
    if (await this.findByUsername(input.username)) throw new UsernameTakenException();
    const user = Object.assign(new UserEntity(), {
      id: randomUUID(),
      username: input.username,
      passwordHash: await this.passwords.hash(input.password),
      displayName: input.displayName ?? null,
      disabled: false,
      createdAt: Date.now(),
    });
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.insert(UserEntity, user);
        await this.insertPermissions(manager, user.id, permissions);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new UsernameTakenException();
      throw error;
    }
    return user;
  }

  /**
   * The user whose credentials these are, or `null`. Unknown users, wrong passwords and
   * disabled users all cost one argon2 verification, so timing does not tell them apart.
   */
  async authenticate(username: string, password: string): Promise<UserEntity | null> {
    const user = await this.findByUsername(username);
    if (!user) return this.passwords.verifyDummy(password).then(() => null);
    const valid = await this.passwords.verify(user.passwordHash, password);
    return valid && !user.disabled ? user : null;
  }

  /** The user with this id, or `null` (also for values no stored id can equal). */
  findById(id: string): Promise<UserEntity | null> {
    if (!isStorableKey(id, 36)) return Promise.resolve(null);
    return this.dataSource.getRepository(UserEntity).findOneBy({ id });
  }

  /** The user with this username (exact match), or `null` (also for values no username can equal). */
  findByUsername(username: string): Promise<UserEntity | null> {
    if (!isStorableKey(username, 64)) return Promise.resolve(null);
    return this.dataSource.getRepository(UserEntity).findOneBy({ username });
  }

  /** The user's granted permissions, sorted. */
  async getPermissions(userId: string): Promise<string[]> {
    const rows = await this.dataSource.getRepository(PermissionEntity).findBy({ userId });
    return rows.map((row) => row.name).sort();
  }

  /**
   * Replaces the user's permissions and makes them the permissions in effect for the
   * user's live sessions (reference tokens: from the next request).
   * @returns the new permissions, or `null` if there is no such user.
   */
  async setPermissions(userId: string, permissions: readonly string[]): Promise<string[] | null> {
    const unique = [...new Set(permissions)].sort();
    assertPermissionNames(unique, 'UserService.setPermissions()');
    const found = await this.dataSource.transaction(async (manager) => {
      if (!(await manager.existsBy(UserEntity, { id: userId }))) return false;
      await manager.delete(PermissionEntity, { userId });
      await this.insertPermissions(manager, userId, unique);
      return true;
    });
    if (!found) return null;
    await this.sessions.setPermissions(userId, unique);
    return unique;
  }

  /**
   * Changes the password if `currentPassword` is right, then revokes every other session
   * of the user (and their refresh tokens), keeping `keepSessionId` if given.
   * @returns `false` (nothing changed) on a wrong current password or unknown user.
   */
  async changePassword(
    userId: string,
    currentPassword: string,
    newPassword: string,
    keepSessionId: string | null = null,
  ): Promise<boolean> {
    const user = await this.findById(userId);
    if (!user) return this.passwords.verifyDummy(currentPassword);
    if (!(await this.passwords.verify(user.passwordHash, currentPassword))) return false;
    const passwordHash = await this.passwords.hash(newPassword);
    await this.dataSource.getRepository(UserEntity).update({ id: userId }, { passwordHash });
    await this.sessions.revokeAll(userId, { except: keepSessionId, reason: 'password-change' });
    return true;
  }

  /** Sets the display name. @returns the updated user, or `null` if there is none. */
  async updateDisplayName(userId: string, displayName: string | null): Promise<UserEntity | null> {
    const result = await this.dataSource
      .getRepository(UserEntity)
      .update({ id: userId }, { displayName });
    return result.affected ? this.findById(userId) : null;
  }

  /** Disables (or re-enables) a user; disabling revokes all their sessions. @returns whether the user exists. */
  async setDisabled(userId: string, disabled: boolean): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(UserEntity)
      .update({ id: userId }, { disabled });
    if (!result.affected) return false;
    if (disabled) await this.sessions.revokeAll(userId, { reason: 'user-disabled' });
    return true;
  }

  /**
   * Deletes a user: first revokes all their sessions (their tokens stop working at once,
   * value tokens included), then deletes their permissions and account. Delete users
   * through here: a row deleted directly in SQL leaves sessions held in memory or Redis
   * alive until they expire.
   * @returns whether the user existed.
   */
  async delete(userId: string): Promise<boolean> {
    if (!(await this.findById(userId))) return false;
    await this.sessions.revokeAll(userId, { reason: 'user-deleted' });
    return this.dataSource.transaction(async (manager) => {
      await manager.delete(PermissionEntity, { userId });
      const result = await manager.delete(UserEntity, { id: userId });
      return (result.affected ?? 0) > 0;
    });
  }

  /** Every user with their permissions, ordered by username. */
  async list(): Promise<UserSummary[]> {
    const users = await this.dataSource
      .getRepository(UserEntity)
      .find({ order: { username: 'ASC' } });
    const rows = users.length
      ? await this.dataSource
          .getRepository(PermissionEntity)
          .findBy({ userId: In(users.map((u) => u.id)) })
      : [];
    const byUser = new Map<string, string[]>();
    for (const row of rows) {
      const list = byUser.get(row.userId) ?? [];
      list.push(row.name);
      byUser.set(row.userId, list);
    }
    return users.map((user) => ({
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      disabled: user.disabled,
      permissions: (byUser.get(user.id) ?? []).sort(),
    }));
  }

  private async insertPermissions(
    manager: EntityManager,
    userId: string,
    permissions: readonly string[],
  ): Promise<void> {
    if (permissions.length === 0) return;
    await manager.insert(
      PermissionEntity,
      permissions.map((name) => ({ userId, name })),
    );
  }
}
