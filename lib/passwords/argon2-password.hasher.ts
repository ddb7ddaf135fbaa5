import { Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { PasswordHasher } from './password-hasher.js';

/** argon2id cost parameters. */
export interface Argon2Parameters {
  /** Memory in KiB. @default 19456 (19 MiB, OWASP's minimum for argon2id) */
  readonly memoryCost: number;
  /** Iterations. @default 2 */
  readonly timeCost: number;
  /** Lanes. @default 1 */
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1. */
export const OWASP_ARGON2ID: Argon2Parameters = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

/**
 * argon2id through the maintained `argon2` package (prebuilt binaries, no download at
 * install). A dummy hash with the same parameters, made once, equalizes the cost of
 * logins for unknown users.
 */
@Injectable()
export class Argon2PasswordHasher extends PasswordHasher implements OnModuleInit {
  private dummy: Promise<string> | null = null;

  /** @param parameters cost parameters; defaults to {@link OWASP_ARGON2ID}. */
  constructor(private readonly parameters: Argon2Parameters = OWASP_ARGON2ID) {
    super();
  }

  /**
   * Makes the dummy hash at boot, so that even the first login of an unknown user costs
   * exactly one verification, like every other failed login.
   */
  async onModuleInit(): Promise<void> {
    await this.dummyHash();
  }

  /** @inheritdoc */
  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.parameters });
  }

  /** @inheritdoc */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** @inheritdoc */
  async verifyDummy(password: string): Promise<false> {
    await this.verify(await this.dummyHash(), password);
    return false;
  }

  private dummyHash(): Promise<string> {
    this.dummy ??= this.hash('nest-sessions dummy password for unknown users');
    return this.dummy;
  }
}
