import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../src/collect.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const MODEL = resolve(
  process.env.SWITCHYARD_MODEL_DIR ?? resolve(ROOT, "..", "shared", "models"),
  "stories260K.gguf",
);
const haveModel = existsSync(MODEL);
if (!haveModel) {
  console.warn(`\n!!! collect/label end-to-end test SKIPPED: ${MODEL} not found (fails when CI=true) !!!\n`);
}

/** Starts a real backend (node-llama-cpp, 1 thread) serving the tiny GGUF under a roster id on an ephemeral port. */
async function startBackend(id: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "backends/src/cli.ts",
      "--model",
      MODEL,
      "--id",
      id,
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

/** The real CLI, spawned asynchronously: the stand-in judge below lives in this process's event loop. */
function router(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const proc = spawn("npm", ["run", "-s", "router", "--", ...args], { cwd: ROOT });
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
  "collect + label on the local stack (tiny real models)",
  { timeout: 300_000 },
  () => {
    const backends: { proc: ChildProcess; url: string }[] = [];
    let judge: Server;
    let judgeUrl = "";
    let judgeCalls = 0;
    let dir: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "router-collect-"));
      backends.push(
        await startBackend("gemma-2-9b-it"),
        await startBackend("llama-3.1-nemotron-51b-instruct"),
      );
      // A stand-in judge (a capable grader LLM cannot run here): answers with the rubric's SCORE line.
      judge = createServer((req, res) => {
        let body = "";
        req.on("data", (c) => {
          body += c;
        });
        req.on("end", () => {
          judgeCalls++;
          const prompt = JSON.parse(body).messages[0].content as string;
          const score = prompt.includes("Answer:\n\n") ? 0 : 7;
          res.setHeader("content-type", "application/json");
          res.end(
            JSON.stringify({ choices: [{ message: { role: "assistant", content: `SCORE: ${score}` } }] }),
          );
        });
      });
      await new Promise<void>((r) => judge.listen(0, "127.0.0.1", r));
      const addr = judge.address();
      judgeUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    }, 300_000);

    afterAll(async () => {
      for (const b of backends) b.proc.kill("SIGTERM");
      judge?.close();
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
      const c = await router([
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
      ]);
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
        judgeUrl,
        "--judge-model",
        "judge",
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
      expect(Object.values(byId.chat.label_method)).toEqual(["judge", "judge"]);
      expect(Object.values(byId.chat.scores)).toEqual([0.7, 0.7]);
      expect(judgeCalls).toBe(2);
    });
  },
);
