import { createHmac } from "node:crypto";
import pg from "pg";
import type { RunRecord } from "./run-record.js";

/** The table from infra/db/migrations/0002_router_observations.sql (applied by `npm run db:migrate`). */
export const OBSERVATIONS_TABLE = "router_observations";

const COLUMNS = [
  "run_id",
  "collected_at",
  "prompt_id",
  "prompt_hash",
  "task",
  "model_id",
  "status",
  "error",
  "finish_reason",
  "latency_ms",
  "ttft_ms",
  "tokens_per_second",
  "prompt_tokens",
  "completion_tokens",
  "output_chars",
  "output_hash",
] as const;

const INSERT_SQL = `INSERT INTO ${OBSERVATIONS_TABLE} (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(", ")})`;

export interface ObservationStoreOptions {
  /** postgres:// URL (DATABASE_URL). */
  connectionString: string;
  /** SWITCHYARD_PROMPT_HASH_KEY: prompts and outputs reach Postgres only as HMAC-SHA256 under this key. */
  hashKey: string;
  /** Connect and per-statement timeout. Default 10 000 ms. */
  timeoutMs?: number;
}

/** Where `router collect` mirrors its JSONL records, without the raw prompt or output. */
export interface ObservationStore {
  /** `sentText`: the user message collect sent (the prompt, with any choices rendered). */
  insert(record: RunRecord, sentText: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens one connection and checks that the migration is applied, so a misconfigured database
 * fails before any prompt is sent rather than after a long collection.
 *
 * @example
 * const store = await openObservationStore({ connectionString: env.DATABASE_URL, hashKey: env.SWITCHYARD_PROMPT_HASH_KEY });
 * await store.insert(record, routingText(row));
 * await store.close();
 */
export async function openObservationStore(opts: ObservationStoreOptions): Promise<ObservationStore> {
  if (!opts.hashKey) throw new Error("a prompt hash key is required (SWITCHYARD_PROMPT_HASH_KEY)");
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const client = new pg.Client({
    connectionString: opts.connectionString,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  // An idle connection the server drops would otherwise surface as an unhandled 'error' event.
  client.on("error", () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ table: string | null }>("SELECT to_regclass($1)::text AS table", [
      OBSERVATIONS_TABLE,
    ]);
    if (!rows[0]?.table)
      throw new Error(`table ${OBSERVATIONS_TABLE} does not exist: run \`npm run db:migrate\` first`);
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  const hash = (text: string) => createHmac("sha256", opts.hashKey).update(text).digest("hex");
  return {
    async insert(r, sentText) {
      await client.query(INSERT_SQL, observationRow(r, sentText, hash));
    },
    close: () => client.end(),
  };
}

/**
 * One table row for a record. `sentText` is the user message collect sent; it is hashed in the edge
 * request log's form (`user: <text>`) so an observation joins `requests.prompt_hash` under the same
 * key. Error messages are kept (they say why a model failed) but any echo of the prompt or output in
 * them is redacted.
 */
export function observationRow(r: RunRecord, sentText: string, hash: (text: string) => string): unknown[] {
  const redact = (message: string) =>
    [sentText, r.prompt, r.output]
      .filter((s) => s.length > 0)
      .reduce((m, secret) => m.replaceAll(secret, "[redacted]"), message)
      .slice(0, 500);
  return [
    r.run_id,
    r.collected_at,
    r.prompt_id,
    hash(`user: ${sentText}`),
    r.task,
    r.model,
    r.error === null ? "ok" : "error",
    r.error === null ? null : redact(r.error),
    r.finish_reason,
    r.latency_ms,
    r.ttft_ms,
    r.tokens_per_s,
    r.prompt_tokens,
    r.completion_tokens,
    r.output.length,
    hash(r.output),
  ];
}
