import { describe, expect, it } from "vitest";
import { backoffDelayMs, parseRetryAfterMs } from "./backoff";
import { CircuitBreaker } from "./breaker";
import { createHedgeDelays } from "./hedge";
import { SseParser } from "./sse";
import { UpstreamStream } from "./upstream-stream";

describe("CircuitBreaker", () => {
  it("closed -> open after N failures -> half-open single probe -> closed", () => {
    let now = 0;
    const b = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100, now: () => now });
    b.onFailure();
    expect(b.state).toBe("closed");
    b.onFailure();
    expect(b.state).toBe("open");
    expect(b.tryAcquire()).toBe(false);
    now = 100;
    expect(b.state).toBe("half-open");
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // one probe at a time
    b.onSuccess();
    expect(b.state).toBe("closed");
  });

  it("a failed probe re-opens; a success resets the count", () => {
    let now = 0;
    const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 50, now: () => now });
    b.onFailure();
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    expect(b.state).toBe("closed");
    b.onFailure();
    b.onFailure();
    expect(b.state).toBe("open");
    now = 60;
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
    expect(b.state).toBe("open");
    expect(b.retryInMs).toBe(50);
  });
});

describe("backoff", () => {
  it("full jitter within the exponential ceiling; Retry-After wins", () => {
    expect(backoffDelayMs(0, { baseMs: 100, maxMs: 1000, random: () => 0.999 })).toBe(99);
    expect(backoffDelayMs(3, { baseMs: 100, maxMs: 1000, random: () => 0.999 })).toBe(799);
    expect(backoffDelayMs(10, { baseMs: 100, maxMs: 1000, random: () => 0.5 })).toBe(500);
    expect(backoffDelayMs(1, { baseMs: 100, maxMs: 1000, retryAfterMs: 1500 })).toBe(1500);
  });

  it("parses Retry-After seconds and HTTP dates", () => {
    expect(parseRetryAfterMs("2")).toBe(2000);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfterMs("soon")).toBeNull();
    expect(parseRetryAfterMs(null)).toBeNull();
  });
});

describe("SseParser", () => {
  it("handles split chunks, CRLF, multi-line data, comments and events", () => {
    const p = new SseParser();
    expect(p.push('data: {"a"')).toEqual([]);
    expect(p.push(":1}\r\n\r\n: comment\n\nevent: error\ndata: x\ndata: y\n\n")).toEqual([
      { event: null, data: '{"a":1}' },
      { event: "error", data: "x\ny" },
    ]);
    expect(p.push("data: [DONE]\r")).toEqual([]);
    expect(p.push("\n\r\n")).toEqual([{ event: null, data: "[DONE]" }]);
  });
});

describe("UpstreamStream", () => {
  const body = (events: string[]) => {
    const encoder = new TextEncoder();
    return new ReadableStream<Uint8Array>({
      start(controller) {
        for (const e of events) controller.enqueue(encoder.encode(e));
        // then silence: the connection stays open
      },
    });
  };
  const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`;

  it("skips an event that is not JSON and counts it; the stream goes on", async () => {
    let malformed = 0;
    const stream = new UpstreamStream(
      body([chunk("a"), "data: {oops\n\n", chunk("b"), "data: [DONE]\n\n"]),
      new AbortController(),
      () => malformed++,
    );
    const first = await stream.next(1000, "idle_timeout");
    const second = await stream.next(1000, "idle_timeout");
    expect(first).toMatchObject({ kind: "delta", delta: { content: "a" } });
    expect(second).toMatchObject({ kind: "delta", delta: { content: "b" } });
    expect(await stream.next(1000, "idle_timeout")).toEqual({ kind: "done" });
    expect(malformed).toBe(1);
  });

  it("an idle timeout shorter than the earlier first-token wait still fires", {
    timeout: 10_000,
  }, async () => {
    const controller = new AbortController();
    const stream = new UpstreamStream(body([chunk("a")]), controller);
    expect(await stream.next(60_000, "ttft_timeout")).toMatchObject({ kind: "delta" });
    await expect(stream.next(20, "idle_timeout")).rejects.toMatchObject({ code: "idle_timeout" });
    expect(controller.signal.aborted).toBe(true);
  });
});

describe("createHedgeDelays", () => {
  it("fixed and off are what they say", () => {
    expect(
      createHedgeDelays({ policy: { kind: "fixed", ms: 700 }, ttftBudgetMs: 15_000 }).delayFor("m"),
    ).toBe(700);
    expect(createHedgeDelays({ policy: { kind: "off" }, ttftBudgetMs: 15_000 }).delayFor("m")).toBeNull();
  });

  it("auto: a third of the budget until enough samples, then the model's p95 within [floor, budget/2]", () => {
    const hedges = createHedgeDelays({
      policy: { kind: "auto" },
      ttftBudgetMs: 15_000,
      minSamples: 20,
      window: 100,
    });
    for (let i = 0; i < 19; i++) hedges.observe("m", 1000);
    expect(hedges.delayFor("m")).toBe(5000);
    // 100 samples 1..100 x 40 ms: p95 is the 95th value.
    for (let i = 1; i <= 100; i++) hedges.observe("m", i * 40);
    expect(hedges.delayFor("m")).toBe(3800);
    expect(hedges.delayFor("other")).toBe(5000); // per model
    for (let i = 0; i < 100; i++) hedges.observe("fast", 3);
    expect(hedges.delayFor("fast")).toBe(250); // the floor
    for (let i = 0; i < 100; i++) hedges.observe("slow", 60_000);
    expect(hedges.delayFor("slow")).toBe(7500); // half the budget
  });
});
