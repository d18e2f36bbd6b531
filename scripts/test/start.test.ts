/**
 * `npm start` the way a new user meets it: a bad setting stops it naming the variable; the
 * user's own keys from the environment work (and switch the dev-token endpoint off); generated
 * credentials print a pasteable `export KEY=...` and switch it on. The edge runs for real in
 * front of a real backend serving a production id on its dev stand-in, SmolLM2, which answers
 * a factual question at temperature 0 through the edge and in the chat app (Chromium).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, launch, type Started, stop, waitForUrl } from "../../web/e2e/processes";

const ROOT = resolve(import.meta.dirname, "../..");
const TSX_LOADER = join(ROOT, "node_modules", "tsx", "dist", "loader.mjs");
const MODEL_DIR = process.env.SWITCHYARD_MODEL_DIR ?? resolve(ROOT, "../shared/models");
const SMOLLM2 = join(MODEL_DIR, "SmolLM2-135M-Instruct.Q4_1.gguf");
const WEB_DIST = join(ROOT, "web", "dist", "index.html");
const MODEL = "qwen2.5-7b-instruct";
const PARIS = "What is the capital of France? Answer in one sentence.";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const missing = !existsSync(SMOLLM2)
  ? `no SmolLM2 at ${SMOLLM2} (npm run models -- pull smollm2-135m-instruct)`
  : !existsSync(WEB_DIST)
    ? "web/dist is not built (npm run build:web; npm test does it first)"
    : null;
if (missing && process.env.CI !== "true") console.warn(`\n!!! npm start tests SKIPPED: ${missing}\n`);

/** This machine's environment without any Switchyard setting or shared service. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_ENV;
  for (const key of Object.keys(env))
    if (/^(SWITCHYARD_|UPSTASH_REDIS_REST_|DATABASE_URL$|OTEL_EXPORTER_OTLP_ENDPOINT$)/.test(key))
      delete env[key];
  return { ...env, ...extra };
}

const startArgs = (port: number, dir: string) => [
  "--import",
  TSX_LOADER,
  "scripts/start.ts",
  "--port",
  String(port),
  "--dev-vars",
  join(dir, "dev.vars"),
  "--persist-to",
  join(dir, "state"),
];

const chat = (edge: string, credential: string, content = PARIS) =>
  fetch(`${edge}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "auto",
      temperature: 0,
      max_tokens: 32,
      messages: [{ role: "user", content }],
    }),
  });

describe.skipIf(missing !== null && process.env.CI !== "true")("npm start", () => {
  let dir: string;
  let backend: Started;
  let backends: string;
  const stacks: Started[] = [];
  /** The stack with generated credentials, kept up for the chat app. */
  let generated: { edge: string; key: string } | undefined;

  beforeAll(async () => {
    if (missing) throw new Error(`npm start tests cannot run: ${missing}`);
    dir = mkdtempSync(join(tmpdir(), "switchyard-start-"));
    const port = await freePort();
    // The id's catalogue stand-in (--dev): SmolLM2, the real chat model npm start serves.
    backend = launch(
      "backend",
      process.execPath,
      [
        "--import",
        TSX_LOADER,
        "backends/src/cli.ts",
        "--model",
        MODEL,
        "--dev",
        "--port",
        String(port),
        "--threads",
        "1",
        "--context-size",
        "2048",
      ],
      { cwd: ROOT, env: cleanEnv({ SWITCHYARD_MODEL_DIR: MODEL_DIR }) },
    );
    await waitForUrl(`http://127.0.0.1:${port}/ready`, 240_000, backend);
    backends = JSON.stringify({ [MODEL]: `http://127.0.0.1:${port}` });
  });

  afterAll(async () => {
    await Promise.all([...stacks, backend].filter(Boolean).map((s) => stop(s)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a bad setting before starting anything, naming the variable and the reason", () => {
    const sub = mkdtempSync(join(dir, "bad-"));
    const res = spawnSync(process.execPath, startArgs(19_699, sub), {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
      env: cleanEnv({ SWITCHYARD_BACKENDS: backends, SWITCHYARD_RATE_LIMIT_CAPACITY: "0" }),
    });
    expect(res.status, res.stdout + res.stderr).toBe(1);
    expect(res.stdout).toMatch(/SWITCHYARD_RATE_LIMIT_CAPACITY: .*>=1/);
    expect(res.stdout).toContain("nothing was started");
    // Nothing generated either: a key printed for a stack that never ran would be lost.
    expect(existsSync(join(sub, "dev.vars"))).toBe(false);
  });

  it("works with the user's own API key from the environment; no dev-token endpoint then", async () => {
    const sub = mkdtempSync(join(dir, "own-"));
    const port = await freePort();
    const key = "sk-my-own-key-0123456789";
    // Only an API key: no JWT secret (this used to turn every request into a 500).
    const stack = launch("npm start (own key)", process.execPath, startArgs(port, sub), {
      cwd: ROOT,
      env: cleanEnv({ SWITCHYARD_BACKENDS: backends, SWITCHYARD_API_KEYS: key }),
    });
    stacks.push(stack);
    const edge = `http://127.0.0.1:${port}`;
    await waitForUrl(`${edge}/health`, 240_000, stack);
    expect(stack.tail()).toContain(
      "dev token endpoint (POST /dev/token): off (credentials come from the environment)",
    );

    const devToken = await fetch(`${edge}/dev/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sub: "mallory" }),
    });
    expect(devToken.status).toBe(404);
    expect((await chat(edge, "sk-wrong")).status).toBe(401);

    const res = await chat(edge, key);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(MODEL);
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toMatch(/Paris/);
    // The user's key is not written anywhere.
    expect(readFileSync(join(sub, "dev.vars"), "utf8")).not.toContain("SWITCHYARD_API_KEYS");
    await stop(stack);
  });

  it("generates credentials when there are none: prints export KEY=..., and the dev-token sign-in works", async () => {
    const sub = mkdtempSync(join(dir, "gen-"));
    const port = await freePort();
    const stack = launch("npm start (generated)", process.execPath, startArgs(port, sub), {
      cwd: ROOT,
      env: cleanEnv({ SWITCHYARD_BACKENDS: backends }),
    });
    stacks.push(stack);
    const edge = `http://127.0.0.1:${port}`;
    await waitForUrl(`${edge}/health`, 240_000, stack);
    const printed = await (async () => {
      for (let i = 0; i < 50 && !/export KEY=/.test(stack.tail()); i++)
        await new Promise((r) => setTimeout(r, 100));
      return stack.tail();
    })();
    const key = /export KEY=(sk-dev-[0-9a-f]+)$/m.exec(printed)?.[1];
    expect(key, printed).toBeDefined();
    expect(printed).toContain(
      "dev token endpoint (POST /dev/token): on (development credentials generated by npm start)",
    );

    // The pasted line works as printed: $KEY in the curl line is that key.
    const curl = spawnSync(
      "bash",
      [
        "-c",
        `export KEY=${key}; curl -s -o /dev/null -w '%{http_code}' ${edge}/v1/models -H "Authorization: Bearer $KEY"`,
      ],
      { encoding: "utf8" },
    );
    expect(curl.stdout).toBe("200");

    const minted = await fetch(`${edge}/dev/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sub: "alice" }),
    });
    expect(minted.status).toBe(200);
    const { token } = (await minted.json()) as { token: string };
    expect((await fetch(`${edge}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    // Only the key's hash is stored.
    const stored = readFileSync(join(sub, "dev.vars"), "utf8");
    expect(stored).toMatch(/^SWITCHYARD_API_KEYS=dev:[0-9a-f]{64}$/m);
    expect(stored).not.toContain(key ?? "-");
    generated = { edge, key: key ?? "" };
  });

  it.skipIf(!existsSync(CHROMIUM) && process.env.CI !== "true")(
    "the chat app, signed in with that key, answers the factual question (Chromium)",
    async () => {
      expect(generated, "needs the stack of the previous test").toBeDefined();
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu"],
      });
      try {
        const page = await browser.newPage();
        page.setDefaultTimeout(60_000);
        await page.goto(generated?.edge ?? "");
        await page.getByLabel("API key or token").fill(generated?.key ?? "");
        await page.getByRole("button", { name: "Sign in", exact: true }).click();
        await page.getByRole("button", { name: "Settings" }).click();
        await page.getByLabel(/Temperature/).fill("0");
        await page.getByRole("button", { name: "Settings" }).click();
        await page.getByRole("textbox", { name: "Message" }).fill(PARIS);
        await page.getByRole("textbox", { name: "Message" }).press("Enter");
        const reply = page.getByTestId("assistant-message").last();
        await expect.poll(() => reply.getAttribute("data-status"), { timeout: 60_000 }).toBe("done");
        expect(await reply.getByTestId("reply-text").textContent()).toMatch(/Paris/);
      } finally {
        await browser.close();
      }
    },
  );
});
