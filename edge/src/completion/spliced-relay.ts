import { SPLICE_END } from "../../../vocabulary/spliced-stream";
import { sseText } from "../proxy/sse";
import { MALFORMED, parseSplicedEvent, StreamFailure } from "../proxy/upstream-stream";
import { chunkText } from "./chunk-text";
import { streamErrorEvent } from "./format";
import { asFailure, type RelayOptions, type RelayOutcome, ReplyReader, SSE_HEADERS } from "./relay";

type Ending = Pick<RelayOutcome, "outcome" | "status" | "errorCode" | "reply">;

const encoder = new TextEncoder();

/**
 * workerd's native identity stream: what is piped into it reaches the client without
 * JavaScript per chunk. Node (the tests) has none; the standard TransformStream behaves alike.
 */
const NativeIdentity = (globalThis as { IdentityTransformStream?: typeof TransformStream })
  .IdentityTransformStream;
const IdentityStream: typeof TransformStream = NativeIdentity ?? TransformStream;

/**
 * Watches a tee'd copy of a spliced body without reading it per chunk: every third of the idle
 * timeout it reads whatever has arrived (workerd hands all buffered bytes to one BYOB read).
 * A read still waiting three ticks later means the body was silent for the whole idle timeout:
 * `onStall` (which aborts the upstream). `rest()` then reads the copy to its end (or its error,
 * after the bytes that came before it): the whole reply as the client got it.
 * Outside workerd (Node, the tests) a tee'd branch that errors drops what it had not handed out
 * yet, as the streams standard says; there the copy is read eagerly instead, so nothing the
 * client got is missing from it.
 */
class ProgressWatch {
  private readonly chunks: Uint8Array[] = [];
  private readonly reader: ReadableStreamBYOBReader | ReadableStreamDefaultReader<Uint8Array>;
  private readonly byob: boolean;
  private reading: Promise<void> | null = null;
  private done = false;
  private quietTicks = 0;
  /** Reads finished, and their count when the current quiet spell began. */
  private readsDone = 0;
  private quietSince = -1;
  private timer: ReturnType<typeof setTimeout> | undefined;
  stalled = false;

  constructor(
    private readonly observed: ReadableStream<Uint8Array>,
    idleTimeoutMs: number,
    onStall: () => void,
  ) {
    let byob: ReadableStreamBYOBReader | null = null;
    try {
      byob = observed.getReader({ mode: "byob" });
    } catch {
      // Not a byte stream: plain reads (one chunk each) tell progress just as well.
    }
    this.byob = byob !== null;
    this.reader = byob ?? observed.getReader();
    const period = Math.max(1, Math.ceil(idleTimeoutMs / 3));
    if (!NativeIdentity) this.readEagerly();
    const tick = () => {
      if (this.done) return;
      if (this.reading && this.quietSince === this.readsDone) {
        this.quietTicks += 1;
        if (this.quietTicks >= 3) {
          this.stalled = true;
          onStall();
          return;
        }
      } else {
        this.quietTicks = 0;
        this.quietSince = this.readsDone;
        if (!this.reading) void this.readOnce();
      }
      this.timer = setTimeout(tick, period);
    };
    this.timer = setTimeout(tick, period);
  }

  private readEagerly(): void {
    void this.readOnce().then(() => {
      if (!this.done) this.readEagerly();
    });
  }

  private readOnce(): Promise<void> {
    const read = this.byob
      ? (this.reader as ReadableStreamBYOBReader).read(new Uint8Array(16384))
      : (this.reader as ReadableStreamDefaultReader<Uint8Array>).read();
    this.reading = read.then(
      ({ done, value }) => {
        this.reading = null;
        this.readsDone += 1;
        if (value && value.byteLength > 0) this.chunks.push(value);
        if (done) this.done = true;
      },
      () => {
        this.reading = null;
        this.done = true;
      },
    );
    return this.reading;
  }

  /**
   * Everything the copy carried, read to its end or its error. After a clean end (`whole`) the
   * rest is taken in one native call rather than read in pieces.
   */
  async rest(whole: boolean): Promise<Uint8Array[]> {
    clearTimeout(this.timer);
    if (this.reading) await this.reading;
    if (whole && !this.done) {
      this.reader.releaseLock();
      this.done = true;
      this.chunks.push(new Uint8Array(await new Response(this.observed).arrayBuffer()));
    }
    while (!this.done) await this.readOnce();
    return this.chunks;
  }

  /** The client left: stop watching and let go of the copy (the upstream is cancelled with it). */
  stop(): void {
    clearTimeout(this.timer);
    this.done = true;
    this.reader.cancel().catch(() => {});
  }
}

function joined(head: Uint8Array, chunks: Uint8Array[]): Uint8Array {
  let size = head.byteLength;
  for (const c of chunks) size += c.byteLength;
  const all = new Uint8Array(size);
  all.set(head);
  let at = head.byteLength;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return all;
}

/**
 * Streams a reply whose backend speaks the spliced-stream protocol
 * (vocabulary/spliced-stream.ts): the backend writes the chunks as the client must see them, so
 * after the first token the body is piped to the client natively and the edge only watches a
 * tee'd copy. The edge still owns the reply: it writes the closing chunks (finish reason, usage,
 * `switchyard`) and [DONE] once the backend's closing comment arrived, and when the body breaks,
 * stalls or ends without it, continues the answer on another backend (spliced again, or relayed
 * chunk by chunk when that one does not splice) or ends with an in-band error naming the
 * original failure. Same client view, same outcome reporting as `relayStream`.
 *
 * @example return result.started.stream.isSpliced ? relaySpliced(relay) : relayStream(relay);
 */
export function relaySpliced(opts: RelayOptions): Response {
  const { readable, writable } = new IdentityStream<Uint8Array, Uint8Array>();
  const reader = new ReplyReader(opts);
  let finished = false;
  const finish = (o: Ending) => {
    if (finished) return;
    finished = true;
    if (o.outcome === "ok") reader.answer.settle("ok");
    else if (o.outcome === "aborted") reader.answer.settle("aborted");
    opts.onFinish(reader.outcome(o));
  };
  const write = async (data: Uint8Array | string) => {
    const writer = writable.getWriter();
    try {
      await writer.write(typeof data === "string" ? encoder.encode(data) : data);
    } finally {
      writer.releaseLock();
    }
  };
  /** Writes the last bytes, reports the ending (before the body closes: the span ends with it), closes. */
  const close = async (text: string, ending: Ending) => {
    const writer = writable.getWriter();
    await writer.write(encoder.encode(text));
    finish(ending);
    await writer.close();
  };
  const clientGone = () => {
    if (opts.clientSignal?.aborted) return true;
    const writer = writable.getWriter();
    const errored = writer.desiredSize === null;
    writer.releaseLock();
    return errored;
  };
  const aborted = () => {
    reader.answer.started.stream.cancel("client disconnected");
    finish({ outcome: "aborted", status: 200, errorCode: "client_closed_request", reply: null });
  };
  const fail = async (failure: StreamFailure, prefix = "") => {
    const first = reader.firstFailure ?? failure;
    reader.answer.started.stream.cancel(first.code);
    await close(prefix + sseText(streamErrorEvent(first.code, first.message, opts.meta.switchyard)), {
      outcome: "error",
      status: 200,
      errorCode: first.code,
      reply: null,
    });
  };
  const complete = async () => {
    const reply = reader.state.complete();
    let out = "";
    for (const chunk of opts.format.final(opts.meta, reply, opts.includeUsage)) out += sseText(chunk);
    await close(`${out}data: [DONE]\n\n`, { outcome: "ok", status: 200, errorCode: null, reply });
  };

  /** One spliced answer, piped to the client; null when it ended with its closing comment. */
  const splicedSegment = async (): Promise<
    { failure: StreamFailure; atBoundary: boolean } | "client" | null
  > => {
    const stream = reader.answer.started.stream;
    const { head, body } = stream.detach();
    await write(head);
    const [toClient, observed] = body.tee();
    const watch = new ProgressWatch(observed, opts.idleTimeoutMs, () => stream.cancel("idle_timeout"));
    let broke = false;
    try {
      // preventCancel: a cancelled tee branch waits for its twin, so the edge cancels the upstream itself.
      await toClient.pipeTo(writable, { preventClose: true, preventAbort: true, preventCancel: true });
    } catch {
      broke = true;
    }
    if (broke && clientGone()) {
      watch.stop();
      toClient.cancel().catch(() => {});
      return "client";
    }
    const text = new TextDecoder().decode(joined(head, await watch.rest(!broke)));
    let ended = false;
    let reported: StreamFailure | null = null;
    const events = text.split("\n\n");
    // The content is needed to cache the reply or to continue it; otherwise only the closing
    // comment (finish reason, usage), which ends a whole reply.
    const closing = events.at(-1) === "" ? events.at(-2) : undefined;
    const onlyClosing = !broke && !opts.keepContent && closing?.startsWith(SPLICE_END) === true;
    for (const raw of onlyClosing ? [closing as string] : events) {
      if (raw === "") continue;
      try {
        const event = parseSplicedEvent(raw);
        if (event === null || event === MALFORMED || event.kind !== "delta") continue;
        reader.state.add(event.delta);
        if (raw.startsWith(":")) ended = true;
      } catch (error) {
        reported = asFailure(error);
      }
    }
    if (ended && !reported) return null;
    const failure =
      reported ??
      (watch.stalled
        ? new StreamFailure("idle_timeout", "The model stream stalled")
        : broke
          ? new StreamFailure("network_error", "The connection to the model broke")
          : new StreamFailure("truncated", "The model stream ended without a finish reason"));
    stream.cancel(failure.code);
    return { failure, atBoundary: text.endsWith("\n\n") };
  };

  /** A continuation that does not splice: chunk by chunk, as `relayStream` does. */
  const relayRest = async () => {
    const contentChunk = chunkText(opts.format, opts.meta);
    for (;;) {
      const delta = await reader.next();
      if (delta === "done") return complete();
      let out = delta.content !== "" ? `data: ${contentChunk(delta.content, false)}\n\n` : "";
      const tools = delta.toolCalls.length
        ? opts.format.toolCallChunk(opts.meta, delta.toolCalls, false)
        : null;
      if (tools !== null) out += sseText(tools);
      if (out !== "") await write(out);
    }
  };

  const run = async () => {
    for (;;) {
      if (!reader.answer.started.stream.isSpliced) return relayRest();
      const segment = await splicedSegment();
      if (segment === null) return complete();
      if (segment === "client") return aborted();
      if (!segment.atBoundary) {
        // A cut inside an event cannot be continued: the client holds half an event.
        reader.firstFailure ??= segment.failure;
        reader.answer.settle("error");
        return fail(segment.failure, "\n\n");
      }
      if (!(await reader.takeOver(segment.failure))) return fail(segment.failure);
    }
  };
  run().catch(async (error: unknown) => {
    if (finished) return;
    if (clientGone()) return aborted();
    try {
      await fail(asFailure(error));
    } catch {
      aborted();
    }
  });
  return new Response(readable, { status: 200, headers: { ...SSE_HEADERS, ...opts.headers } });
}
