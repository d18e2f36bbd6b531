/**
 * Every scenario of ../shared/notes/reliability.md against fault-injecting fake backends, with
 * the edge app running in-process. Each test asserts what the client saw and what the backends
 * received; afterEach checks scenario 14 (the gateway still serves, no leaked upstream slots).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closedPortUrl, DEFAULT_TOKENS, type FakeBackend, startFakeBackend } from "../support/fake-backend";
import { chatBody, chatText, createTestEdge, readSse } from "../support/harness";

const A = "codegemma-7b"; // tier 1
const B = "qwen2.5-7b-instruct"; // tier 2: A's first fallback
const FULL_TEXT = DEFAULT_TOKENS.join("");

let a: FakeBackend;
let b: FakeBackend;
let edge: ReturnType<typeof createTestEdge>;

const timing = {
  SWITCHYARD_TTFT_BUDGET_MS: "400",
  SWITCHYARD_IDLE_TIMEOUT_MS: "300",
  SWITCHYARD_RETRIES: "1",
  SWITCHYARD_RETRY_BASE_MS: "20",
  SWITCHYARD_RETRY_MAX_MS: "1500",
  SWITCHYARD_BREAKER_FAILURES: "3",
  SWITCHYARD_BREAKER_COOLDOWN_MS: "400",
  SWITCHYARD_CACHE_TTL_SECONDS: "0",
};

beforeAll(async () => {
  a = await startFakeBackend();
  b = await startFakeBackend();
});
afterAll(async () => {
  await a.close();
  await b.close();
});
beforeEach(() => {
  a.reset();
  b.reset();
  edge = createTestEdge({ ...timing, SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url, [B]: b.url }) });
});
afterEach(async () => {
  // Scenario 14: after every scenario the gateway still serves a normal request, and no
  // upstream request is left hanging (the edge closed or finished every one).
  a.behave({ kind: "ok" });
  b.behave({ kind: "ok" });
  await new Promise((r) => setTimeout(r, 50));
  expect(a.inFlight() + b.inFlight()).toBe(0);
  const res = await edge.post("/v1/chat/completions", chatBody(B, { stream: true }));
  expect(res.status).toBe(200);
  const sse = await readSse(res);
  expect(sse.done).toBe(true);
  expect(chatText(sse.events)).toBe(FULL_TEXT);
});

/** The scenarios exercise the cascade, so the client opts into fallbacks (see scenario 16 for without). */
async function chat(model: string, stream = false) {
  const started = Date.now();
  const res = await edge.post("/v1/chat/completions", chatBody(model, { stream }), {
    headers: { "x-switchyard-fallback": "true" },
  });
  return { res, elapsed: Date.now() - started };
}

describe("before the first token: retries and fallback", () => {
  it("1a. 429 with Retry-After: waits that long, retries the same backend", async () => {
    a.behave([{ kind: "status", status: 429, headers: { "retry-after": "1" } }, { kind: "ok" }]);
    const { res, elapsed } = await chat(A);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(A);
    const body = (await res.json()) as {
      choices: { message: { content: string } }[];
      switchyard: { attempts: number };
    };
    expect(body.choices[0]?.message.content).toBe(FULL_TEXT);
    expect(body.switchyard.attempts).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(a.received).toHaveLength(2);
    expect(b.received).toHaveLength(0);
  });

  it("1b. 429 without Retry-After: jittered backoff, then the same backend again", async () => {
    a.behave([{ kind: "status", status: 429 }, { kind: "ok" }]);
    const { res, elapsed } = await chat(A);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(A);
    expect(elapsed).toBeLessThan(500);
    expect(a.received).toHaveLength(2);
    expect(b.received).toHaveLength(0);
  });

  it("1c. 429 with a Retry-After longer than the cap moves on to the next model", async () => {
    a.behave({ kind: "status", status: 429, headers: { "retry-after": "30" } });
    const { res, elapsed } = await chat(A);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(B);
    expect(elapsed).toBeLessThan(1000);
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
  });

  it("2. a single 500, then success on retry", async () => {
    a.behave([{ kind: "status", status: 500 }, { kind: "ok" }]);
    const { res } = await chat(A, true);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(A);
    const sse = await readSse(res);
    expect(chatText(sse.events)).toBe(FULL_TEXT);
    expect(sse.done).toBe(true);
    expect(a.received).toHaveLength(2);
    expect(b.received).toHaveLength(0);
  });

  it("3. persistent 503 on one backend: cascade to the next model", async () => {
    a.behave({ kind: "status", status: 503 });
    const { res } = await chat(A, true);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(B);
    const sse = await readSse(res);
    expect(chatText(sse.events)).toBe(FULL_TEXT);
    const final = sse.events.at(-1) as {
      model: string;
      switchyard: { model: string; fallback_from: string[]; attempts: number };
    };
    expect(final.switchyard).toMatchObject({ model: B, fallback_from: [A], attempts: 3 });
    expect(final.model).toBe(B);
    expect(a.received).toHaveLength(2); // first try + 1 retry
    expect(b.received).toHaveLength(1);
    expect(b.received[0]?.body.model).toBe(B);
    const [record] = await edge.waitForRecords(1);
    expect(record).toMatchObject({ modelId: B, outcome: "ok", fallbackFrom: [A], attempts: 3 });
  });

  it("4a. connection refused: retried, then the next model", async () => {
    const dead = await closedPortUrl();
    edge = createTestEdge({ ...timing, SWITCHYARD_BACKENDS: JSON.stringify({ [A]: dead, [B]: b.url }) });
    const { res, elapsed } = await chat(A);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(B);
    expect(elapsed).toBeLessThan(1000);
    expect(b.received).toHaveLength(1);
  });

  it("4b. TCP reset before any byte: retried, then the next model", async () => {
    a.behave({ kind: "reset" });
    const { res } = await chat(A, true);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(B);
    expect(chatText((await readSse(res)).events)).toBe(FULL_TEXT);
    expect(a.received).toHaveLength(2);
    expect(b.received).toHaveLength(1);
  });

  it("5. no response at all: bounded by the TTFT budget, then fallback (no retry of a hung backend)", async () => {
    a.behave({ kind: "hang" });
    const { res, elapsed } = await chat(A);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(B);
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(1500);
    expect(a.received).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.received[0]?.closedByClient).toBe(true); // the edge hung up on it
    expect(b.received).toHaveLength(1);
  });

  it("6. slow first token: fallback before any byte reaches the client", async () => {
    a.behave({ kind: "ok", firstTokenDelayMs: 2000 });
    const { res, elapsed } = await chat(A, true);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(B);
    const sse = await readSse(res);
    expect(chatText(sse.events)).toBe(FULL_TEXT); // only B's tokens, nothing from A
    expect(sse.events.every((e) => (e as { model: string }).model === B)).toBe(true);
    expect(elapsed).toBeLessThan(1500);
    expect(a.received).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.received[0]?.closedByClient).toBe(true);
  });

  it("11. prompt too long for the context: a 400 to the client, no retry storm", async () => {
    a.behave({
      kind: "status",
      status: 400,
      body: {
        error: {
          message: "This model's maximum context length is 512 tokens",
          type: "invalid_request_error",
          code: "context_length_exceeded",
        },
      },
    });
    const { res } = await chat(A, true);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; type: string } };
    expect(body.error.code).toBe("context_length_exceeded");
    expect(body.error.type).toBe("invalid_request_error");
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(0);
  });
});

describe("after the first token: no silent fallback", () => {
  const expectInBandFailure = async (res: Response, code: string) => {
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(A);
    const sse = await readSse(res);
    expect(sse.done).toBe(false);
    const last = sse.events.at(-1) as { error?: { code: string; type: string } };
    expect(last.error?.code).toBe(code);
    expect(chatText(sse.events)).toBe(DEFAULT_TOKENS.slice(0, 2).join(""));
    expect(b.received).toHaveLength(0);
    const [record] = await edge.waitForRecords(1);
    expect(record).toMatchObject({ outcome: "error", errorCode: code, modelId: A, stream: true });
    return sse;
  };

  it("7. stream cut after some tokens: in-band error, no [DONE], logged as failed", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "cut" });
    const { res } = await chat(A, true);
    await expectInBandFailure(res, "network_error");
    expect(a.received).toHaveLength(1);
  });

  it("8. stream stalls mid-way: idle timeout, then as 7", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "stall" });
    const started = Date.now();
    const { res } = await chat(A, true);
    await expectInBandFailure(res, "idle_timeout");
    expect(Date.now() - started).toBeLessThan(1500);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.received[0]?.closedByClient).toBe(true);
  });

  it("9. malformed chunk: as 7, not a crash", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "malformed" });
    const { res } = await chat(A, true);
    await expectInBandFailure(res, "malformed_chunk");
  });

  it("10a. stream ends without [DONE]: a failure, not a success", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "no-done" });
    const { res } = await chat(A, true);
    await expectInBandFailure(res, "truncated");
  });

  it("10b. [DONE] without a finish reason: a failure, not a success", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "no-finish" });
    const { res } = await chat(A, true);
    await expectInBandFailure(res, "truncated");
  });

  it("7 (non-streaming client): a structured 502, never partial text as success", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "cut" });
    const { res } = await chat(A, false);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe("network_error");
    expect(b.received).toHaveLength(0);
  });

  it("a client disconnect cancels the upstream request and is recorded as aborted", async () => {
    a.behave({ kind: "ok", tokens: Array.from({ length: 50 }, (_, i) => ` t${i}`), gapMs: 30 });
    const controller = new AbortController();
    const res = await edge.post("/v1/chat/completions", chatBody(A, { stream: true }), {
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    controller.abort();
    await new Promise((r) => setTimeout(r, 150));
    expect(a.received).toHaveLength(1);
    expect(a.received[0]?.closedByClient).toBe(true);
    expect(a.received[0]?.finished).toBe(false);
    const [record] = await edge.waitForRecords(1);
    expect(record?.outcome).toBe("aborted");
  });
});

describe("circuit breakers and total outage", () => {
  it("12. flapping backend: opens after repeated failures, skips quickly, half-open probe, closes on success", async () => {
    a.behave({ kind: "status", status: 500 });
    // Request 1: two failures (try + retry) -> B. Request 2: third failure opens the circuit -> B.
    expect((await chat(A)).res.headers.get("x-switchyard-model")).toBe(B);
    expect((await chat(A)).res.headers.get("x-switchyard-model")).toBe(B);
    expect(a.received).toHaveLength(3);
    // Open: A is not contacted at all; B answers straight away.
    const open = await chat(A);
    expect(open.res.headers.get("x-switchyard-model")).toBe(B);
    expect(a.received).toHaveLength(3);
    expect(open.elapsed).toBeLessThan(200);
    // After the cooldown one probe goes to A; it succeeds, so the circuit closes.
    a.behave({ kind: "ok" });
    await new Promise((r) => setTimeout(r, 450));
    expect((await chat(A)).res.headers.get("x-switchyard-model")).toBe(A);
    expect(a.received).toHaveLength(4);
    expect((await chat(A)).res.headers.get("x-switchyard-model")).toBe(A);
    expect(a.received).toHaveLength(5);
    expect(b.received).toHaveLength(3);
    const metrics = await (
      await edge.app.request("/metrics", { headers: { authorization: "Bearer metrics-token" } })
    ).text();
    expect(metrics).toMatch(
      new RegExp(`switchyard_upstream_attempts_total\\{model="${A}",outcome="breaker_open"\\} [1-9]`),
    );
  });

  it("12b. a failed half-open probe re-opens the circuit", async () => {
    a.behave({ kind: "status", status: 500 });
    await chat(A);
    await chat(A);
    await new Promise((r) => setTimeout(r, 450));
    await chat(A); // probe fails -> open again
    expect(a.received).toHaveLength(4);
    await chat(A);
    expect(a.received).toHaveLength(4);
  });

  it("13. every backend down: a fast, clear 503 with Retry-After, not a hang", async () => {
    const dead1 = await closedPortUrl();
    const dead2 = await closedPortUrl();
    edge = createTestEdge({ ...timing, SWITCHYARD_BACKENDS: JSON.stringify({ [A]: dead1, [B]: dead2 }) });
    const first = await chat(A, true);
    expect(first.res.status).toBe(503);
    expect(Number(first.res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await first.res.json()) as { error: { code: string } }).error.code).toBe("no_backend_available");
    expect(first.elapsed).toBeLessThan(1000);
    // Once the circuits are open the answer is immediate.
    await chat(A);
    const third = await chat(A);
    expect(third.res.status).toBe(503);
    expect(third.elapsed).toBeLessThan(50);
    // The follow-up check (scenario 14) needs live backends again.
    edge = createTestEdge({ ...timing, SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url, [B]: b.url }) });
  });

  it("a request-log outage never fails a request (it is counted)", async () => {
    edge.log.failing = true;
    const { res } = await chat(A);
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const metrics = await (
      await edge.app.request("/metrics", { headers: { authorization: "Bearer metrics-token" } })
    ).text();
    expect(metrics).toContain("switchyard_log_write_failures_total 1");
    edge.log.failing = false;
  });
});
