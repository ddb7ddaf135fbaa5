// What every peer app shares: the same route shape as Chirp's bench routes, the demo user,
// the `@Public()` / permission metadata the Nest docs use, and the ready line.
import 'reflect-metadata';
import {
  Controller,
  Get,
  SetMetadata,
  UnauthorizedException,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Metadata key of `@Public()`, as in the Nest docs. */
export const IS_PUBLIC_KEY = 'isPublic';

/** Marks a route as open to anyone, as in the Nest docs. */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);

/** The permissions a route needs (the docs' `@Roles()` pattern). */
export const RequirePermissions = Reflector.createDecorator<string[]>();

/** The demo user every peer knows: Chirp's alice, with the permission the route needs. */
export interface PeerUser {
  readonly id: string;
  readonly username: string;
  readonly permissions: readonly string[];
}

const USERS: readonly (PeerUser & { readonly password: string })[] = [
  {
    id: '1',
    username: 'alice',
    password: 'chirp-demo-password',
    permissions: ['posts:create', 'posts:like', 'posts:delete:own', 'profile:edit'],
  },
];

/** Checks a username and password (plain compare: login is not what is measured). */
export function checkPassword(username: unknown, password: unknown): PeerUser {
  const user = USERS.find((u) => u.username === username && u.password === password);
  if (!user) throw new UnauthorizedException();
  return { id: user.id, username: user.username, permissions: user.permissions };
}

/** Whether `user` holds every permission in `required`. */
export function hasPermissions(
  user: { permissions?: readonly string[] } | undefined,
  required: readonly string[] | undefined,
): boolean {
  if (!required || required.length === 0) return true;
  return required.every((p) => user?.permissions?.includes(p) === true);
}

/** The same two routes as Chirp's `BenchController`. */
@Controller('bench')
export class PeerBenchController {
  /** Needs a session holding `posts:like`. */
  @RequirePermissions(['posts:like'])
  @Get('guarded')
  guarded(): { ok: true } {
    return { ok: true };
  }

  /** The same answer, open. */
  @Public()
  @Get('public')
  public(): { ok: true } {
    return { ok: true };
  }
}

/**
 * Creates the app (logging off), lets `configure` add middleware, listens on `PORT` (0: any)
 * on 127.0.0.1 and prints `BENCH_READY {"port":…}`.
 */
export async function startPeer(
  module: Type<unknown>,
  configure: (app: INestApplication) => void = () => undefined,
): Promise<void> {
  try {
    const app = await NestFactory.create(module, { logger: false, abortOnError: false });
    configure(app);
    app.enableShutdownHooks();
    await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
    const server = app.getHttpServer() as Server;
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`BENCH_READY ${JSON.stringify({ port })}\n`);
  } catch (error) {
    process.stderr.write(`BENCH_FAILED ${(error as Error).message.split('\n')[0]}\n`);
    process.exit(1);
  }
}
