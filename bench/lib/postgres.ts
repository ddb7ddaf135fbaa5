import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

/** Runs `work` on a short-lived TypeORM connection to `url`. */
async function withConnection<T>(url: string, work: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = new DataSource({ type: 'postgres', url, connectTimeoutMS: 3_000, poolSize: 1 });
  await ds.initialize();
  try {
    return await work(ds);
  } finally {
    await ds.destroy();
  }
}

/** A database of its own on the PostgreSQL server, created for one run and dropped after. */
export class BenchDatabase {
  private constructor(
    private readonly serverUrl: URL,
    /** The database's name (`<label>_<hex>`). */
    readonly name: string,
  ) {}

  /** `postgres://…/<name>`. */
  get url(): string {
    const url = new URL(this.serverUrl.href);
    url.pathname = `/${this.name}`;
    return url.href;
  }

  /**
   * Creates `<label>_<random>` on the server at `serverUrl` (a `postgres://` URL whose database
   * part names the one to connect to for `CREATE DATABASE`), or returns `null` with the reason.
   */
  static async create(
    serverUrl: string,
    label = 'bench',
  ): Promise<{ db: BenchDatabase | null; reason: string }> {
    const url = new URL(serverUrl);
    const name = `${label}_${randomBytes(5).toString('hex')}`;
    try {
      await withConnection(url.href, (ds) => ds.query(`CREATE DATABASE ${name}`));
      return { db: new BenchDatabase(url, name), reason: '' };
    } catch (error) {
      return { db: null, reason: `PostgreSQL at ${url.host}: ${(error as Error).message}` };
    }
  }

  /** Drops the database, disconnecting whoever is still on it. */
  async drop(): Promise<void> {
    await withConnection(this.serverUrl.href, (ds) =>
      ds.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`),
    );
  }
}
