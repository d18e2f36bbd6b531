import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  metricValue,
  modelsPresent,
  postJson,
  readSse,
  startTestServer,
  type TestServer,
} from "./helpers.js";
import { hmacPromptHash, promptHashText } from "../../vocabulary/prompt-hash.js";

// Words that cannot occur in the log's random ids and hex hashes (a 4-digit PIN could, by chance).
const SECRET_PROMPT = "Once upon a time my bank password was zebra-quokka";
const API_KEY = "test-backend-key-0123456789";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN = "00f067aa0ba902b7";

const promtool = spawnSync("promtool", ["--version"]).status === 0;
if (!promtool) {
  if (process.env.CI === "true")
    throw new Error("promtool not found: install the Debian package prometheus (.ci/apt-packages.txt)");
  console.warn("\n!!! SKIPPING promtool check: promtool not installed (apt-get install prometheus)\n");
}

describe.skipIf(!modelsPresent)("metrics, traces, logs, API key", () => {
  let t: TestServer;
  const spans = new InMemorySpanExporter();
  const auth = { authorization: `Bearer ${API_KEY}` };
  beforeAll(async () => {
    t = await startTestServer({ apiKey: API_KEY, promptHashKey: "hash-key" }, { spanExporter: spans });
  });
  afterAll(() => t?.close());

  it("requires the API key everywhere except /health", async () => {
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    for (const path of ["/ready", "/v1/models", "/metrics"]) {
      const response = await fetch(`${t.url}${path}`);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({
        error: { code: "unauthorized", type: "authentication_error" },
      });
    }
    const wrong = await postJson(
      `${t.url}/generate`,
      { prompt: "hi" },
      { headers: { authorization: "Bearer nope" } },
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { message: "invalid API key" } });
    expect(
      (
        await postJson(
          `${t.url}/generate`,
          { prompt: "hi", max_tokens: 2 },
          { headers: { authorization: API_KEY } },
        )
      ).status,
    ).toBe(401);
    expect((await fetch(`${t.url}/ready`, { headers: auth })).status).toBe(200);
  });

  it("continues an incoming traceparent and logs one line per request without the prompt", async () => {
    spans.reset();
    const response = await postJson(
      `${t.url}/generate`,
      { prompt: SECRET_PROMPT, max_tokens: 6, stream: true },
      { headers: { ...auth, traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01` } },
    );
    expect((await readSse(response)).at(-1)?.event).toBe("done");
    await new Promise((r) => setTimeout(r, 50));
    const span = spans.getFinishedSpans().find((s) => s.name === "POST /generate");
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_SPAN);
    expect(span?.attributes["gen_ai.usage.output_tokens"]).toBe(6);
    const line = t.logs.find(
      (l) => l.msg === "request" && l.route === "/generate" && l.trace_id === TRACE_ID,
    );
    expect(line).toMatchObject({
      status: 200,
      model: "stories260k",
      completion_tokens: 6,
      finish_reason: "length",
      stream: true,
    });
    expect(line?.request_id).toEqual(expect.any(String));
    expect(line?.ttft_ms).toBeGreaterThan(0);
    // The shared prompt hash: the edge logs the same value for the same prompt and key.
    expect(line?.prompt_hash).toBe(await hmacPromptHash("hash-key", promptHashText({ prompt: SECRET_PROMPT })));
    const everything = JSON.stringify(t.logs);
    expect(everything).not.toContain("password");
    expect(everything).not.toContain("zebra-quokka");
  });

  it("exposes the metrics with bounded labels, and promtool accepts them", async () => {
    await postJson(
      `${t.url}/v1/completions`,
      { prompt: "Once upon a time", max_tokens: 5 },
      { headers: auth },
    );
    await fetch(`${t.url}/no/such/path/${Math.random()}`, { headers: auth });
    const response = await fetch(`${t.url}/metrics`, { headers: auth });
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    const endpoint = { endpoint: "/v1/completions" };
    expect(metricValue(text, "switchyard_backend_generated_tokens_total", endpoint)).toBe(5);
    expect(metricValue(text, "switchyard_backend_time_to_first_token_seconds_count", endpoint)).toBe(1);
    expect(metricValue(text, "switchyard_backend_tokens_per_second_count", endpoint)).toBe(1);
    expect(
      metricValue(text, "switchyard_backend_request_duration_seconds_count", {
        ...endpoint,
        status_class: "2xx",
      }),
    ).toBe(1);
    expect(metricValue(text, "switchyard_backend_busy_slots")).toBe(0);
    expect(metricValue(text, "switchyard_backend_queue_depth")).toBe(0);
    expect(metricValue(text, "switchyard_backend_slots")).toBe(2);
    expect(metricValue(text, "switchyard_backend_ready")).toBe(1);
    expect(metricValue(text, "switchyard_backend_process_resident_memory_bytes")).toBeGreaterThan(10_000_000);
    // Random paths fold into one label value.
    expect(text).not.toContain("/no/such/path");
    expect(
      metricValue(text, "switchyard_backend_errors_total", { endpoint: "unmatched", kind: "not_found" }),
    ).toBe(1);
    if (promtool) {
      const file = join(mkdtempSync(join(tmpdir(), "metrics-")), "metrics.txt");
      writeFileSync(file, text);
      const result = spawnSync("sh", ["-c", `promtool check metrics < ${file}`], { encoding: "utf8" });
      expect(result.stderr + result.stdout).toBe("");
      expect(result.status).toBe(0);
    }
  });

  it("promtool rejects broken exposition text (the check can fail)", () => {
    if (!promtool) return;
    expect(() =>
      execFileSync("sh", ["-c", "printf 'bad metric{' | promtool check metrics"], { stdio: "pipe" }),
    ).toThrow();
  });
});
