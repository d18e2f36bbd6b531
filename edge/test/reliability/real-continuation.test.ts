/**
 * Mid-stream continuation on a real backend: a fault-injecting fake starts the answer a real
 * node-llama-cpp backend (stories260K, greedy) would give, then cuts the connection; the edge
 * continues on the real backend with the delivered text as an assistant prefill. The client must
 * get one answer that follows the model's own greedy path: nothing lost, nothing repeated.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeBackend, startFakeBackend } from "../support/fake-backend";
import { chatText, createTestEdge, readSse } from "../support/harness";
import { freePort, isCI, type Spawned, spawnLogged, waitForOk } from "../support/processes";

const ROOT = resolve(import.meta.dirname, "../../..");
const MODEL_FILE = resolve(
  process.env.SWITCHYARD_MODEL_DIR ?? resolve(ROOT, "../shared/models"),
  "stories260K.gguf",
);
const A = "codegemma-7b"; // the fake that breaks
const B = "qwen2.5-7b-instruct"; // the real backend that continues
const BACKEND_KEY = "backend-continuation-key";
const PROMPT = { role: "user", content: "Once upon a time" };

const missing = existsSync(MODEL_FILE) ? null : `model file ${MODEL_FILE} is missing`;
if (missing) {
  if (isCI()) throw new Error(`real continuation test: ${missing} (required when CI=true)`);
  console.warn(`\n!!! SKIPPING real continuation test: ${missing}\n`);
}

describe.skipIf(missing !== null)("continuation on a real node-llama-cpp backend", () => {
  let backend: Spawned;
  let url = "";
  let fake: FakeBackend;
  beforeAll(async () => {
    const port = await freePort();
    backend = spawnLogged(
      "npm",
      ["run", "-s", "backend", "--", "--model", MODEL_FILE, "--id", B, "--port", String(port)].concat([
        "--threads",
        "1",
        "--api-key",
        BACKEND_KEY,
        "--skip-checksum",
      ]),
      { cwd: ROOT },
    );
    url = `http://127.0.0.1:${port}`;
    await waitForOk(`${url}/ready`, backend, 90_000, { authorization: `Bearer ${BACKEND_KEY}` });
    fake = await startFakeBackend();
  }, 120_000);
  afterAll(async () => {
    await fake?.close();
    await backend?.stop();
  });

  it("a stream cut after five words is finished by the real model along its own greedy path", async () => {
    // What the real model answers when nothing breaks.
    const direct = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${BACKEND_KEY}` },
      body: JSON.stringify({ model: B, messages: [PROMPT], max_tokens: 40, temperature: 0 }),
    });
    const whole = ((await direct.json()) as { choices: { message: { content: string } }[] }).choices[0]
      ?.message.content as string;
    const words = whole.match(/\s*\S+/g) ?? [];
    expect(words.length).toBeGreaterThan(8);
    const prefix = words.slice(0, 5).join("");

    fake.behave({ kind: "fail-mid-stream", after: 5, how: "cut", tokens: words });
    const edge = createTestEdge({
      SWITCHYARD_BACKENDS: JSON.stringify({ [A]: fake.url, [B]: url }),
      SWITCHYARD_BACKEND_API_KEY: BACKEND_KEY,
      SWITCHYARD_CACHE_TTL_SECONDS: "0",
      SWITCHYARD_HEDGE_DELAY_MS: "off",
    });
    const res = await edge.post(
      "/v1/chat/completions",
      {
        model: A,
        messages: [PROMPT],
        max_tokens: 40,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      },
      { headers: { "x-switchyard-fallback": "true" } },
    );
    expect(res.status).toBe(200);
    const sse = await readSse(res);
    expect(sse.done).toBe(true);
    const text = chatText(sse.events);
    // The prefix once, then the model's own continuation: the greedy answer, or a longer one.
    expect(text.startsWith(prefix)).toBe(true);
    expect(text.slice(prefix.length).startsWith(words[5] as string)).toBe(true);
    expect(whole.startsWith(text) || text.startsWith(whole)).toBe(true);
    const final = sse.events.at(-1) as {
      usage: { prompt_tokens: number; completion_tokens: number };
      switchyard: { model: string; fallback_from: string[]; continued_after: string };
    };
    expect(final.switchyard).toMatchObject({
      model: B,
      fallback_from: [A],
      continued_after: "network_error",
    });
    // The prefill counts as completion: the prompt is the user's alone, as for the direct answer.
    const directUsage = (
      (await (
        await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${BACKEND_KEY}` },
          body: JSON.stringify({ model: B, messages: [PROMPT], max_tokens: 1, temperature: 0 }),
        })
      ).json()) as { usage: { prompt_tokens: number } }
    ).usage;
    expect(final.usage.prompt_tokens).toBe(directUsage.prompt_tokens);
    expect(final.usage.completion_tokens).toBeGreaterThan(5);
  });
});
