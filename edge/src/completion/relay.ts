import type { DispatchStarted } from "../proxy/dispatch";
import { sseText } from "../proxy/sse";
import { type CompletionDelta, StreamFailure, type Usage } from "../proxy/upstream-stream";
import { chunkText } from "./chunk-text";
import { type CompletedReply, type ReplyFormat, type ReplyMeta, streamErrorEvent } from "./format";
import type { ToolCall } from "./request";

export interface RelayOutcome {
  outcome: "ok" | "error" | "aborted";
  status: number;
  /** For a failure, always the first one (a failed rescue never replaces the real cause). */
  errorCode: string | null;
  /** The complete reply; only for "ok" (never cache anything else). */
  reply: CompletedReply | null;
  /** The backend that produced the last part of the reply. */
  answer: DispatchStarted;
  /** Upstream requests and failed models over the whole reply, continuations included. */
  attempts: number;
  fallbackFrom: string[];
  /** The failure a continuation rescued the reply from (null when nothing broke or it was not rescued). */
  continuedAfter: string | null;
}

/**
 * Asks another backend to continue the reply after `delivered` (the text the client already
 * has, sent as an assistant prefill). Null when no capable backend took it; the failed answer's
 * breaker has been settled by then.
 */
export type Rescue = (
  delivered: { text: string; chunks: number },
  failed: DispatchStarted,
) => Promise<DispatchStarted | null>;

export interface RelayOptions {
  answer: DispatchStarted;
  meta: ReplyMeta;
  format: ReplyFormat;
  idleTimeoutMs: number;
  includeUsage: boolean;
  headers: Record<string, string>;
  /** Called exactly once, when the reply ended (cleanly, failed, or the client left). */
  onFinish: (outcome: RelayOutcome) => void;
  clientSignal?: AbortSignal | undefined;
  /** Mid-stream continuation on another backend; without it a broken stream is an error. */
  rescue?: Rescue | undefined;
  /** Most continuations of one reply. */
  maxRescues?: number;
  /** A continuation took over (or failed to): for metrics. */
  onRescue?: (from: string, to: string | null, failure: string) => void;
}

/** Accumulates the reply and decides whether the upstream finished cleanly. */
class ReplyState {
  content = "";
  toolCalls: ToolCall[] = [];
  finishReason: string | null = null;
  usage: Usage | null = null;
  /** Content deltas of earlier answers: an estimate of their tokens if a backend does not say. */
  private deltasBefore = 0;
  private deltas = 0;
  /** Tokens of the continued answer's prompt that were the prefill (this reply's own text). */
  private prefillTokens: number | null = null;

  add(d: CompletionDelta): void {
    this.content += d.content;
    if (d.content !== "") this.deltas += 1;
    for (const t of d.toolCalls) {
      let call = this.toolCalls[t.index];
      if (!call) {
        call = { id: "", type: "function", function: { name: "", arguments: "" } };
        this.toolCalls[t.index] = call;
      }
      if (t.id) call.id = t.id;
      if (t.function?.name) call.function.name += t.function.name;
      if (t.function?.arguments) call.function.arguments += t.function.arguments;
    }
    if (d.finishReason !== null) this.finishReason = d.finishReason;
    if (d.usage !== null) this.usage = d.usage;
  }

  delivered(): { text: string; chunks: number } {
    return { text: this.content, chunks: this.deltas };
  }

  /** Another backend continues from here: what it reports covers only its own part. */
  continueWith(prefillTokens: number | null): void {
    this.deltasBefore = this.deltas;
    this.prefillTokens = prefillTokens;
    this.finishReason = null;
    this.usage = null;
  }

  /** The reply so far as complete; after a continuation, usage is the whole answer's (the prefill counts as completion). */
  complete(): CompletedReply {
    if (this.finishReason === null)
      throw new StreamFailure("truncated", "The model stream ended without a finish reason");
    let usage = this.usage;
    if (usage && this.deltasBefore > 0) {
      const prefill = this.prefillTokens ?? this.deltasBefore;
      usage = {
        prompt_tokens: Math.max(0, usage.prompt_tokens - prefill),
        completion_tokens: usage.completion_tokens + prefill,
        total_tokens: usage.total_tokens,
      };
    }
    return {
      content: this.content,
      toolCalls: this.toolCalls.filter(Boolean),
      finishReason: this.finishReason,
      usage,
    };
  }
}

const encoder = new TextEncoder();

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

const asFailure = (error: unknown) =>
  error instanceof StreamFailure ? error : new StreamFailure("network_error", "The model stream failed");

/**
 * One reply read from its backend, continued on another one when the stream breaks after the
 * first token: the client's view stays one answer (same id, no gap, nothing repeated).
 */
class ReplyReader {
  readonly state = new ReplyState();
  answer: DispatchStarted;
  private pending: CompletionDelta[];
  attempts: number;
  readonly fallbackFrom: string[];
  firstFailure: StreamFailure | null = null;
  private rescues = 0;

  constructor(private readonly opts: RelayOptions) {
    this.answer = opts.answer;
    this.pending = [...opts.answer.started.buffered];
    this.attempts = opts.answer.attempts;
    this.fallbackFrom = [...opts.answer.fallbackFrom];
  }

  /** Whether the next `next()` is answered from what was already read (no wait for the backend). */
  hasBuffered(): boolean {
    return this.pending.length > 0 || this.answer.started.stream.hasQueued();
  }

  /** The next delta, or "done" when the reply is complete; throws the (first) failure otherwise. */
  async next(): Promise<CompletionDelta | "done"> {
    for (;;) {
      const queued = this.pending.shift();
      if (queued) {
        this.state.add(queued);
        return queued;
      }
      try {
        const event = await this.answer.started.stream.next(this.opts.idleTimeoutMs, "idle_timeout");
        if (event?.kind === "delta") {
          this.pending.push(event.delta);
          continue;
        }
        // A clean end needs a finish reason, then [DONE] or the body closing cleanly.
        if (this.state.finishReason !== null) return "done";
        throw new StreamFailure(
          "truncated",
          event === null
            ? "The model stream ended without a finish reason or [DONE]"
            : "The model stream ended without a finish reason",
        );
      } catch (error) {
        if (this.opts.clientSignal?.aborted) throw error;
        const failure = asFailure(error);
        this.answer.started.stream.cancel(failure.code);
        if (!(await this.takeOver(failure))) throw this.firstFailure ?? failure;
      }
    }
  }

  /** Hands the reply to a continuing backend; false when none took it. */
  private async takeOver(failure: StreamFailure): Promise<boolean> {
    this.firstFailure ??= failure;
    const failed = this.answer;
    failed.settle("error");
    const { rescue } = this.opts;
    // Text can be continued from a prefill; a half-streamed tool call cannot.
    if (!rescue || this.rescues >= (this.opts.maxRescues ?? 2) || this.state.toolCalls.length > 0)
      return false;
    this.rescues += 1;
    const next = await rescue(this.state.delivered(), failed);
    this.opts.onRescue?.(failed.modelId, next?.modelId ?? null, this.firstFailure.code);
    if (!next) return false;
    // Another replica of the same model continuing is not a fallback to another model.
    if (next.modelId !== failed.modelId) this.fallbackFrom.push(failed.modelId);
    this.attempts += next.attempts;
    this.fallbackFrom.push(...next.fallbackFrom);
    this.answer = next;
    this.pending = [...next.started.buffered];
    this.state.continueWith(next.started.prefillTokens);
    const { meta } = this.opts;
    meta.model = next.modelId;
    meta.switchyard.model = next.modelId;
    meta.switchyard.attempts = this.attempts;
    meta.switchyard.fallback_from = this.fallbackFrom;
    meta.switchyard.continued_after = this.firstFailure.code;
    return true;
  }

  outcome(o: Pick<RelayOutcome, "outcome" | "status" | "errorCode" | "reply">): RelayOutcome {
    return {
      ...o,
      answer: this.answer,
      attempts: this.attempts,
      fallbackFrom: this.fallbackFrom,
      continuedAfter: o.outcome === "ok" && this.firstFailure ? this.firstFailure.code : null,
    };
  }
}

/**
 * Streams the committed upstream to the client as SSE. Pull-based: the next upstream chunk is
 * read only when the client has taken the previous one (backpressure). After the first token
 * there is no silent fallback: a broken stream is continued on another backend (`rescue`) or
 * becomes an in-band error event naming the original failure, without [DONE].
 * A client disconnect cancels the upstream request.
 */
export function relayStream(opts: RelayOptions): Response {
  const reader = new ReplyReader(opts);
  let first = true;
  let finished = false;
  const finish = (o: Pick<RelayOutcome, "outcome" | "status" | "errorCode" | "reply">) => {
    if (finished) return;
    finished = true;
    opts.clientSignal?.removeEventListener("abort", onClientAbort);
    if (o.outcome === "ok") reader.answer.settle("ok");
    else if (o.outcome === "aborted") reader.answer.settle("aborted");
    opts.onFinish(reader.outcome(o));
  };
  const onClientAbort = () => {
    reader.answer.started.stream.cancel("client disconnected");
    finish({ outcome: "aborted", status: 200, errorCode: "client_closed_request", reply: null });
  };
  opts.clientSignal?.addEventListener("abort", onClientAbort, { once: true });

  const contentChunk = chunkText(opts.format, opts.meta);
  const body = new ReadableStream<Uint8Array>({
    // Each pull sends what the backend has delivered so far, as one write: every event already
    // read goes into one string, encoded and enqueued once (per chunk, an encode and an enqueue
    // each were a visible share of the isolate's CPU). Content chunks come from a template
    // (chunkText), not from an object stringified per chunk.
    async pull(controller) {
      let out = "";
      try {
        for (;;) {
          const delta = await reader.next();
          if (finished) return;
          if (delta === "done") {
            const reply = reader.state.complete();
            for (const chunk of opts.format.final(opts.meta, reply, opts.includeUsage)) out += sseText(chunk);
            controller.enqueue(encoder.encode(`${out}data: [DONE]\n\n`));
            controller.close();
            finish({ outcome: "ok", status: 200, errorCode: null, reply });
            return;
          }
          // Chunk content passes through as it came: text, tool-call pieces, or both.
          if (delta.content !== "") {
            out += `data: ${contentChunk(delta.content, first)}\n\n`;
            first = false;
          }
          const tools = delta.toolCalls.length
            ? opts.format.toolCallChunk(opts.meta, delta.toolCalls, first)
            : null;
          if (tools !== null) {
            out += sseText(tools);
            first = false;
          }
          if (out !== "" && !reader.hasBuffered()) {
            controller.enqueue(encoder.encode(out));
            return;
          }
        }
      } catch (error) {
        if (finished) return;
        const failure = reader.firstFailure ?? asFailure(error);
        reader.answer.started.stream.cancel(failure.code);
        out += sseText(streamErrorEvent(failure.code, failure.message, opts.meta.switchyard));
        controller.enqueue(encoder.encode(out));
        controller.close();
        finish({ outcome: "error", status: 200, errorCode: failure.code, reply: null });
      }
    },
    cancel() {
      onClientAbort();
    },
  });
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...opts.headers } });
}

/**
 * Collects the committed upstream into one JSON reply, continuing on another backend when the
 * stream breaks. A failure that could not be rescued is a 502 with a structured error naming
 * the original failure (the client sees no partial text presented as success).
 */
export async function relayJson(opts: RelayOptions): Promise<Response> {
  const reader = new ReplyReader(opts);
  try {
    while ((await reader.next()) !== "done") {}
    const reply = reader.state.complete();
    reader.answer.settle("ok");
    opts.onFinish(reader.outcome({ outcome: "ok", status: 200, errorCode: null, reply }));
    return new Response(JSON.stringify(opts.format.json(opts.meta, reply)), {
      status: 200,
      headers: { "content-type": "application/json; charset=utf-8", ...opts.headers },
    });
  } catch (error) {
    const failure = reader.firstFailure ?? asFailure(error);
    reader.answer.started.stream.cancel(failure.code);
    const aborted = opts.clientSignal?.aborted === true;
    if (aborted) reader.answer.settle("aborted");
    opts.onFinish(
      reader.outcome({
        outcome: aborted ? "aborted" : "error",
        status: aborted ? 499 : 502,
        errorCode: aborted ? "client_closed_request" : failure.code,
        reply: null,
      }),
    );
    return new Response(
      JSON.stringify(streamErrorEvent(failure.code, failure.message, opts.meta.switchyard)),
      {
        status: 502,
        headers: { "content-type": "application/json; charset=utf-8", ...opts.headers },
      },
    );
  }
}
