import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realServiceEnv } from "../../edge/test/support/real-services";
import { MIGRATIONS_DIR, migrate } from "./migrate";

const env = realServiceEnv(["DATABASE_URL"], "migration tests (real PostgreSQL)");

/** Each test runs in its own schema (via search_path), so it starts from an empty database. */
function inSchema(schema: string): string {
  const url = new URL(env?.DATABASE_URL ?? "postgres://x");
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}

describe.skipIf(!env)("db:migrate against the real PostgreSQL", () => {
  const schemas: string[] = [];
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: env?.DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
  });

  async function freshSchema(): Promise<string> {
    const schema = `migrate_test_${crypto.randomUUID().replaceAll("-", "")}`;
    schemas.push(schema);
    await admin.query(`CREATE SCHEMA ${schema}`);
    return schema;
  }

  it("applies every migration once, then nothing (idempotent), with the expected tables", async () => {
    const schema = await freshSchema();
    const first = await migrate({ connectionString: inSchema(schema) });
    expect(first.applied).toContain("0001_init");
    const second = await migrate({ connectionString: inSchema(schema) });
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(first.applied);

    const { rows } = await admin.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1",
      [schema],
    );
    const columns = (table: string) => rows.filter((r) => r.table_name === table).map((r) => r.column_name);
    expect(columns("models").sort()).toEqual(
      ["id", "quant", "version", "uri", "path", "sha256", "size_bytes", "perf", "verified_at"].sort(),
    );
    expect(columns("requests")).toEqual(
      expect.arrayContaining([
        "id",
        "timestamp",
        "user_id",
        "model_id",
        "latency_ms",
        "ttft_ms",
        "prompt_hash",
      ]),
    );
    expect(columns("requests")).not.toContain("prompt");
    const indexes = await admin.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'requests'",
      [schema],
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining(["requests_timestamp_idx", "requests_model_id_timestamp_idx"]),
    );
  });

  it("serialises concurrent runners: each migration is applied exactly once", async () => {
    const schema = await freshSchema();
    const results = await Promise.all([1, 2, 3].map(() => migrate({ connectionString: inSchema(schema) })));
    const appliedCounts = results.map((r) => r.applied.length);
    expect(appliedCounts.filter((n) => n > 0)).toHaveLength(1);
    const { rows } = await admin.query(`SELECT version FROM ${schema}.schema_migrations`);
    expect(rows).toHaveLength(results.find((r) => r.applied.length > 0)?.applied.length ?? -1);
  });

  it("rolls back a failing migration and refuses an edited one", async () => {
    const schema = await freshSchema();
    const dir = await mkdtemp(join(tmpdir(), "migrations-"));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await writeFile(join(dir, "9998_good.sql"), "CREATE TABLE half_done (x int);");
      await writeFile(join(dir, "9999_broken.sql"), "CREATE TABLE never (x int); SELECT no_such_function();");
      await expect(migrate({ connectionString: inSchema(schema), migrationsDir: dir })).rejects.toThrow(
        /9999_broken failed/,
      );
      const tables = await admin.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
        [schema],
      );
      const names = tables.rows.map((r) => r.table_name);
      expect(names).toContain("half_done"); // its own transaction committed
      expect(names).not.toContain("never"); // rolled back whole

      await writeFile(join(dir, "9999_broken.sql"), "SELECT 1;");
      await writeFile(join(dir, "9998_good.sql"), "CREATE TABLE half_done (x int, y int);");
      await expect(migrate({ connectionString: inSchema(schema), migrationsDir: dir })).rejects.toThrow(
        /9998_good was edited/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
