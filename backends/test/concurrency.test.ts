import { afterEach, describe, expect, it } from "vitest";
import { createBackendServer } from "../src/server.js";
import {
  MODEL_DIR,
  metricValue,
  modelsPresent,
  postJson,
  readSse,
  startTestServer,
  type TestServer,
  waitFor,
} from "./helpers.js";

const LONG = { prompt: "Once upon a time", max_tokens: 400, temperature: 0, stream: true };

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const metrics = async (url: string) => (await fetch(`${url}/metrics`)).text();

describe.skipIf(!modelsPresent)("concurrency, backpressure, disconnects, readiness", () => {
  it("two streams progress together (interleaved chunks, one context, two sequences)", async () => {
    t = await startTestServer({ parallel: 2 });
    const body = { ...LONG, max_tokens: 200 };
    const started = performance.now();
    const [a, b] = await Promise.all([
      postJson(`${t.url}/v1/completions`, body).then(async (r) => ({
        offset: performance.now() - started,
        messages: await readSse(r),
      })),
      postJson(`${t.url}/v1/completions`, body).then(async (r) => ({
        offset: performance.now() - started,
        messages: await readSse(r),
      })),
    ]);
    const times = (s: typeof a) => s.messages.map((m) => m.at + s.offset);
    const timeline = [
      ...times(a).map((at) => ({ at, s: "a" })),
      ...times(b).map((at) => ({ at, s: "b" })),
    ].sort((x, y) => x.at - y.at);
    let switches = 0;
    for (let i = 1; i < timeline.length; i++) if (timeline[i]?.s !== timeline[i - 1]?.s) switches++;
    // Sequential streams would switch once; batched ones alternate all the way through.
    expect(switches).toBeGreaterThan(20);
    expect(Math.max(...times(a).slice(0, 1), ...times(b).slice(0, 1))).toBeLessThan(
      Math.min(times(a).at(-1) ?? 0, times(b).at(-1) ?? 0),
    );
    expect(a.messages.at(-1)?.data).toBe("[DONE]");
    expect(b.messages.at(-1)?.data).toBe("[DONE]");
  });

  it("a client disconnect aborts generation and frees the slot for the next request", async () => {
    t = await startTestServer({ parallel: 1, queueSize: 0 });
    const controller = new AbortController();
    const response = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({
        messages: [{ role: "user", content: "Once upon a time" }],
        max_tokens: 450,
        temperature: 0,
        stream: true,
      }),
      signal: controller.signal,
    });
    let chunks = 0;
    await readSse(response, () => ++chunks === 3).catch(() => {});
    expect(t.server.runtime.stats.busy).toBe(1);
    controller.abort();
    const url = t.url;
    await waitFor(async () => metricValue(await metrics(url), "switchyard_backend_busy_slots") === 0, 5_000);
    const text = await metrics(url);
    expect(
      metricValue(text, "switchyard_backend_errors_total", {
        endpoint: "/v1/chat/completions",
        kind: "client_closed_request",
      }),
    ).toBe(1);
    // The aborted stream stopped early: far fewer than 450 tokens were counted.
    expect(
      metricValue(text, "switchyard_backend_generated_tokens_total", { endpoint: "/v1/chat/completions" }) ??
        0,
    ).toBeLessThan(450);
    const next = await postJson(`${t.url}/generate`, { prompt: "Once upon a time", max_tokens: 8 });
    expect(next.status).toBe(200);
    expect(((await next.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(8);
  });

  it("a full queue answers 429 with Retry-After and /ready reports saturation", async () => {
    t = await startTestServer({ parallel: 1, queueSize: 1 });
    const url = t.url;
    const runtime = t.server.runtime;
    const first = postJson(`${url}/generate`, LONG);
    await waitFor(() => runtime.stats.busy === 1);
    const queued = postJson(`${url}/generate`, { ...LONG, max_tokens: 5 });
    await waitFor(() => runtime.stats.waiting === 1);
    expect((await fetch(`${url}/ready`)).status).toBe(503);
    expect(metricValue(await metrics(url), "switchyard_backend_queue_depth")).toBe(1);
    const rejected = await postJson(`${url}/v1/completions`, { prompt: "hi", max_tokens: 4 });
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get("retry-after")).toBe("1");
    expect(await rejected.json()).toMatchObject({ error: { code: "queue_full", type: "rate_limit_error" } });
    const [a, b] = await Promise.all([first.then((r) => readSse(r)), queued.then((r) => readSse(r))]);
    expect(a.at(-1)?.event).toBe("done");
    expect(b.at(-1)?.event).toBe("done");
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(
      metricValue(await metrics(url), "switchyard_backend_errors_total", {
        endpoint: "/v1/completions",
        kind: "queue_full",
      }),
    ).toBe(1);
  });

  it("per-request timeout: 504 before streaming, in-band error (no [DONE]) mid-stream", async () => {
    t = await startTestServer({ parallel: 1, timeoutMs: 150 });
    const plain = await postJson(`${t.url}/v1/completions`, {
      prompt: "Once upon a time",
      max_tokens: 450,
      temperature: 0,
    });
    expect(plain.status).toBe(504);
    expect(await plain.json()).toMatchObject({ error: { code: "timeout" } });
    const messages = await readSse(
      await postJson(`${t.url}/v1/completions`, {
        prompt: "Once upon a time",
        max_tokens: 450,
        temperature: 0,
        stream: true,
      }),
    );
    expect(messages.some((m) => m.data === "[DONE]")).toBe(false);
    expect(JSON.parse(messages.at(-1)?.data ?? "{}")).toMatchObject({
      error: { code: "timeout", type: "timeout_error" },
    });
    await waitFor(() => t?.server.runtime.stats.busy === 0);
  });

  it("readiness: 503 while loading, 200 when loaded, 503 while draining", async () => {
    const server = createBackendServer(
      { model: "stories260k", modelDir: MODEL_DIR, port: 0, threads: 1, contextSize: 512 },
      { logger: { log: () => {} } },
    );
    const { url } = await server.listen();
    try {
      const loading = await fetch(`${url}/ready`);
      expect(loading.status).toBe(503);
      expect(await loading.json()).toMatchObject({ status: "loading" });
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const early = await postJson(`${url}/generate`, { prompt: "hi", max_tokens: 2 });
      expect(early.status).toBe(503);
      expect(early.headers.get("retry-after")).toBe("1");
      expect(await early.json()).toMatchObject({ error: { code: "model_loading" } });
      await server.load();
      expect((await fetch(`${url}/ready`)).status).toBe(200);
      const inFlight = postJson(`${url}/generate`, { ...LONG, max_tokens: 300 });
      await waitFor(() => server.runtime.stats.busy === 1);
      const closing = server.close();
      // The listener is closed now; the app itself still answers (as a kept-alive connection would).
      const draining = await server.app.request("/ready");
      expect(draining.status).toBe(503);
      expect(await draining.json()).toMatchObject({ status: "draining" });
      const refused = await server.app.request("/generate", {
        method: "POST",
        body: JSON.stringify({ prompt: "hi", max_tokens: 2 }),
      });
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: { code: "shutting_down" } });
      const finished = await readSse(await inFlight);
      expect(finished.at(-1)?.event).toBe("done");
      await closing;
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      await server.close();
    }
  });
});
