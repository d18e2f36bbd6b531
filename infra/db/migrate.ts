/**
 * Versioned SQL migrations for the Switchyard database (request log, model registry).
 * Files `infra/db/migrations/NNNN_name.sql` are applied in order, each in its own transaction,
 * and recorded in `schema_migrations` with a checksum; applied files must not change.
 * Idempotent and safe to run concurrently (a Postgres advisory lock serialises runners).
 *
 * @example
 * DATABASE_URL=postgres://switchyard:switchyard@127.0.0.1:5432/switchyard npm run db:migrate
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");
/** Arbitrary constant key for pg_advisory_lock, so only one migrator runs at a time. */
const MIGRATION_LOCK_KEY = 7_316_046_233;

export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions {
  connectionString: string;
  migrationsDir?: string;
  log?: (line: string) => void;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

/** Reads `NNNN_name.sql` files, sorted by version; rejects duplicate versions. */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file name must look like 0001_name.sql: ${file}`);
    const [, version = "", name = ""] = match;
    if (migrations.some((m) => m.version === version))
      throw new Error(`duplicate migration version ${version}`);
    const sql = await readFile(join(dir, file), "utf8");
    migrations.push({ version, name, sql, checksum: createHash("sha256").update(sql).digest("hex") });
  }
  return migrations;
}

/** Applies pending migrations; throws if an applied migration's file was edited. */
export async function migrate(opts: MigrateOptions): Promise<MigrateResult> {
  const log = opts.log ?? (() => {});
  const migrations = await loadMigrations(opts.migrationsDir);
  const client = new pg.Client({ connectionString: opts.connectionString });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    text PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: string; checksum: string }>(
      "SELECT version, checksum FROM schema_migrations",
    );
    const appliedChecksums = new Map(rows.map((r) => [r.version, r.checksum]));
    const result: MigrateResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const id = `${migration.version}_${migration.name}`;
      const checksum = appliedChecksums.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(`migration ${id} was edited after it was applied; add a new migration instead`);
        }
        result.alreadyApplied.push(id);
        continue;
      }
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${id} failed: ${(err as Error).message}`, { cause: err });
      }
      log(`applied ${id}`);
      result.applied.push(id);
    }
    return result;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end();
  }
}

async function main() {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    console.error("db:migrate: set DATABASE_URL (e.g. source infra/local/services.env)");
    process.exit(2);
  }
  const { applied, alreadyApplied } = await migrate({
    connectionString,
    log: (l) => console.log(`db:migrate: ${l}`),
  });
  console.log(`db:migrate: ${applied.length} applied, ${alreadyApplied.length} already applied`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err) => {
    console.error(`db:migrate: ${(err as Error).message}`);
    process.exit(1);
  });
}
