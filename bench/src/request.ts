import { createParser, type EventSourceMessage } from "eventsource-parser";

/** Where a request goes: a backend, the edge, the platform floor or a peer gateway. */
export interface Target {
  /** Label in results, e.g. "direct", "edge", "floor", "portkey", "litellm". */
  name: string;
  /** Base URL up to and including /v1, e.g. http://127.0.0.1:8082/v1 */
  baseUrl: string;
  headers: Record<string, string>;
}

export interface RequestSpec {
  model: string;
  prompt: string;
  maxTokens: number;
  stream: boolean;
  /** Extra request headers (e.g. Cache-Control: no-cache). */
  headers?: Record<string, string>;
  timeoutMs: number;
}

export type ErrorKind =
  | "http_429"
  | "http_4xx"
  | "http_5xx"
  | "network"
  | "timeout"
  | "stream_error"
  | "bad_response";

/** One measured request. Times are ms; `startMs` is relative to the run's clock. */
export interface Sample {
  startMs: number;
  ok: boolean;
  status: number;
  errorKind?: ErrorKind;
  /** Time to the first content token (streaming) or to the whole body (non-streaming). */
  ttftMs: number | null;
  latencyMs: number;
  completionTokens: number;
  /** Decode rate of this stream: (tokens - 1) / (last token - first token). */
  streamTokensPerSec: number | null;
  /** Value of x-switchyard-cache when present. */
  cache?: string;
  /** The model that answered (x-switchyard-model, else the body's `model`). */
  servedModel?: string;
  /** x-switchyard-route-reason when present. */
  routeReason?: string;
}

interface ChatChunk {
  model?: string;
  choices?: Array<{ delta?: { content?: string | null }; text?: string; finish_reason?: string | null }>;
  usage?: { completion_tokens?: number } | null;
  error?: unknown;
}

/** Classifies an HTTP status the way the report groups errors. */
export function errorKindForStatus(status: number): ErrorKind {
  if (status === 429) return "http_429";
  if (status >= 500) return "http_5xx";
  return "http_4xx";
}

/**
 * Sends one chat completion and measures it. Never throws: failures come back as
 * samples with `ok: false` and an error kind. For streams, TTFT is the first chunk that
 * carries content; a stream that ends without `[DONE]` or carries an error event is a
 * `stream_error`, never a success.
 *
 * @example
 * const s = await sendChat(target, { model: "qwen2.5-7b-instruct", prompt: "Hi", maxTokens: 16, stream: true, timeoutMs: 30_000 }, performance.now());
 */
export async function sendChat(target: Target, spec: RequestSpec, clockZero: number): Promise<Sample> {
  const t0 = performance.now();
  const sample: Sample = {
    startMs: t0 - clockZero,
    ok: false,
    status: 0,
    ttftMs: null,
    latencyMs: 0,
    completionTokens: 0,
    streamTokensPerSec: null,
  };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), spec.timeoutMs);
  const body: Record<string, unknown> = {
    model: spec.model,
    messages: [{ role: "user", content: spec.prompt }],
    max_tokens: spec.maxTokens,
    temperature: 0,
    stream: spec.stream,
  };
  if (spec.stream) body.stream_options = { include_usage: true };
  try {
    const res = await fetch(`${target.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...target.headers, ...spec.headers },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    sample.status = res.status;
    const cache = res.headers.get("x-switchyard-cache");
    if (cache) sample.cache = cache;
    const served = res.headers.get("x-switchyard-model");
    if (served) sample.servedModel = served;
    const reason = res.headers.get("x-switchyard-route-reason");
    if (reason) sample.routeReason = reason;
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      sample.errorKind = errorKindForStatus(res.status);
      return finish(sample, t0);
    }
    const isSse = (res.headers.get("content-type") ?? "").includes("text/event-stream");
    if (spec.stream && isSse && res.body) {
      await readStream(res.body, sample, t0);
    } else {
      const json = (await res.json()) as {
        model?: string;
        choices?: Array<{ message?: { content?: string } }>;
        usage?: { completion_tokens?: number };
      };
      sample.ttftMs = performance.now() - t0;
      sample.servedModel ??= json.model;
      const content = json.choices?.[0]?.message?.content;
      if (typeof content !== "string") {
        sample.errorKind = "bad_response";
      } else {
        sample.completionTokens = json.usage?.completion_tokens ?? 0;
        sample.ok = true;
      }
    }
  } catch (err) {
    sample.errorKind = controller.signal.aborted ? "timeout" : sample.status ? "stream_error" : "network";
    void err;
  } finally {
    clearTimeout(timer);
  }
  return finish(sample, t0);
}

function finish(sample: Sample, t0: number): Sample {
  sample.latencyMs = performance.now() - t0;
  return sample;
}

async function readStream(body: ReadableStream<Uint8Array>, sample: Sample, t0: number): Promise<void> {
  // eventsource-parser (as the edge and the web app use): WHATWG event-stream rules, any split.
  let events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => void events.push(message) });
  const decoder = new TextDecoder();
  let contentChunks = 0;
  let usageTokens: number | null = null;
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  let done = false;
  let failed = false;
  for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
    const now = performance.now();
    parser.feed(decoder.decode(bytes, { stream: true }));
    const ready = events;
    events = [];
    for (const ev of ready) {
      if (ev.event === "error") failed = true;
      if (ev.data === "[DONE]") {
        done = true;
        continue;
      }
      let chunk: ChatChunk;
      try {
        chunk = JSON.parse(ev.data) as ChatChunk;
      } catch {
        failed = true;
        continue;
      }
      if (chunk.error) failed = true;
      if (chunk.model) sample.servedModel ??= chunk.model;
      const usage = chunk.usage?.completion_tokens;
      if (typeof usage === "number") usageTokens = usage;
      const choice = chunk.choices?.[0];
      const text = choice?.delta?.content ?? choice?.text;
      if (typeof text === "string" && text.length > 0) {
        contentChunks++;
        firstAt ??= now;
        lastAt = now;
      }
    }
  }
  parser.reset();
  if (firstAt !== null) sample.ttftMs = firstAt - t0;
  sample.completionTokens = usageTokens ?? contentChunks;
  if (firstAt !== null && lastAt !== null && lastAt > firstAt && sample.completionTokens > 1) {
    sample.streamTokensPerSec = ((sample.completionTokens - 1) * 1000) / (lastAt - firstAt);
  }
  if (failed || !done) sample.errorKind = "stream_error";
  else sample.ok = true;
}
