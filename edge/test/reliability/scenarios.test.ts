/**
 * Every scenario of ../shared/notes/reliability.md against fault-injecting fake backends, with
 * the edge app running in-process. Each test asserts what the client saw and what the backends
 * received; afterEach checks scenario 14 (the gateway still serves, no leaked upstream slots).
 * No timing assertions: where speed matters (hedging, open circuits) the tests check what was
 * sent and cancelled instead of how long it took.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { catalogueModels } from "../../src/config/catalogue";
import {
  closedPortUrl,
  DEFAULT_TOKENS,
  type FakeBackend,
  peakOpenRequests,
  resetPeakOpenRequests,
  startFakeBackend,
} from "../support/fake-backend";
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
  // Hedging has its own tests; elsewhere a busy machine must not turn a slow token into a hedge.
  SWITCHYARD_HEDGE_DELAY_MS: "off",
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

/** The last message a backend's first request carried (the prefill of a continuation). */
const lastMessage = (backend: FakeBackend) =>
  (backend.received[0]?.body.messages as unknown[] | undefined)?.at(-1);

/** The scenarios exercise the cascade, so the client opts into fallbacks (see scenario 16 for without). */
const OPT_IN = { headers: { "x-switchyard-fallback": "true" } };

async function chat(model: string, stream = false) {
  const res = await edge.post("/v1/chat/completions", chatBody(model, { stream }), OPT_IN);
  return { res };
}

describe("before the first token: retries and fallback", () => {
  it("1a. 429 with Retry-After: waits that long, retries the same backend", async () => {
    a.behave([{ kind: "status", status: 429, headers: { "retry-after": "1" } }, { kind: "ok" }]);
    const { res } = await chat(A);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(A);
    const body = (await res.json()) as {
      choices: { message: { content: string } }[];
      switchyard: { attempts: number };
    };
    expect(body.choices[0]?.message.content).toBe(FULL_TEXT);
    expect(body.switchyard.attempts).toBe(2);
    expect(a.received).toHaveLength(2);
    expect(b.received).toHaveLength(0);
  });

  it("1b. 429 without Retry-After: jittered backoff, then the same backend again", async () => {
    a.behave([{ kind: "status", status: 429 }, { kind: "ok" }]);
    const { res } = await chat(A);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(A);
    expect(a.received).toHaveLength(2);
    expect(b.received).toHaveLength(0);
  });

  it("1c. 429 with a Retry-After longer than the cap moves on to the next model", async () => {
    a.behave({ kind: "status", status: 429, headers: { "retry-after": "30" } });
    const { res } = await chat(A);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(B);
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
    const { res } = await chat(A);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(B);
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
    const { res } = await chat(A);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(B);
    expect(a.received).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.received[0]?.closedByClient).toBe(true); // the edge hung up on it
    expect(b.received).toHaveLength(1);
  });

  it("6. slow first token: fallback before any byte reaches the client", async () => {
    a.behave({ kind: "ok", firstTokenDelayMs: 2000 });
    const { res } = await chat(A, true);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(B);
    const sse = await readSse(res);
    expect(chatText(sse.events)).toBe(FULL_TEXT); // only B's tokens, nothing from A
    expect(sse.events.every((e) => (e as { model: string }).model === B)).toBe(true);
    expect(a.received).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.received[0]?.closedByClient).toBe(true);
  });

  const tooLong = {
    kind: "status" as const,
    status: 400,
    body: {
      error: {
        message: "This model's maximum context length is 512 tokens",
        type: "invalid_request_error",
        code: "context_length_exceeded",
      },
    },
  };

  it("11a. prompt too long for the context: sent unchanged to the model with a larger context", async () => {
    a.behave(tooLong); // codegemma-7b: 8,192 tokens; qwen2.5-7b-instruct: 32,768
    const { res } = await chat(A, true);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(B);
    const sse = await readSse(res);
    expect(chatText(sse.events)).toBe(FULL_TEXT);
    expect(a.received).toHaveLength(1); // never resent to the model that refused it
    expect(b.received).toHaveLength(1);
    expect(b.received[0]?.body.messages).toEqual(a.received[0]?.body.messages);
    const [record] = await edge.waitForRecords(1);
    expect(record).toMatchObject({ modelId: B, outcome: "ok", fallbackFrom: [A] });
  });

  it("11b. too long and no larger context configured: the 400 reaches the client, no retry storm", async () => {
    // gemma-2-9b-it has the same 8,192-token context: trying it would be resending unchanged.
    const G = "gemma-2-9b-it";
    edge = createTestEdge({ ...timing, SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url, [G]: b.url }) });
    a.behave(tooLong);
    const { res } = await chat(A, true);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; type: string } };
    expect(body.error.code).toBe("context_length_exceeded");
    expect(body.error.type).toBe("invalid_request_error");
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(0);
    edge = createTestEdge({ ...timing, SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url, [B]: b.url }) });
  });

  it("11c. too long for the larger model as well: its 400 reaches the client, nobody is asked twice", async () => {
    a.behave(tooLong);
    b.behave(tooLong);
    const { res } = await chat(A);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("context_length_exceeded");
    expect(res.headers.get("x-switchyard-model")).toBe(B);
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
  });
});

describe("hedged first token", () => {
  // A budget far above the fakes' delays: only the hedge decides, not a busy machine's timing.
  const hedged = (delay: string) =>
    createTestEdge({
      ...timing,
      SWITCHYARD_TTFT_BUDGET_MS: "3000",
      SWITCHYARD_HEDGE_DELAY_MS: delay,
      SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url, [B]: b.url }),
    });

  it("6b. a 20 s first token is answered by the hedge; the slow attempt is cancelled at once", async () => {
    // Budget 15 s as in production, hedge delay "auto": a third of the budget until a p95 is known.
    edge = createTestEdge({
      ...timing,
      SWITCHYARD_TTFT_BUDGET_MS: "15000",
      SWITCHYARD_HEDGE_DELAY_MS: "auto",
      SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url, [B]: b.url }),
    });
    a.behave({ kind: "ok", firstTokenDelayMs: 20_000 });
    const { res } = await chat(A, true);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(B);
    const sse = await readSse(res);
    expect(chatText(sse.events)).toBe(FULL_TEXT);
    expect(sse.done).toBe(true);
    // A was cancelled by the hedge (not by its 15 s budget, which would have been "ttft_timeout").
    await new Promise((r) => setTimeout(r, 50));
    expect(a.received).toHaveLength(1);
    expect(a.received[0]?.closedByClient).toBe(true);
    expect(b.received[0]?.body.messages).toEqual(a.received[0]?.body.messages);
    const metrics = await edge.metrics();
    expect(metrics).toMatch(new RegExp(`switchyard_hedges_total\\{model="${B}",outcome="won"\\} 1`));
    expect(metrics).toMatch(
      new RegExp(`switchyard_upstream_attempts_total\\{model="${A}",outcome="cancelled"\\} 1`),
    );
    expect(metrics).not.toMatch(/outcome="ttft_timeout"/);
    const [record] = await edge.waitForRecords(1);
    expect(record).toMatchObject({ modelId: B, outcome: "ok", attempts: 2, fallbackFrom: [A] });
  });

  it("the first token wins: a hedge that loses is cancelled, the primary's answer is whole", async () => {
    edge = hedged("50");
    a.behave({ kind: "ok", firstTokenDelayMs: 300 });
    b.behave({ kind: "hang" });
    const { res } = await chat(A, true);
    expect(res.headers.get("x-switchyard-model")).toBe(A);
    const sse = await readSse(res);
    expect(chatText(sse.events)).toBe(FULL_TEXT);
    await new Promise((r) => setTimeout(r, 50));
    expect(b.received).toHaveLength(1);
    expect(b.received[0]?.closedByClient).toBe(true);
    expect(await edge.metrics()).toMatch(
      new RegExp(`switchyard_hedges_total\\{model="${B}",outcome="lost"\\} 1`),
    );
  });

  it("never more than two attempts in flight, even when the hedge hangs too", async () => {
    const c = await startFakeBackend();
    const L = "llama-3.1-8b-instruct"; // B's... A's second fallback
    try {
      edge = createTestEdge({
        ...timing,
        SWITCHYARD_TTFT_BUDGET_MS: "2000",
        SWITCHYARD_HEDGE_DELAY_MS: "50",
        SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url, [B]: b.url, [L]: c.url }),
      });
      a.behave({ kind: "hang" });
      b.behave({ kind: "hang" });
      resetPeakOpenRequests();
      const { res } = await chat(A, true);
      expect(res.headers.get("x-switchyard-model")).toBe(L);
      expect(chatText((await readSse(res)).events)).toBe(FULL_TEXT);
      expect(peakOpenRequests()).toBe(2);
      expect([a.received.length, b.received.length, c.received.length]).toEqual([1, 1, 1]);
      await new Promise((r) => setTimeout(r, 50));
      expect(a.inFlight() + b.inFlight() + c.inFlight()).toBe(0);
    } finally {
      await c.close();
    }
  });
});

describe("replicas of one named model (no fallbacks asked for)", () => {
  // Scenario 14's follow-up asks B: give the usual edge back.
  afterEach(() => {
    edge = createTestEdge({ ...timing, SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url, [B]: b.url }) });
  });
  const replicated = () =>
    createTestEdge({
      ...timing,
      SWITCHYARD_TTFT_BUDGET_MS: "3000",
      SWITCHYARD_HEDGE_DELAY_MS: "50",
      SWITCHYARD_BACKENDS: JSON.stringify({ [A]: [a.url, b.url] }),
    });

  it("a hedge goes to the model's other replica; the stuck one is cancelled", async () => {
    edge = replicated();
    a.behave([{ kind: "hang" }, { kind: "ok" }]); // a fresh pool starts at its first replica
    const res = await edge.post("/v1/chat/completions", chatBody(A, { stream: true }));
    expect(res.headers.get("x-switchyard-model")).toBe(A);
    expect(chatText((await readSse(res)).events)).toBe(FULL_TEXT);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.received).toHaveLength(1);
    expect(a.received[0]?.closedByClient).toBe(true);
    expect(b.received).toHaveLength(1);
    expect(await edge.metrics()).toMatch(
      new RegExp(`switchyard_hedges_total\\{model="${A}",outcome="won"\\} 1`),
    );
    const [record] = await edge.waitForRecords(1);
    expect(record).toMatchObject({ modelId: A, outcome: "ok", attempts: 2, fallbackFrom: [] });
  });

  it("a stream cut on one replica is continued on the other, still the model the client named", async () => {
    edge = replicated();
    a.behave([{ kind: "fail-mid-stream", after: 2, how: "cut" }, { kind: "ok" }]);
    const res = await edge.post("/v1/chat/completions", chatBody(A, { stream: true }));
    const sse = await readSse(res);
    expect(sse.done).toBe(true);
    expect(chatText(sse.events)).toBe(FULL_TEXT);
    const final = sse.events.at(-1) as {
      switchyard: { model: string; fallback_from: string[]; continued_after: string };
    };
    expect(final.switchyard).toMatchObject({ model: A, fallback_from: [], continued_after: "network_error" });
    expect(a.received).toHaveLength(1);
    expect(lastMessage(b)).toEqual({ role: "assistant", content: DEFAULT_TOKENS.slice(0, 2).join("") });
  });
});

describe("after the first token: continued on another backend, or a truthful error", () => {
  type Chunk = {
    id: string;
    model: string;
    choices: { delta: { content?: string }; finish_reason: string | null }[];
    usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
    switchyard?: { model: string; fallback_from: string[]; attempts: number; continued_after: string | null };
  };
  const PREFIX = DEFAULT_TOKENS.slice(0, 2).join("");

  /** The client's view of a rescued stream: one answer, nothing missing or repeated, one end. */
  const expectRescued = async (res: Response, failure: string) => {
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(A); // committed before the break
    const sse = await readSse(res);
    const chunks = sse.events as Chunk[];
    expect(sse.done).toBe(true);
    expect(chunks.some((e) => "error" in e)).toBe(false);
    expect(chatText(chunks)).toBe(FULL_TEXT);
    expect(new Set(chunks.map((e) => e.id)).size).toBe(1);
    const finals = chunks.filter((e) => e.choices[0]?.finish_reason);
    expect(finals).toHaveLength(1);
    expect(finals[0]?.choices[0]?.finish_reason).toBe("stop");
    expect(finals[0]?.switchyard).toMatchObject({ model: B, fallback_from: [A], continued_after: failure });
    // What the backends received: A the request; B the same conversation plus A's delivered text.
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
    const messages = b.received[0]?.body.messages as { role: string; content: string }[];
    expect(messages.slice(0, -1)).toEqual(a.received[0]?.body.messages);
    expect(messages.at(-1)).toEqual({ role: "assistant", content: PREFIX });
    const [record] = await edge.waitForRecords(1);
    expect(record).toMatchObject({
      outcome: "ok",
      errorCode: null,
      modelId: B,
      fallbackFrom: [A],
      continuedAfter: failure,
      attempts: 2,
    });
    expect(await edge.metrics()).toMatch(
      new RegExp(
        `switchyard_continuations_total\\{from_model="${A}",to_model="${B}",failure="${failure}"\\} 1`,
      ),
    );
    return chunks;
  };

  const expectInBandFailure = async (res: Response, code: string) => {
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe(A);
    const sse = await readSse(res);
    expect(sse.done).toBe(false);
    const last = sse.events.at(-1) as { error?: { code: string; type: string } };
    expect(last.error?.code).toBe(code);
    expect(chatText(sse.events)).toBe(PREFIX);
    const [record] = await edge.waitForRecords(1);
    expect(record).toMatchObject({
      outcome: "error",
      errorCode: code,
      modelId: A,
      stream: true,
      continuedAfter: null,
    });
    return sse;
  };

  it("7. stream cut after some tokens: continued on B as one answer, with the whole answer's usage", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "cut" });
    const res = await edge.post(
      "/v1/chat/completions",
      chatBody(A, { stream: true, stream_options: { include_usage: true } }),
      OPT_IN,
    );
    const chunks = await expectRescued(res, "network_error");
    // B counted A's text as prompt (prefill); the client sees the usage of one whole answer.
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
  });

  it("7, traced: the request's span names the model that finished and the failure it rescued", async () => {
    const spans: unknown[] = [];
    const collector = createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => {
        text += c.toString();
      });
      req.on("end", () => {
        spans.push(JSON.parse(text));
        res.end("{}");
      });
    });
    await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
    try {
      const { port } = collector.address() as AddressInfo;
      a.behave({ kind: "fail-mid-stream", after: 2, how: "cut" });
      const res = await edge.post("/v1/chat/completions", chatBody(A, { stream: true }), {
        ...OPT_IN,
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
      });
      expect((await readSse(res)).done).toBe(true);
      for (let i = 0; i < 100 && spans.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      type Otlp = {
        resourceSpans: {
          scopeSpans: { spans: { attributes: { key: string; value: Record<string, string> }[] }[] }[];
        }[];
      };
      const span = (spans[0] as Otlp).resourceSpans[0]?.scopeSpans[0]?.spans[0];
      const attrs = Object.fromEntries(
        (span?.attributes ?? []).map((x) => [x.key, x.value.stringValue ?? x.value.intValue]),
      );
      expect(attrs).toMatchObject({
        "switchyard.model": B,
        "switchyard.continued_after": "network_error",
        "switchyard.fallback_from": A,
        "switchyard.attempts": "2",
      });
      // Both backends' spans join the request's trace.
      const traceId = (span as unknown as { traceId: string }).traceId;
      expect(a.received[0]?.traceparent?.split("-")[1]).toBe(traceId);
      expect(b.received[0]?.traceparent?.split("-")[1]).toBe(traceId);
    } finally {
      await new Promise((r) => collector.close(r));
    }
  });

  it("8. stream stalls mid-way: idle timeout, A hung up on, then continued on B", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "stall" });
    const { res } = await chat(A, true);
    await expectRescued(res, "idle_timeout");
    await new Promise((r) => setTimeout(r, 50));
    expect(a.received[0]?.closedByClient).toBe(true);
  });

  it("10b. [DONE] without a finish reason: not complete, so continued", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "no-finish" });
    await expectRescued((await chat(A, true)).res, "truncated");
  });

  it("10c. a clean close with neither a finish reason nor [DONE]: continued", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "close" });
    await expectRescued((await chat(A, true)).res, "truncated");
  });

  it("an error reported in-band mid-stream: continued", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "error-event" });
    await expectRescued((await chat(A, true)).res, "upstream_error");
  });

  it("7 (non-streaming client): the continued answer is one JSON reply", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "cut" });
    const { res } = await chat(A, false);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      choices: { message: { content: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number };
      switchyard: { model: string; fallback_from: string[]; continued_after: string };
    };
    expect(body.choices[0]?.message.content).toBe(FULL_TEXT);
    expect(body.choices[0]?.finish_reason).toBe("stop");
    expect(body.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4 });
    expect(body.switchyard).toMatchObject({ model: B, fallback_from: [A], continued_after: "network_error" });
    expect(lastMessage(b)).toEqual({
      role: "assistant",
      content: PREFIX,
    });
  });

  it("7, continuation refused: the in-band error names the original failure, not the refusal", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "cut" });
    b.behave({
      kind: "status",
      status: 400,
      body: { error: { message: "no prefill", code: "invalid_request" } },
    });
    await expectInBandFailure((await chat(A, true)).res, "network_error");
    expect(b.received).toHaveLength(1);
    expect(lastMessage(b)).toEqual({
      role: "assistant",
      content: PREFIX,
    });
    expect(await edge.metrics()).toMatch(
      new RegExp(
        `switchyard_continuations_total\\{from_model="${A}",to_model="none",failure="network_error"\\} 1`,
      ),
    );
  });

  it("7, the continuation breaks too: still the original failure, no [DONE]", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "cut" });
    b.behave({ kind: "fail-mid-stream", after: 1, how: "stall" });
    const { res } = await chat(A, true);
    const sse = await readSse(res);
    expect(sse.done).toBe(false);
    expect((sse.events.at(-1) as { error?: { code: string } }).error?.code).toBe("network_error");
    // The client got A's two tokens and B's one, each once.
    expect(chatText(sse.events)).toBe(DEFAULT_TOKENS.slice(0, 3).join(""));
    const [record] = await edge.waitForRecords(1);
    expect(record).toMatchObject({
      outcome: "error",
      errorCode: "network_error",
      modelId: B,
      fallbackFrom: [A],
    });
  });

  it("7, no backend declares continuation: in-band error, no [DONE], logged as failed", async () => {
    const catalogue = catalogueModels().map((m) => ({ ...m, continuation: false }));
    edge = createTestEdge(
      { ...timing, SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url, [B]: b.url }) },
      { catalogue },
    );
    a.behave([{ kind: "fail-mid-stream", after: 2, how: "cut" }, { kind: "ok" }]);
    await expectInBandFailure((await chat(A, true)).res, "network_error");
    expect(b.received).toHaveLength(0);
    const { res } = await chat(A, false);
    expect(res.status).toBe(200); // the follow-up request is fine (A's plan moved on to "ok")
  });

  it("7 (non-streaming client), nothing can continue: a structured 502, never partial text as success", async () => {
    edge = createTestEdge({ ...timing, SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url }) });
    a.behave([{ kind: "fail-mid-stream", after: 2, how: "cut" }, { kind: "ok" }]);
    const { res } = await chat(A, false);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe("network_error");
    expect(a.received).toHaveLength(1); // the model that broke is not asked to continue itself
    edge = createTestEdge({ ...timing, SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url, [B]: b.url }) });
  });

  it("9. one malformed event in a good stream: skipped and counted, the answer completes", async () => {
    a.behave({ kind: "ok", malformedAfter: 2 });
    const { res } = await chat(A, true);
    const sse = await readSse(res);
    expect(sse.done).toBe(true);
    expect(chatText(sse.events)).toBe(FULL_TEXT);
    expect(b.received).toHaveLength(0);
    expect(await edge.metrics()).toMatch(
      new RegExp(`switchyard_upstream_malformed_events_total\\{model="${A}"\\} 1`),
    );
  });

  it("10a. a finish reason and a clean close without [DONE]: a success, not an error", async () => {
    a.behave({ kind: "fail-mid-stream", after: 4, how: "no-done" });
    const { res } = await chat(A, true);
    const sse = await readSse(res);
    expect(sse.done).toBe(true);
    expect(chatText(sse.events)).toBe(FULL_TEXT);
    expect(b.received).toHaveLength(0);
    const [record] = await edge.waitForRecords(1);
    expect(record).toMatchObject({ outcome: "ok", modelId: A, continuedAfter: null });
  });

  it("a rescued answer is whole, so it is cached; the cached reply replays it", async () => {
    edge = createTestEdge({
      ...timing,
      SWITCHYARD_CACHE_TTL_SECONDS: "60",
      SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url, [B]: b.url }),
    });
    a.behave({ kind: "fail-mid-stream", after: 2, how: "cut" });
    // Deterministic (temperature 0): the cache only keeps replies that a repeat would reproduce.
    const det = (stream: boolean) => chatBody(A, { stream, temperature: 0 });
    await readSse(await edge.post("/v1/chat/completions", det(true), OPT_IN));
    await new Promise((r) => setTimeout(r, 30));
    const hit = await edge.post("/v1/chat/completions", det(false), OPT_IN);
    expect(hit.headers.get("x-switchyard-cache")).toBe("HIT");
    expect(
      ((await hit.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
    ).toBe(FULL_TEXT);
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
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
    expect(b.received).toHaveLength(0);
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
    // Once the circuits are open the answer is immediate.
    await chat(A);
    const third = await chat(A);
    expect(third.res.status).toBe(503);
    // Both circuits open: the third request was answered without trying either backend.
    expect(await edge.metrics()).toMatch(
      new RegExp(`switchyard_upstream_attempts_total\\{model="${B}",outcome="breaker_open"\\} [1-9]`),
    );
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
