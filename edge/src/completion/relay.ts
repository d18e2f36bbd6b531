import type { AttemptStarted } from "../proxy/attempt";
import { sseData } from "../proxy/sse";
import { type CompletionDelta, StreamFailure, type Usage } from "../proxy/upstream-stream";
import { type CompletedReply, type ReplyFormat, type ReplyMeta, streamErrorEvent } from "./format";
import type { ToolCall } from "./request";

export interface RelayOutcome {
  outcome: "ok" | "error" | "aborted";
  status: number;
  errorCode: string | null;
  /** The complete reply; only for "ok" (never cache anything else). */
  reply: CompletedReply | null;
}

export interface RelayOptions {
  started: AttemptStarted;
  meta: ReplyMeta;
  format: ReplyFormat;
  idleTimeoutMs: number;
  includeUsage: boolean;
  headers: Record<string, string>;
  /** Called exactly once, when the reply ended (cleanly, failed, or the client left). */
  onFinish: (outcome: RelayOutcome) => void;
  clientSignal?: AbortSignal | undefined;
}

/** Accumulates the reply and decides whether the upstream finished cleanly. */
class ReplyState {
  content = "";
  toolCalls: ToolCall[] = [];
  finishReason: string | null = null;
  usage: Usage | null = null;

  add(d: CompletionDelta): void {
    this.content += d.content;
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

  /** A clean end needs both [DONE] and a finish reason; anything else is a truncated reply. */
  complete(): CompletedReply {
    if (this.finishReason === null)
      throw new StreamFailure("truncated", "The model stream ended without a finish reason");
    return {
      content: this.content,
      toolCalls: this.toolCalls.filter(Boolean),
      finishReason: this.finishReason,
      usage: this.usage,
    };
  }
}

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

/**
 * Streams the committed upstream to the client as SSE. Pull-based: the next upstream chunk is
 * read only when the client has taken the previous one (backpressure). After the first token
 * there is no silent fallback: a failure becomes an in-band error event, no [DONE].
 * A client disconnect cancels the upstream request.
 */
export function relayStream(opts: RelayOptions): Response {
  const { stream: upstream, buffered } = opts.started;
  const state = new ReplyState();
  const pending = [...buffered];
  let first = true;
  let finished = false;
  const finish = (o: RelayOutcome) => {
    if (finished) return;
    finished = true;
    opts.clientSignal?.removeEventListener("abort", onClientAbort);
    opts.onFinish(o);
  };
  const onClientAbort = () => {
    upstream.cancel("client disconnected");
    finish({ outcome: "aborted", status: 200, errorCode: "client_closed_request", reply: null });
  };
  opts.clientSignal?.addEventListener("abort", onClientAbort, { once: true });

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const delta = pending.shift();
          if (delta) {
            state.add(delta);
            let sent = false;
            if (delta.content !== "") {
              controller.enqueue(sseData(opts.format.chunk(opts.meta, delta.content, first)));
              first = false;
              sent = true;
            }
            const tools = delta.toolCalls.length
              ? opts.format.toolCallChunk(opts.meta, delta.toolCalls, first)
              : null;
            if (tools !== null) {
              controller.enqueue(sseData(tools));
              first = false;
              sent = true;
            }
            if (sent) return;
            continue;
          }
          const event = await upstream.next(opts.idleTimeoutMs, "idle_timeout");
          if (event === null) throw new StreamFailure("truncated", "The model stream ended without [DONE]");
          if (event.kind === "done") {
            const reply = state.complete();
            for (const chunk of opts.format.final(opts.meta, reply, opts.includeUsage))
              controller.enqueue(sseData(chunk));
            controller.enqueue(sseData("[DONE]"));
            controller.close();
            finish({ outcome: "ok", status: 200, errorCode: null, reply });
            return;
          }
          pending.push(event.delta);
        }
      } catch (error) {
        if (finished) return;
        const failure =
          error instanceof StreamFailure
            ? error
            : new StreamFailure("network_error", "The model stream failed");
        upstream.cancel(failure.code);
        controller.enqueue(sseData(streamErrorEvent(failure.code, failure.message, opts.meta.switchyard)));
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
 * Collects the committed upstream into one JSON reply. A failure after the first token is a
 * 502 with a structured error (the client sees no partial text presented as success).
 */
export async function relayJson(opts: RelayOptions): Promise<Response> {
  const { stream: upstream, buffered } = opts.started;
  const state = new ReplyState();
  for (const d of buffered) state.add(d);
  try {
    for (;;) {
      const event = await upstream.next(opts.idleTimeoutMs, "idle_timeout");
      if (event === null) throw new StreamFailure("truncated", "The model stream ended without [DONE]");
      if (event.kind === "done") break;
      state.add(event.delta);
    }
    const reply = state.complete();
    opts.onFinish({ outcome: "ok", status: 200, errorCode: null, reply });
    return new Response(JSON.stringify(opts.format.json(opts.meta, reply)), {
      status: 200,
      headers: { "content-type": "application/json; charset=utf-8", ...opts.headers },
    });
  } catch (error) {
    const failure =
      error instanceof StreamFailure ? error : new StreamFailure("network_error", "The model stream failed");
    upstream.cancel(failure.code);
    const aborted = opts.clientSignal?.aborted === true;
    opts.onFinish({
      outcome: aborted ? "aborted" : "error",
      status: aborted ? 499 : 502,
      errorCode: aborted ? "client_closed_request" : failure.code,
      reply: null,
    });
    return new Response(
      JSON.stringify({ ...streamErrorEvent(failure.code, failure.message, opts.meta.switchyard) }),
      {
        status: 502,
        headers: { "content-type": "application/json; charset=utf-8", ...opts.headers },
      },
    );
  }
}
