import pg from "pg";

/**
 * Postgres record of a model file that was verified or pulled.
 * The `models` table's migration belongs to infra/db/migrations; this module
 * creates the same table if it is missing so the CLI works on a fresh database.
 */
export interface ModelRecord {
  id: string;
  quant: string;
  /** Content version: the first 12 hex characters of the file's sha256. */
  version: string;
  uri: string;
  path: string;
  sha256: string;
  sizeBytes: number;
  /** Performance stats (tokens/s, TTFT, ...) filled in by bench; kept when already set. */
  perf?: Record<string, unknown>;
}

export const CREATE_MODELS_TABLE = `
CREATE TABLE IF NOT EXISTS models (
  id text NOT NULL,
  quant text NOT NULL,
  version text,
  uri text,
  path text,
  sha256 text,
  size_bytes bigint,
  perf jsonb,
  verified_at timestamptz,
  PRIMARY KEY (id, quant)
)`;

const UPSERT_MODEL = `
INSERT INTO models (id, quant, version, uri, path, sha256, size_bytes, perf, verified_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, now())
ON CONFLICT (id, quant) DO UPDATE SET
  version = EXCLUDED.version,
  uri = EXCLUDED.uri,
  path = EXCLUDED.path,
  sha256 = EXCLUDED.sha256,
  size_bytes = EXCLUDED.size_bytes,
  perf = COALESCE(models.perf, EXCLUDED.perf),
  verified_at = EXCLUDED.verified_at`;

/**
 * Upserts verified model files into `models` (one connection, closed afterwards).
 *
 * @example await upsertModelRecords(process.env.DATABASE_URL, [{ id: "stories260k", quant: "f32", ... }])
 */
export async function upsertModelRecords(databaseUrl: string, records: ModelRecord[]): Promise<void> {
  if (records.length === 0) return;
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(CREATE_MODELS_TABLE);
    for (const r of records) {
      await client.query(UPSERT_MODEL, [
        r.id,
        r.quant,
        r.version,
        r.uri,
        r.path,
        r.sha256,
        r.sizeBytes,
        JSON.stringify(r.perf ?? {}),
      ]);
    }
  } finally {
    await client.end();
  }
}
