import { SseParser } from "./sse";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** A whole tool call, as a reply (and a cached completion) carries it. */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** One streamed piece of a tool call (OpenAI's `delta.tool_calls[]`): id and name come first. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

/** What one upstream chunk contributes to the reply. */
export interface CompletionDelta {
  content: string;
  /** Tool-call pieces, passed through to the client as they come. */
  toolCalls: ToolCallDelta[];
  finishReason: string | null;
  usage: Usage | null;
}

function toolCallDeltas(raw: unknown): ToolCallDelta[] {
  if (raw === undefined || raw === null) return [];
  const malformed = () => new StreamFailure("malformed_chunk", "The model sent a malformed tool call");
  if (!Array.isArray(raw)) throw malformed();
  return raw.map((d: unknown) => {
    const t = d as { index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } };
    if (typeof t !== "object" || t === null || typeof t.index !== "number") throw malformed();
    const fn = t.function;
    return {
      index: t.index,
      ...(typeof t.id === "string" ? { id: t.id, type: "function" as const } : {}),
      ...(fn && typeof fn === "object"
        ? {
            function: {
              ...(typeof fn.name === "string" ? { name: fn.name } : {}),
              ...(typeof fn.arguments === "string" ? { arguments: fn.arguments } : {}),
            },
          }
        : {}),
    };
  });
}

export type UpstreamEvent = { kind: "delta"; delta: CompletionDelta } | { kind: "done" };

export type StreamFailureCode =
  | "ttft_timeout"
  | "idle_timeout"
  | "truncated"
  | "malformed_chunk"
  | "upstream_error"
  | "cancelled"
  | "network_error";

/**
 * Formats an error's stack trace now. Until then V8 keeps the trace's call sites, which hold
 * the receivers and closures of every frame: here the whole request (relay, streams, context).
 * workerd keeps the error a broken fetch body failed with (and an abort reason) in a global
 * handle for as long as the stream lives, and the stream is among those objects: a cycle through
 * a global handle, which the garbage collector cannot free. Found by the bench soak: every cut
 * stream left its request behind. A formatted trace is a string and holds nothing.
 */
export function releaseStackTrace(error: unknown): void {
  if (error instanceof Error) void error.stack;
}

/** A failure of the upstream stream; `code` ends up in the client's error and the request log. */
export class StreamFailure extends Error {
  override name = "StreamFailure";
  constructor(
    readonly code: StreamFailureCode,
    message: string,
  ) {
    super(message);
    // Used as abort reasons, which workerd holds in global handles (see releaseStackTrace).
    releaseStackTrace(this);
  }
}

/** An event whose data is not a JSON object: skipped (and counted), the stream goes on. */
const MALFORMED = Symbol("malformed");

function parseChunk(data: string): UpstreamEvent | typeof MALFORMED {
  if (data.trim() === "[DONE]") return { kind: "done" };
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return MALFORMED;
  }
  if (typeof chunk !== "object" || chunk === null) return MALFORMED;
  const c = chunk as {
    error?: { message?: unknown };
    choices?: {
      delta?: { content?: unknown; tool_calls?: unknown };
      /** Legacy completions (text_completion chunks) carry the text here. */
      text?: unknown;
      finish_reason?: unknown;
    }[];
    usage?: Partial<Usage> | null;
  };
  if (c.error) {
    const detail = typeof c.error.message === "string" ? `: ${c.error.message}` : "";
    throw new StreamFailure("upstream_error", `The model reported an error mid-stream${detail}`);
  }
  if (c.choices !== undefined && !Array.isArray(c.choices)) return MALFORMED;
  const choice = c.choices?.[0];
  const content =
    typeof choice?.delta?.content === "string"
      ? choice.delta.content
      : typeof choice?.text === "string"
        ? choice.text
        : "";
  const toolCalls = toolCallDeltas(choice?.delta?.tool_calls);
  const finishReason = typeof choice?.finish_reason === "string" ? choice.finish_reason : null;
  const u = c.usage;
  const usage =
    u && typeof u.prompt_tokens === "number" && typeof u.completion_tokens === "number"
      ? {
          prompt_tokens: u.prompt_tokens,
          completion_tokens: u.completion_tokens,
          total_tokens: u.total_tokens ?? u.prompt_tokens + u.completion_tokens,
        }
      : null;
  return { kind: "delta", delta: { content, toolCalls, finishReason, usage } };
}

/**
 * Reads an upstream OpenAI-style SSE body one event at a time, each read bounded by a timeout.
 * Reads happen only when the caller asks (pull), so a slow client slows the upstream read:
 * that is the backpressure path. A timeout or `cancel` aborts the upstream request.
 *
 * @example
 * const ev = await stream.next(idleTimeoutMs, "idle_timeout"); // null at end of body
 */
export class UpstreamStream {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly parser = new SseParser();
  private readonly decoder = new TextDecoder();
  /** Raw event data, parsed only when taken, so events before a bad one are still delivered. */
  private readonly queue: string[] = [];
  private ended = false;
  /** The body errored (the connection broke): there is nothing left to abort or cancel. */
  private broken = false;

  /**
   * @param onMalformed called once per skipped event that was not a JSON object (one bad
   *   event in a good stream must not cost the whole answer).
   */
  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly controller: AbortController,
    private readonly onMalformed: () => void = () => {},
  ) {
    this.reader = body.getReader();
  }

  async next(timeoutMs: number, timeoutCode: "ttft_timeout" | "idle_timeout"): Promise<UpstreamEvent | null> {
    for (;;) {
      const queued = this.queue.shift();
      if (queued !== undefined) {
        const event = parseChunk(queued);
        if (event === MALFORMED) {
          this.onMalformed();
          continue;
        }
        if (event.kind === "done") this.finishAfterDone();
        return event;
      }
      if (this.ended) {
        this.stopWatchdog();
        return null;
      }
      const chunk = await this.readWithTimeout(timeoutMs, timeoutCode);
      if (chunk === null) {
        this.ended = true;
        // Flush a final event that lacked its blank line.
        for (const ev of this.parser.push(`${this.decoder.decode()}\n\n`)) this.queue.push(ev.data);
        continue;
      }
      for (const ev of this.parser.push(this.decoder.decode(chunk, { stream: true })))
        this.queue.push(ev.data);
    }
  }

  /** Whether events already read wait to be taken (the next `next()` needs no read). */
  hasQueued(): boolean {
    return this.queue.length > 0;
  }

  /**
   * [DONE]: nothing more is needed. No timer may outlive the reply, and the rest of the body
   * (normally just its end) is read off in the background rather than left unconsumed, which
   * would hold the connection and its buffers until garbage collection.
   */
  private finishAfterDone(): void {
    this.ended = true;
    this.stopWatchdog();
    const drain = async () => {
      for (let reads = 0; reads < 16; reads++) if ((await this.reader.read()).done) return;
      await this.reader.cancel("done");
    };
    drain().catch(() => {});
  }

  /** Stops reading and aborts the upstream request (frees the backend's slot). */
  cancel(reason = "cancelled"): void {
    this.ended = true;
    this.stopWatchdog();
    if (this.broken) return;
    this.controller.abort(new StreamFailure("network_error", reason));
    this.reader.cancel(reason).catch(() => {});
  }

  /**
   * One watchdog timer per stream instead of a timer and a Promise.race per read: relaying is
   * per token, and two timer calls plus a race for every chunk were a measurable share of the
   * isolate's CPU under concurrency. Each read moves the deadline; the timer re-arms itself for
   * the time left when it fires early.
   */
  private deadline = 0;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires. */
  private watchdogAt = 0;
  private onTimeout: (() => void) | null = null;

  private readonly fire = () => {
    this.watchdog = undefined;
    if (!this.onTimeout) return;
    const left = this.deadline - Date.now();
    if (left > 0) {
      this.watchdogAt = this.deadline;
      this.watchdog = setTimeout(this.fire, left);
      return;
    }
    this.onTimeout();
  };

  private stopWatchdog(): void {
    this.onTimeout = null;
    if (this.watchdog !== undefined) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  /** Set by the watchdog when a read ran out of time; the pending read then ends and throws it. */
  private timedOut: StreamFailure | null = null;

  /**
   * One read, bounded by the watchdog. No Promise of its own per read (the watchdog cancels the
   * reader, which ends the pending read at once, and the read then throws the timeout): relaying
   * is per chunk, and a wrapper promise with its closures per read was a visible share of the
   * isolate's CPU.
   */
  private async readWithTimeout(
    ms: number,
    code: "ttft_timeout" | "idle_timeout",
  ): Promise<Uint8Array | null> {
    this.onTimeout = () => {
      this.onTimeout = null;
      this.timedOut = new StreamFailure(
        code,
        code === "ttft_timeout" ? "The model did not start answering in time" : "The model stream stalled",
      );
      this.cancel(code);
    };
    this.deadline = Date.now() + Math.max(0, ms);
    // A deadline earlier than the armed timer (idle timeout after a longer TTFT wait) re-arms it.
    if (this.watchdog !== undefined && this.watchdogAt > this.deadline) {
      clearTimeout(this.watchdog);
      this.watchdog = undefined;
    }
    if (this.watchdog === undefined) {
      this.watchdogAt = this.deadline;
      this.watchdog = setTimeout(this.fire, Math.max(0, ms));
    }
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await this.reader.read();
    } catch (error) {
      releaseStackTrace(error);
      if (this.timedOut) throw this.timedOut;
      this.broken = true;
      this.stopWatchdog();
      // An abort with a StreamFailure reason (the attempt's TTFT budget) keeps its code.
      if (error instanceof StreamFailure) {
        this.cancel(error.code);
        throw error;
      }
      throw new StreamFailure("network_error", "The connection to the model broke");
    }
    if (this.timedOut) throw this.timedOut;
    this.onTimeout = null;
    if (result.done) {
      this.stopWatchdog();
      return null;
    }
    return result.value;
  }
}
