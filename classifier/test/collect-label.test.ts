import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realServiceEnv } from "../../edge/test/support/real-services.js";
import { migrate } from "../../infra/db/migrate.js";
import type { RunRecord } from "../src/collect.js";
import { type RoutingRow, routingText } from "../src/data.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const MODEL_DIR = process.env.SWITCHYARD_MODEL_DIR ?? resolve(ROOT, "..", "shared", "models");
const MODEL = resolve(MODEL_DIR, "stories260K.gguf");
/** The real chat model: one of the collected models, and the LLM judge. */
const SMOLLM2 = "smollm2-135m-instruct";
const haveModel = existsSync(MODEL) && existsSync(resolve(MODEL_DIR, "SmolLM2-135M-Instruct.Q4_1.gguf"));
const db = realServiceEnv(["DATABASE_URL"], "collect → Postgres tests (real PostgreSQL)");
const HASH_KEY = "collect-test-hash-key";
if (!haveModel) {
  console.warn(`\n!!! collect/label end-to-end test SKIPPED: ${MODEL} not found (fails when CI=true) !!!\n`);
}

/**
 * Starts a real backend (node-llama-cpp, 1 thread) on an ephemeral port: `model` (a GGUF path or
 * a catalogue id; default stories260K) served under `id`.
 */
async function startBackend(id: string, model = MODEL): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "backends/src/cli.ts",
      "--model",
      model,
      "--id",
      id,
      "--context-size",
      "2048",
      "--port",
      "0",
      "--threads",
      "1",
      "--parallel",
      "1",
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  const url = await new Promise<string>((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`backend ${id} not ready in 120 s:\n${out}`)), 120_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const ready = out.split("\n").find((l) => l.includes('"msg":"ready"'));
      if (ready) {
        clearTimeout(timer);
        ok((JSON.parse(ready) as { url: string }).url);
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`backend ${id} exited (${code}):\n${out}`));
    });
  });
  return { proc, url };
}

/**
 * The real CLI, spawned asynchronously: the stand-in judge below lives in this process's event loop.
 * `env` entries override the inherited environment (undefined removes a variable).
 */
function router(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  return new Promise((ok) => {
    const proc = spawn("npm", ["run", "-s", "router", "--", ...args], { cwd: ROOT, env: childEnv });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (b) => {
      stdout += b;
    });
    proc.stderr.on("data", (b) => {
      stderr += b;
    });
    proc.on("close", (code) => ok({ code, stdout, stderr }));
  });
}

describe.skipIf(!haveModel && process.env.CI !== "true")(
  "collect + label on the local stack (real models: SmolLM2 and stories260K; SmolLM2 as the judge)",
  { timeout: 300_000 },
  () => {
    const backends: { proc: ChildProcess; url: string }[] = [];
    let judge: { proc: ChildProcess; url: string } | undefined;
    let dir: string;
    /** Chat completions a backend has answered (from its own /metrics). */
    const chatCompletionsServed = async (url: string) =>
      (await (await fetch(`${url}/metrics`)).text())
        .split("\n")
        .filter(
          (l) =>
            l.startsWith("switchyard_backend_request_duration_seconds_count{") &&
            l.includes('endpoint="/v1/chat/completions",status_class="2xx"'),
        )
        .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "router-collect-"));
      backends.push(
        // Two real models under roster ids: the SmolLM2 chat model and stories260K.
        await startBackend("gemma-2-9b-it", SMOLLM2),
        await startBackend("llama-3.1-nemotron-51b-instruct"),
      );
      // The judge is a real model too (a small one): SmolLM2 on its own backend, held to a
      // {"score": 0..10} reply by structured output.
      judge = await startBackend(SMOLLM2, SMOLLM2);
    }, 300_000);

    afterAll(async () => {
      for (const b of backends) b.proc.kill("SIGTERM");
      judge?.proc.kill("SIGTERM");
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("records every model's answer with timings, then labels it into the training format", async () => {
      const prompts = join(dir, "prompts.jsonl");
      writeFileSync(
        prompts,
        [
          {
            id: "mcq",
            prompt: "Which animal barks?",
            choices: ["cat", "dog", "fish"],
            metric: "em_mc",
            ground_truth: "B",
            task: "knowledge_mcq",
          },
          { id: "num", prompt: "What is 2 + 3?", ground_truth: "5", task: "math" },
          { id: "chat", prompt: "Tell me a story about a cat.", task: "generation" },
        ]
          .map((r) => JSON.stringify(r))
          .join("\n"),
      );
      const runs = join(dir, "runs.jsonl");
      const [gemma, nemotron] = backends;
      const c = await router(
        [
          "collect",
          "--prompts",
          prompts,
          "--out",
          runs,
          "--backend",
          `gemma-2-9b-it=${gemma!.url}`,
          "--backend",
          `llama-3.1-nemotron-51b-instruct=${nemotron!.url}`,
          "--max-tokens",
          "12",
        ],
        { DATABASE_URL: undefined },
      );
      expect(c.code, c.stderr).toBe(0);
      const records = readFileSync(runs, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as RunRecord);
      expect(records).toHaveLength(6);
      for (const r of records) {
        expect(r.error).toBeNull();
        expect(r.output.length).toBeGreaterThan(0);
        expect(r.latency_ms).toBeGreaterThan(0);
        expect(r.ttft_ms).toBeGreaterThan(0);
        expect(r.ttft_ms!).toBeLessThanOrEqual(r.latency_ms);
        expect(r.completion_tokens).toBeGreaterThan(0);
        expect(r.prompt_tokens).toBeGreaterThan(0);
      }
      expect(new Set(records.map((r) => r.model))).toEqual(
        new Set(["gemma-2-9b-it", "llama-3.1-nemotron-51b-instruct"]),
      );

      const labelled = join(dir, "data.jsonl");
      const l = await router([
        "label",
        "--runs",
        runs,
        "--out",
        labelled,
        "--prices",
        resolve(ROOT, "..", "shared", "data", "routing", "llmrouter-9models-prices.json"),
        "--judge-url",
        judge!.url,
        "--judge-model",
        SMOLLM2,
      ]);
      expect(l.code, l.stderr).toBe(0);
      const rows = readFileSync(labelled, "utf8")
        .trim()
        .split("\n")
        .map((x) => JSON.parse(x));
      expect(rows.map((r) => r.id).sort()).toEqual(["chat", "mcq", "num"]);
      for (const row of rows) {
        expect(Object.keys(row.scores).sort()).toEqual(["gemma-2-9b-it", "llama-3.1-nemotron-51b-instruct"]);
        for (const s of Object.values(row.scores) as number[]) expect(s).toBeGreaterThanOrEqual(0);
        // measured tokens x list prices: the 51B model costs 9x the 9B one per token
        expect(row.cost["llama-3.1-nemotron-51b-instruct"]).toBeGreaterThan(row.cost["gemma-2-9b-it"]);
        expect(["train", "test"]).toContain(row.split);
      }
      const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
      expect(Object.values(byId.mcq.label_method)).toEqual(["reference", "reference"]);
      expect(Object.values(byId.num.label_method)).toEqual(["reference", "reference"]);
      // The open-ended prompt has no reference: the real judge graded both answers.
      expect(Object.values(byId.chat.label_method)).toEqual(["judge", "judge"]);
      for (const score of Object.values(byId.chat.scores) as number[]) {
        expect(score * 10).toBe(Math.round(score * 10)); // one of 0, 0.1, ..., 1: a parsed grade
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(1);
      }
      expect(await chatCompletionsServed(judge!.url)).toBe(2);
    });

    describe.skipIf(!db)("with DATABASE_URL (real PostgreSQL, a fresh schema per test)", () => {
      let admin: pg.Client;
      const schemas: string[] = [];
      /** Prompts to collect (no scores yet: collect ignores them). */
      const PROMPTS: (Omit<RoutingRow, "scores"> & { id: string; task: string })[] = [
        {
          id: "mcq",
          prompt: "Which animal barks?",
          choices: ["cat", "dog", "fish"],
          metric: "em_mc",
          task: "knowledge_mcq",
        },
        { id: "num", prompt: "What is 2 + 3?", ground_truth: "5", task: "math" },
        { id: "chat", prompt: "Tell me a story about a cat named Whiskers.", task: "generation" },
      ];
      const hmac = (text: string) => createHmac("sha256", HASH_KEY).update(text).digest("hex");

      beforeAll(async () => {
        admin = new pg.Client({ connectionString: db!.DATABASE_URL });
        await admin.connect();
        writeFileSync(join(dir, "db-prompts.jsonl"), PROMPTS.map((r) => JSON.stringify(r)).join("\n"));
      });
      afterAll(async () => {
        for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin?.end();
      });

      /** A new schema (migrated unless told otherwise) and a DATABASE_URL whose search_path is it. */
      async function freshDatabase(migrated = true): Promise<{ schema: string; url: string }> {
        const schema = `collect_test_${crypto.randomUUID().replaceAll("-", "")}`;
        schemas.push(schema);
        await admin.query(`CREATE SCHEMA ${schema}`);
        const url = new URL(db!.DATABASE_URL);
        url.searchParams.set("options", `-c search_path=${schema}`);
        if (migrated) await migrate({ connectionString: url.toString() });
        return { schema, url: url.toString() };
      }

      const collectTo = (out: string, env: Record<string, string | undefined>, runId = "test-run") => {
        const [gemma, nemotron] = backends;
        return router(
          [
            "collect",
            "--prompts",
            join(dir, "db-prompts.jsonl"),
            "--out",
            out,
            "--backend",
            `gemma-2-9b-it=${gemma!.url}`,
            "--backend",
            `llama-3.1-nemotron-51b-instruct=${nemotron!.url}`,
            "--max-tokens",
            "12",
            "--run-id",
            runId,
          ],
          env,
        );
      };
      const readRuns = (file: string) =>
        readFileSync(file, "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as RunRecord);

      it("writes one row per prompt and model: measurements and HMAC hashes, never the raw prompt or output", async () => {
        const { schema, url } = await freshDatabase();
        const out = join(dir, "db-runs.jsonl");
        const c = await collectTo(out, { DATABASE_URL: url, SWITCHYARD_PROMPT_HASH_KEY: HASH_KEY });
        expect(c.code, c.stderr).toBe(0);
        const runs = readRuns(out);
        expect(runs).toHaveLength(PROMPTS.length * 2);

        const { rows } = await admin.query(`SELECT * FROM ${schema}.router_observations ORDER BY id`);
        expect(rows).toHaveLength(PROMPTS.length * 2);
        for (const [i, run] of runs.entries()) {
          const row = rows[i];
          const prompt = PROMPTS.find((p) => p.id === run.prompt_id)!;
          expect(run.run_id).toBe("test-run");
          expect(row).toMatchObject({
            run_id: "test-run",
            prompt_id: run.prompt_id,
            task: prompt.task,
            model_id: run.model,
            status: "ok",
            error: null,
            finish_reason: run.finish_reason,
            latency_ms: run.latency_ms,
            ttft_ms: run.ttft_ms,
            tokens_per_second: run.tokens_per_s,
            prompt_tokens: run.prompt_tokens,
            completion_tokens: run.completion_tokens,
            output_chars: run.output.length,
            // the edge request log's form, so observations join `requests.prompt_hash` under the same key
            prompt_hash: hmac(`user: ${routingText({ ...prompt, scores: {} })}`),
            output_hash: hmac(run.output),
          });
          expect(row.collected_at.toISOString()).toBe(run.collected_at);
          expect(row.output_chars).toBeGreaterThan(0);
        }
        // No column of any row carries prompt or output text (outputs of a few characters could
        // appear inside a hex hash by chance, so only those of 6+ characters are checked).
        const secrets = [
          ...PROMPTS.flatMap((p) => [p.prompt, routingText({ ...p, scores: {} })]),
          ...runs.map((r) => r.output.trim()).filter((o) => o.length >= 6),
        ];
        expect(secrets.length).toBeGreaterThan(PROMPTS.length * 2);
        for (const row of rows) {
          for (const value of Object.values(row)) {
            const text = value instanceof Date ? value.toISOString() : String(value);
            for (const secret of secrets) expect(text).not.toContain(secret);
          }
        }
        expect(Object.keys(rows[0])).not.toEqual(expect.arrayContaining(["prompt"]));
        expect(Object.keys(rows[0])).not.toEqual(expect.arrayContaining(["output"]));
      });

      it("keeps the JSONL whole when Postgres fails mid-run, and exits non-zero", async () => {
        const { schema, url } = await freshDatabase();
        // Fault injection in the real database: the third insert fails.
        await admin.query(`CREATE FUNCTION ${schema}.fail_third() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF (SELECT count(*) FROM ${schema}.router_observations) >= 2 THEN
              RAISE EXCEPTION 'injected failure';
            END IF;
            RETURN NEW;
          END $$`);
        await admin.query(
          `CREATE TRIGGER fail_third BEFORE INSERT ON ${schema}.router_observations FOR EACH ROW EXECUTE FUNCTION ${schema}.fail_third()`,
        );
        const out = join(dir, "db-fail-runs.jsonl");
        const c = await collectTo(out, { DATABASE_URL: url, SWITCHYARD_PROMPT_HASH_KEY: HASH_KEY });
        expect(c.code).toBe(1);
        expect(c.stderr).toContain(
          "WARNING Postgres write failed, continuing with JSONL only: injected failure",
        );
        expect(c.stderr).toContain(
          `is complete (${PROMPTS.length * 2} records), but Postgres has only 2 of them`,
        );
        expect(readRuns(out)).toHaveLength(PROMPTS.length * 2);
        const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.router_observations`);
        expect(rows[0].n).toBe(2);
      });

      it("refuses before sending any prompt when the table is missing or the hash key is unset", async () => {
        const { url } = await freshDatabase(false);
        const unmigrated = join(dir, "db-unmigrated.jsonl");
        const c = await collectTo(unmigrated, { DATABASE_URL: url, SWITCHYARD_PROMPT_HASH_KEY: HASH_KEY });
        expect(c.code).toBe(1);
        expect(c.stderr).toContain("router_observations does not exist: run `npm run db:migrate` first");
        expect(existsSync(unmigrated)).toBe(false);

        const noKey = join(dir, "db-nokey.jsonl");
        const k = await collectTo(noKey, { DATABASE_URL: url, SWITCHYARD_PROMPT_HASH_KEY: undefined });
        expect(k.code).toBe(2);
        expect(k.stderr).toContain("SWITCHYARD_PROMPT_HASH_KEY must be too");
        expect(existsSync(noKey)).toBe(false);
      });
    });
  },
);
