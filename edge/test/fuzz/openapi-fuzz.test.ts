/**
 * Property-based fuzzing of the live edge against its own OpenAPI document: schemathesis (PyPI,
 * edge/test/fuzz/requirements.txt) reads the generated docs/openapi.json and sends schema-valid
 * and schema-invalid requests to `wrangler dev` (the real Worker in workerd) in front of two real
 * node-llama-cpp backends. It checks every response against the document (status, content type,
 * headers, body and each SSE event), that valid requests are accepted, invalid ones refused, no
 * 5xx, 405 for unlisted methods and 401 without credentials. Bounded: a fixed seed and a fixed
 * number of examples per operation, so it reads whatever operations the document lists.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPENAPI_PATH } from "../../scripts/openapi";
import { freePort, isCI, type Spawned, spawnLogged, waitForOk } from "../support/processes";

const ROOT = resolve(import.meta.dirname, "../../..");
const MODEL_FILE = resolve(
  process.env.SWITCHYARD_MODEL_DIR ?? resolve(ROOT, "../shared/models"),
  "llama-2-tiny-random.gguf",
);
const MODELS = ["qwen2.5-7b-instruct", "llama-3.1-8b-instruct"];
// One bearer token for the API and /metrics, so every operation is reachable with one header.
const API_KEY = "sk-fuzz-key";
const BACKEND_KEY = "backend-fuzz-key";
/** The fuzz backends stop after this many tokens (see switchyard_fuzz_hooks.py). */
const TOKEN_CAP = 8;
const EXAMPLES_PER_OPERATION = 40;
const SEED = 20261201;

const processes: Spawned[] = [];
let edgeUrl = "";
let tmp = "";
let ready = false;

/** infra/local/install.sh puts the Python packages in classifier/.venv where python3 refuses pip. */
const VENV_PYTHON = resolve(ROOT, "classifier/.venv/bin/python");
const PYTHON = existsSync(VENV_PYTHON) ? VENV_PYTHON : "python3";

const schemathesisVersion = (): string | null => {
  const r = spawnSync(PYTHON, ["-m", "schemathesis.cli", "--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
};

async function startBackend(id: string): Promise<string> {
  const port = await freePort();
  const proc = spawnLogged(
    "npm",
    [
      ...["run", "-s", "backend", "--", "--model", MODEL_FILE, "--id", id, "--port", String(port)],
      ...["--threads", "1", "--api-key", BACKEND_KEY, "--skip-checksum"],
      ...["--context-size", "4096", "--max-tokens-cap", String(TOKEN_CAP)],
    ],
    { cwd: ROOT },
  );
  processes.push(proc);
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}/ready`, proc, 90_000, { authorization: `Bearer ${BACKEND_KEY}` });
  return url;
}

beforeAll(async () => {
  const problem = !existsSync(MODEL_FILE)
    ? `model file ${MODEL_FILE} is missing`
    : !schemathesisVersion()
      ? "schemathesis is not installed (bash infra/local/install.sh, or pip install -r edge/test/fuzz/requirements.txt)"
      : !existsSync(resolve(ROOT, "web/dist"))
        ? "web/dist is missing (npm run build:web)"
        : null;
  if (problem) {
    if (isCI()) throw new Error(`openapi fuzz: ${problem} (required when CI=true)`);
    console.warn(`\n!!! SKIPPING the OpenAPI fuzz run: ${problem}\n`);
    return;
  }
  const urls = await Promise.all(MODELS.map(startBackend));
  tmp = mkdtempSync(join(tmpdir(), "switchyard-fuzz-"));
  const envFile = join(tmp, "edge.env");
  writeFileSync(
    envFile,
    [
      `SWITCHYARD_BACKENDS=${JSON.stringify(Object.fromEntries(MODELS.map((m, i) => [m, urls[i]])))}`,
      `SWITCHYARD_API_KEYS=${API_KEY}`,
      `SWITCHYARD_BACKEND_API_KEY=${BACKEND_KEY}`,
      `SWITCHYARD_METRICS_TOKEN=${API_KEY}`,
      "SWITCHYARD_PROMPT_HASH_KEY=fuzz-prompt-hash",
      "SWITCHYARD_RATE_LIMIT_CAPACITY=100000",
      "SWITCHYARD_TTFT_BUDGET_MS=20000",
    ].join("\n"),
  );
  const port = await freePort();
  const inspector = await freePort();
  const edge = spawnLogged(
    "npx",
    [
      ...["wrangler", "dev", "--config", resolve(ROOT, "wrangler.toml"), "--ip", "127.0.0.1"],
      ...["--port", String(port), "--inspector-port", String(inspector), "--env-file", envFile],
      ...["--persist-to", join(tmp, "state"), "--show-interactive-dev-session=false", "--log-level", "warn"],
    ],
    { cwd: ROOT, env: { WRANGLER_SEND_METRICS: "false" } },
  );
  processes.push(edge);
  edgeUrl = `http://127.0.0.1:${port}`;
  await waitForOk(`${edgeUrl}/health`, edge, 120_000);
  ready = true;
}, 240_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** One schemathesis run over the generated document; fails the test on any finding. */
function schemathesis(name: string, extra: string[]) {
  const doc = JSON.parse(readFileSync(OPENAPI_PATH, "utf8")) as {
    components: { schemas: { ChatCompletionRequest: { properties: { max_tokens: unknown } } } };
  };
  const maxTokens = /"maximum":(\d+)/.exec(
    JSON.stringify(doc.components.schemas.ChatCompletionRequest.properties.max_tokens),
  )?.[1];
  expect(maxTokens).toBeDefined();
  const junit = join(tmp, `${name}.junit.xml`);
  const args = [
    ...["run", OPENAPI_PATH, "--url", edgeUrl, "--header", `Authorization: Bearer ${API_KEY}`],
    ...["--checks", "all", "--exclude-checks", "object_level_authorization"],
    ...["--max-examples", String(EXAMPLES_PER_OPERATION), "--seed", String(SEED)],
    ...["--workers", "2", "--request-timeout", "60", "--continue-on-failure", "--no-color"],
    ...["--report", "junit", "--report-junit-path", junit],
    ...extra,
  ];
  const run = spawnSync(PYTHON, ["-m", "schemathesis.cli", ...args], {
    cwd: tmp, // schemathesis keeps a cache folder in its working directory
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      SCHEMATHESIS_HOOKS: "switchyard_fuzz_hooks",
      PYTHONPATH: import.meta.dirname,
      SWITCHYARD_FUZZ_MAX_TOKENS: maxTokens,
      SWITCHYARD_FUZZ_TOKEN_CAP: String(TOKEN_CAP),
    },
  });
  const output = `${run.stdout}\n${run.stderr}`;
  // Kept after the run (the temporary folder is not): the whole report, for reading failures.
  const log = join(tmpdir(), `switchyard-openapi-fuzz-${name}.log`);
  writeFileSync(log, output);
  const summary = /^=+ (.*) in [\d.]+s =+$/m.exec(output)?.[1] ?? "(no summary)";
  console.log(`schemathesis ${name}: ${summary}`);
  // The report names every operation tested; an empty run would prove nothing.
  const report = existsSync(junit) ? readFileSync(junit, "utf8") : "";
  expect(report, output).toMatch(/<testcase /);
  const section = (heading: string, end: string) => {
    const from = output.indexOf(`= ${heading} =`);
    return from < 0 ? "" : output.slice(from, output.indexOf(`= ${end} =`, from) >>> 0).slice(0, 12_000);
  };
  expect(
    run.status,
    `full report: ${log}\n${section("FAILURES", "SUMMARY")}\n${section("ERRORS", "FAILURES")}`,
  ).toBe(0);
  // Warnings (e.g. "an operation mostly answered 404") are about coverage, not findings.
  expect(summary).toMatch(/^(No issues found|\d+ warnings?)$/);
}

describe("docs/openapi.json against the live edge (schemathesis)", () => {
  it("random valid and invalid requests (fuzzing, stateful): no 5xx, no schema violation, no wrong verdict", (ctx) => {
    if (!ready) return ctx.skip();
    // The examples phase would only replay the document's one `example`; schemathesis 4.32
    // crashes in it on this document (a Hypothesis FlakyFailure inside example extraction).
    schemathesis("fuzzing", ["--phases", "fuzzing,stateful"]);
  }, 600_000);

  it("boundary values of every field (coverage): the same checks", (ctx) => {
    if (!ready) return ctx.skip();
    // Chat completions is left out of this phase only: generating its negative boundary cases
    // crashes schemathesis 4.32 on CPython 3.11 ("AST constructor recursion depth mismatch").
    schemathesis("coverage", ["--phases", "coverage", "--exclude-path", "/v1/chat/completions"]);
  }, 600_000);
});
