import { describe, expect, it } from "vitest";
import { readChatStream, streamErrors } from "./sse";
import type { ChatStreamEvent } from "./types";

const encoder = new TextEncoder();

/** A body that delivers `bytes` in pieces cut at the given byte offsets. */
function bodyOf(bytes: Uint8Array, cuts: number[], onCancel?: () => void): ReadableStream<Uint8Array> {
  const bounds = [0, ...cuts.filter((cut) => cut > 0 && cut < bytes.length), bytes.length];
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index >= bounds.length - 1) return controller.close();
      controller.enqueue(bytes.slice(bounds[index], bounds[index + 1]));
      index += 1;
    },
    cancel: onCancel,
  });
}

async function collect(body: ReadableStream<Uint8Array>): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const event of readChatStream(body)) events.push(event);
  return events;
}

const chunk = (content: string) => ({
  object: "chat.completion.chunk",
  model: "qwen2.5-7b-instruct",
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
});
const sse = (...payloads: unknown[]) =>
  payloads
    .map((payload) => `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`)
    .join("");

// Multi-byte characters so byte cuts land inside a UTF-8 sequence too.
const words = ["Hé", "llo ", "wörld ", "🚀", " done"];
const fullStream = sse(
  { object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant", content: "" } }] },
  ...words.map(chunk),
  {
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
  },
  {
    object: "chat.completion.chunk",
    choices: [],
    usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 },
    switchyard: {
      model: "llama-3.1-8b-instruct",
      route_reason: "cascade",
      route_confidence: 0.42,
      cache: "MISS",
      fallback: { from: "qwen2.5-7b-instruct", to: "llama-3.1-8b-instruct", reason: "backend 503" },
    },
  },
  "[DONE]",
);

describe("readChatStream", () => {
  it("yields the same events however the bytes are split", async () => {
    const bytes = encoder.encode(fullStream);
    const whole = await collect(bodyOf(bytes, []));
    expect(whole.filter((e) => e.type === "delta").map((e) => (e.type === "delta" ? e.content : ""))).toEqual(
      words,
    );
    expect(whole.at(-1)).toEqual({ type: "done" });
    expect(whole).toContainEqual({
      type: "usage",
      usage: { promptTokens: 11, completionTokens: 5, totalTokens: 16 },
    });
    expect(whole).toContainEqual({
      type: "route",
      route: {
        model: "llama-3.1-8b-instruct",
        reason: "cascade",
        confidence: 0.42,
        cache: "MISS",
        requestId: undefined,
        fallback: { from: "qwen2.5-7b-instruct", to: "llama-3.1-8b-instruct", reason: "backend 503" },
      },
    });

    // Every single cut point, then byte-by-byte, then pseudo-random multi-cuts.
    for (let cut = 1; cut < bytes.length; cut += 1) {
      expect(await collect(bodyOf(bytes, [cut]))).toEqual(whole);
    }
    expect(
      await collect(
        bodyOf(
          bytes,
          Array.from({ length: bytes.length }, (_, i) => i),
        ),
      ),
    ).toEqual(whole);
    let seed = 7;
    for (let round = 0; round < 50; round += 1) {
      const cuts = Array.from({ length: 6 }, () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % bytes.length;
      }).sort((a, b) => a - b);
      expect(await collect(bodyOf(bytes, cuts))).toEqual(whole);
    }
  });

  it("accepts CRLF line endings and ignores comments and keep-alives", async () => {
    const text = `: keep-alive\r\n\r\ndata: ${JSON.stringify(chunk("a"))}\r\n\r\n: ping\n\ndata: [DONE]\r\n\r\n`;
    expect(await collect(bodyOf(encoder.encode(text), [3, 30]))).toEqual([
      { type: "delta", content: "a" },
      { type: "done" },
    ]);
  });

  it("turns an in-band error event into a terminal error, keeping the text before it", async () => {
    const text = sse(
      chunk("partial "),
      chunk("answer"),
      { error: { message: "backend died mid-stream", type: "upstream_error", code: "stream_interrupted" } },
      chunk("never shown"),
      "[DONE]",
    );
    const events = await collect(bodyOf(encoder.encode(text), [10, 50]));
    expect(events).toEqual([
      { type: "delta", content: "partial " },
      { type: "delta", content: "answer" },
      {
        type: "error",
        error: { message: "backend died mid-stream", type: "upstream_error", code: "stream_interrupted" },
      },
    ]);
  });

  it("keeps the route information an in-band error carries", async () => {
    const text = sse(chunk("x"), {
      error: { message: "idle timeout", type: "upstream_error", code: "upstream_idle_timeout", param: null },
      switchyard: { model: "codegemma-7b", route_reason: "explicit", attempts: 1, fallback_from: [] },
    });
    const events = await collect(bodyOf(encoder.encode(text), []));
    expect(events.map((event) => event.type)).toEqual(["delta", "route", "error"]);
    expect(events[1]).toMatchObject({ route: { model: "codegemma-7b", reason: "explicit" } });
  });

  it("treats a stream that ends without [DONE] as truncated, not finished", async () => {
    const events = await collect(bodyOf(encoder.encode(sse(chunk("cut off"))), []));
    expect(events).toEqual([
      { type: "delta", content: "cut off" },
      { type: "error", error: streamErrors.truncated },
    ]);
  });

  it("treats a half-written last event as truncated", async () => {
    const text = `${sse(chunk("a"))}data: {"choices":[{"delta":{"content":"b`;
    const events = await collect(bodyOf(encoder.encode(text), []));
    expect(events[0]).toEqual({ type: "delta", content: "a" });
    expect(events.at(-1)?.type).toBe("error");
    expect(events.some((event) => event.type === "done")).toBe(false);
  });

  it("reports a malformed event as an error", async () => {
    const events = await collect(bodyOf(encoder.encode("data: {not json\n\n"), []));
    expect(events).toEqual([{ type: "error", error: streamErrors.malformed }]);
  });

  it("cancels the body when the consumer stops early (closing the connection)", async () => {
    let cancelled = false;
    // An open connection: the data arrives, then the server keeps generating.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(sse(chunk("a"), chunk("b"))));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of readChatStream(body)) {
      expect(event).toEqual({ type: "delta", content: "a" });
      break;
    }
    expect(cancelled).toBe(true);
  });
});
