/**
 * End to end: the official `openai` client -> `wrangler dev` (what `npm run dev` runs, for hot
 * reload; `npm start` runs workerd itself, see npm-start-workerd.test.ts) -> two real backends
 * (node-llama-cpp serving stories260K under production ids). Everything here is real; nothing is
 * faked. With CI=true anything that cannot start fails the suite.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WRANGLER_QUIET_ENV } from "../../../infra/workerd/wrangler-env";
import { mintDevToken } from "../../scripts/token";
import { freePort, isCI, type Spawned, spawnLogged, waitForOk } from "../support/processes";

const ROOT = resolve(import.meta.dirname, "../../..");
const MODEL_FILE = resolve(
  process.env.SWITCHYARD_MODEL_DIR ?? resolve(ROOT, "../shared/models"),
  "stories260K.gguf",
);
const PRIMARY = "qwen2.5-7b-instruct"; // tier 2
const FALLBACK = "llama-3.1-8b-instruct"; // tier 3: PRIMARY's next larger model
const API_KEY = "sk-e2e-key";
const BACKEND_KEY = "backend-e2e-key";
const JWT_SECRET = "e2e-jwt-secret-0123456789abcdef0123";

const processes: Spawned[] = [];
let primary: Spawned | undefined;
let edgeUrl = "";
let tmp = "";
let ready = false;

async function startBackend(id: string): Promise<{ proc: Spawned; url: string }> {
  const port = await freePort();
  const proc = spawnLogged(
    "npm",
    [
      "run",
      "-s",
      "backend",
      "--",
      "--model",
      MODEL_FILE,
      "--id",
      id,
      "--port",
      String(port),
      "--threads",
      "1",
      "--api-key",
      BACKEND_KEY,
      "--skip-checksum",
    ],
    { cwd: ROOT },
  );
  processes.push(proc);
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}/ready`, proc, 90_000, { authorization: `Bearer ${BACKEND_KEY}` });
  return { proc, url };
}

beforeAll(async () => {
  const problem = !existsSync(MODEL_FILE)
    ? `model file ${MODEL_FILE} is missing`
    : !existsSync(resolve(ROOT, "backends/src/cli.ts"))
      ? "the backend (backends/src/cli.ts) is missing"
      : null;
  if (problem) {
    if (isCI()) throw new Error(`e2e: ${problem} (required when CI=true)`);
    console.warn(`\n!!! SKIPPING edge e2e tests: ${problem}\n`);
    return;
  }
  const [a, b] = await Promise.all([startBackend(PRIMARY), startBackend(FALLBACK)]);
  primary = a.proc;
  tmp = mkdtempSync(join(tmpdir(), "switchyard-e2e-"));
  const envFile = join(tmp, "edge.env");
  writeFileSync(
    envFile,
    [
      `SWITCHYARD_BACKENDS=${JSON.stringify({ [PRIMARY]: a.url, [FALLBACK]: b.url })}`,
      `SWITCHYARD_API_KEYS=${API_KEY}`,
      `SWITCHYARD_BACKEND_API_KEY=${BACKEND_KEY}`,
      `SWITCHYARD_JWT_SECRET=${JWT_SECRET}`,
      "SWITCHYARD_METRICS_TOKEN=e2e-metrics",
      "SWITCHYARD_PROMPT_HASH_KEY=e2e-prompt-hash",
      "SWITCHYARD_RATE_LIMIT_CAPACITY=1000",
      "SWITCHYARD_TTFT_BUDGET_MS=20000",
    ].join("\n"),
  );
  const port = await freePort();
  const inspector = await freePort();
  const edge = spawnLogged(
    "npx",
    [
      "wrangler",
      "dev",
      "--config",
      resolve(ROOT, "wrangler.toml"),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspector),
      "--env-file",
      envFile,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    { cwd: ROOT, env: { ...WRANGLER_QUIET_ENV, CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "true" } },
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

const client = (apiKey = API_KEY) =>
  new OpenAI({ apiKey, baseURL: `${edgeUrl}/v1`, maxRetries: 0, timeout: 60_000 });
const prompt = (text: string) => [{ role: "user" as const, content: text }];

describe("edge e2e: openai client -> wrangler dev -> real backends", () => {
  it("non-streaming chat completion (auto) names the answering model in headers and body", async (ctx) => {
    if (!ready) return ctx.skip();
    const { data, response } = await client()
      .chat.completions.create({
        model: "auto",
        messages: prompt("Once upon a time"),
        max_tokens: 24,
        temperature: 0,
      })
      .withResponse();
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect([PRIMARY, FALLBACK]).toContain(data.model);
    expect(response.headers.get("x-switchyard-model")).toBe(data.model);
    // The learned router runs in workerd: a classifier decision with a calibrated confidence.
    expect(response.headers.get("x-switchyard-route-reason")).toMatch(/^classifier:q=\d\.\d\d$/);
    expect(Number(response.headers.get("x-switchyard-route-confidence"))).toBeGreaterThan(0);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect((data as unknown as { switchyard: { model: string } }).switchyard.model).toBe(data.model);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("streaming chat completion with include_usage", async (ctx) => {
    if (!ready) return ctx.skip();
    const stream = await client().chat.completions.create({
      model: PRIMARY,
      messages: prompt("Lily went to the park"),
      max_tokens: 24,
      stream: true,
      stream_options: { include_usage: true },
      seed: 1,
    });
    let text = "";
    let last: (typeof stream extends AsyncIterable<infer T> ? T : never) | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      last = chunk;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finish).toMatch(/stop|length/);
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
    expect((last as unknown as { switchyard: { model: string; cache: string } }).switchyard).toMatchObject({
      model: PRIMARY,
      cache: "MISS",
    });
  });

  it("an identical request is a cache HIT, also replayed as a stream", async (ctx) => {
    if (!ready) return ctx.skip();
    const body = { model: PRIMARY, messages: prompt("A cat sat on the mat"), max_tokens: 16, temperature: 0 };
    const first = await client().chat.completions.create(body).withResponse();
    expect(first.response.headers.get("x-switchyard-cache")).toBe("MISS");
    await new Promise((r) => setTimeout(r, 200));
    const second = await client().chat.completions.create(body).withResponse();
    expect(second.response.headers.get("x-switchyard-cache")).toBe("HIT");
    expect(second.data.choices[0]?.message.content).toBe(first.data.choices[0]?.message.content);
    let replay = "";
    for await (const chunk of await client().chat.completions.create({ ...body, stream: true }))
      replay += chunk.choices[0]?.delta?.content ?? "";
    expect(replay).toBe(first.data.choices[0]?.message.content);
  });

  it("lists the roster plus auto, accepts a dev JWT, rejects a bad key", async (ctx) => {
    if (!ready) return ctx.skip();
    const ids = [];
    for await (const m of client().models.list()) ids.push(m.id);
    expect(ids).toEqual(["auto", PRIMARY, FALLBACK]);
    const token = await mintDevToken({ sub: "alice", secret: JWT_SECRET });
    const viaJwt = await client(token).chat.completions.create({
      model: FALLBACK,
      messages: prompt("Hello"),
      max_tokens: 8,
    });
    expect(viaJwt.model).toBe(FALLBACK);
    await expect(client("sk-wrong").models.list()).rejects.toMatchObject({ status: 401 });
    await expect(
      client().chat.completions.create({ model: "gpt-9", messages: prompt("x") }),
    ).rejects.toMatchObject({ status: 404, code: "model_not_found" });
  });

  it("POST /generate streams SSE", async (ctx) => {
    if (!ready) return ctx.skip();
    const res = await fetch(`${edgeUrl}/generate`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "Once upon a time", model: PRIMARY, max_tokens: 16, stream: true }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"text":');
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("a backend that goes away: 503 naming it, or the next larger model when the client opts in", async (ctx) => {
    if (!ready) return ctx.skip();
    await primary?.stop();
    await expect(
      client().chat.completions.create({ model: PRIMARY, messages: prompt("The dog ran"), max_tokens: 16 }),
    ).rejects.toMatchObject({ status: 503, code: "model_unavailable", param: "model" });
    const { data, response } = await client()
      .chat.completions.create(
        { model: PRIMARY, messages: prompt("The dog ran"), max_tokens: 16 },
        { headers: { "x-switchyard-fallback": "true" } },
      )
      .withResponse();
    expect(data.model).toBe(FALLBACK);
    expect(response.headers.get("x-switchyard-model")).toBe(FALLBACK);
    expect((data as unknown as { switchyard: { fallback_from: string[] } }).switchyard.fallback_from).toEqual(
      [PRIMARY],
    );
  });
});
