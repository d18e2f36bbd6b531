import { parseRetryAfterMs } from "./backoff";
import { type CompletionDelta, releaseStackTrace, StreamFailure, UpstreamStream } from "./upstream-stream";

export interface AttemptRequest {
  url: string;
  body: unknown;
  backendApiKey?: string | undefined;
  ttftBudgetMs: number;
  /** The client's signal: aborting it aborts the attempt (ClientGone). */
  signal?: AbortSignal | undefined;
  /** Aborting it cancels just this attempt (a hedge that lost): it ends as failed "cancelled". */
  cancel?: AbortSignal | undefined;
  /** Called once per skipped malformed stream event. */
  onMalformed?: (() => void) | undefined;
  fetch?: typeof fetch;
  /** Extra request headers: `traceparent` and `x-request-id`, so the backend continues the trace. */
  headers?: Record<string, string> | undefined;
}

/** The backend answered and produced its first token: the reply can be committed to it. */
export interface AttemptStarted {
  kind: "started";
  stream: UpstreamStream;
  /** Events read while waiting for the first token (role chunk, first content). */
  buffered: CompletionDelta[];
  ttftMs: number;
  /** Prompt tokens the backend counted as a continued assistant prefix (x-switchyard-prefill-tokens). */
  prefillTokens: number | null;
}

/** The attempt failed before the first token; the cascade may retry or move on. */
export interface AttemptFailed {
  kind: "failed";
  code: string;
  message: string;
  status: number | null;
  /** Worth another try on the same backend (after backoff). */
  retryable: boolean;
  retryAfterMs: number | null;
  /** Counts towards the backend's circuit breaker (429 means busy, not broken). */
  breakerFailure: boolean;
}

/** The backend refused the request itself (e.g. prompt longer than the context): the client's problem. */
export interface AttemptRejected {
  kind: "rejected";
  status: 400 | 413 | 422;
  code: string;
  message: string;
  /** The request field the backend named, passed on to the client. */
  param: string | null;
}

export type AttemptOutcome = AttemptStarted | AttemptFailed | AttemptRejected;

/** Thrown when the client went away: nothing to retry for. */
export class ClientGone extends Error {
  override name = "ClientGone";
  constructor(message: string) {
    super(message);
    releaseStackTrace(this); // an abort reason too
  }
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

async function readErrorBody(
  res: Response,
): Promise<{ message: string; code: string | null; param: string | null }> {
  try {
    const text = (await res.text()).slice(0, 4096);
    const parsed = JSON.parse(text) as {
      error?: { message?: unknown; code?: unknown; param?: unknown } | string;
      message?: unknown;
    };
    const err = typeof parsed.error === "object" ? parsed.error : undefined;
    const message =
      typeof err?.message === "string"
        ? err.message
        : typeof parsed.error === "string"
          ? parsed.error
          : typeof parsed.message === "string"
            ? parsed.message
            : text;
    return {
      message,
      code: typeof err?.code === "string" ? err.code : null,
      param: typeof err?.param === "string" ? err.param : null,
    };
  } catch {
    return { message: `HTTP ${res.status}`, code: null, param: null };
  }
}

/**
 * One attempt against one backend: POST the (always streaming) request, then wait for the first
 * token, all within the TTFT budget. Nothing is sent to the client here, so any failure is
 * still recoverable by a retry or the next model.
 *
 * @example
 * const outcome = await startAttempt({ url: `${base}/v1/chat/completions`, body, ttftBudgetMs: 10_000 });
 */
export async function startAttempt(req: AttemptRequest): Promise<AttemptOutcome> {
  const started = Date.now();
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(new ClientGone("client disconnected"));
  const onCancel = () => controller.abort(new StreamFailure("cancelled", "attempt cancelled"));
  if (req.signal?.aborted) throw new ClientGone("client disconnected");
  req.signal?.addEventListener("abort", onClientAbort, { once: true });
  req.cancel?.addEventListener("abort", onCancel, { once: true });
  const cancelled = () => req.cancel?.aborted === true;
  const timer = setTimeout(
    () => controller.abort(new StreamFailure("ttft_timeout", "timeout")),
    req.ttftBudgetMs,
  );
  const failed = (code: string, message: string, extra: Partial<AttemptFailed> = {}): AttemptFailed => ({
    kind: "failed",
    code,
    message,
    status: null,
    retryable: false,
    retryAfterMs: null,
    breakerFailure: true,
    ...extra,
  });

  try {
    let res: Response;
    try {
      res = await (req.fetch ?? fetch)(req.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "text/event-stream",
          ...req.headers,
          ...(req.backendApiKey ? { authorization: `Bearer ${req.backendApiKey}` } : {}),
        },
        body: JSON.stringify(req.body),
        signal: controller.signal,
      });
    } catch (error) {
      releaseStackTrace(error);
      if (req.signal?.aborted) throw new ClientGone("client disconnected");
      if (cancelled()) return failed("cancelled", "Attempt cancelled", { breakerFailure: false });
      if (controller.signal.aborted)
        return failed("ttft_timeout", "The model did not answer within the time-to-first-token budget");
      return failed("connect_error", "Could not connect to the model backend", { retryable: true });
    }

    if (!res.ok) {
      const { message, code, param } = await readErrorBody(res);
      if (res.status === 400 || res.status === 413 || res.status === 422) {
        return { kind: "rejected", status: res.status, code: code ?? "invalid_request", message, param };
      }
      return failed(`upstream_${res.status}`, `The model backend answered ${res.status}: ${message}`, {
        status: res.status,
        retryable: RETRYABLE_STATUS.has(res.status),
        retryAfterMs: parseRetryAfterMs(res.headers.get("retry-after")),
        breakerFailure: res.status !== 429,
      });
    }
    if (!res.body) return failed("empty_response", "The model backend sent no body", { retryable: true });

    const stream = new UpstreamStream(res.body, controller, req.onMalformed);
    const prefill = Number.parseInt(res.headers.get("x-switchyard-prefill-tokens") ?? "", 10);
    const buffered: CompletionDelta[] = [];
    for (;;) {
      let event: Awaited<ReturnType<UpstreamStream["next"]>>;
      try {
        event = await stream.next(req.ttftBudgetMs - (Date.now() - started), "ttft_timeout");
      } catch (error) {
        stream.cancel();
        if (req.signal?.aborted) throw new ClientGone("client disconnected");
        if (cancelled()) return failed("cancelled", "Attempt cancelled", { breakerFailure: false });
        const f = error instanceof StreamFailure ? error : new StreamFailure("network_error", String(error));
        return failed(f.code, f.message, { retryable: f.code !== "ttft_timeout" });
      }
      if (event === null || event.kind === "done") {
        stream.cancel();
        return failed("truncated", "The model stream ended before the first token", { retryable: true });
      }
      buffered.push(event.delta);
      if (
        event.delta.content !== "" ||
        event.delta.toolCalls.length > 0 ||
        event.delta.finishReason !== null
      ) {
        return {
          kind: "started",
          stream,
          buffered,
          ttftMs: Date.now() - started,
          prefillTokens: Number.isNaN(prefill) ? null : prefill,
        };
      }
    }
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener("abort", onClientAbort);
    req.cancel?.removeEventListener("abort", onCancel);
  }
}
