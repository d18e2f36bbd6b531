import type { ProxyConfig, RosterModel } from "../config";
import { type AttemptFailed, type AttemptStarted, ClientGone, startAttempt } from "./attempt";
import { backoffDelayMs, sleep } from "./backoff";
import type { CircuitBreaker } from "./breaker";

export interface DispatchOptions {
  /** Models to try, in order: the routed model, then its fallbacks. */
  candidates: string[];
  roster: RosterModel[];
  config: ProxyConfig;
  breakerFor: (modelId: string) => CircuitBreaker;
  /** The upstream request body minus `model` (set per candidate). */
  body: Record<string, unknown>;
  signal?: AbortSignal | undefined;
  onAttempt?: (modelId: string, outcome: string) => void;
  fetch?: typeof fetch;
  /** Sent with every attempt (trace context, request id). */
  headers?: Record<string, string> | undefined;
}

interface Trail {
  /** Upstream requests sent, in total. */
  attempts: number;
  /** Models that failed before the answering one, in order. */
  fallbackFrom: string[];
}

export type DispatchResult =
  | (Trail & { kind: "started"; modelId: string; started: AttemptStarted; breaker: CircuitBreaker })
  | (Trail & {
      kind: "rejected";
      modelId: string;
      status: 400 | 413 | 422;
      code: string;
      message: string;
      param: string | null;
    })
  | (Trail & { kind: "unavailable"; retryAfterSeconds: number; lastFailure: AttemptFailed | null });

/**
 * Tries candidates one after another (never in parallel: a Worker may hold only 6 outgoing
 * connections per request) until one produces a first token. Per model: skip when its breaker
 * is open, retry retryable failures with jittered exponential backoff honouring Retry-After (a
 * Retry-After longer than `retryMaxMs` moves on instead of waiting), then fall back to the next.
 *
 * @example
 * const result = await dispatch({ candidates: [d.modelId, ...d.fallbacks], roster, config, breakerFor, body });
 */
export async function dispatch(opts: DispatchOptions): Promise<DispatchResult> {
  const trail: Trail = { attempts: 0, fallbackFrom: [] };
  let lastFailure: AttemptFailed | null = null;
  let soonestRetryMs = Number.POSITIVE_INFINITY;
  const { config } = opts;

  for (const modelId of opts.candidates) {
    const model = opts.roster.find((m) => m.id === modelId);
    if (!model) continue;
    const breaker = opts.breakerFor(modelId);
    for (let attempt = 0; attempt <= config.retries; attempt++) {
      if (!breaker.tryAcquire()) {
        opts.onAttempt?.(modelId, "breaker_open");
        soonestRetryMs = Math.min(soonestRetryMs, breaker.retryInMs);
        break;
      }
      trail.attempts += 1;
      const outcome = await startAttempt({
        url: `${model.baseUrl}/v1/chat/completions`,
        body: { ...opts.body, model: modelId },
        backendApiKey: config.backendApiKey,
        ttftBudgetMs: config.ttftBudgetMs,
        signal: opts.signal,
        fetch: opts.fetch,
        headers: opts.headers,
      }).catch((error: unknown) => {
        breaker.release();
        throw error;
      });
      opts.onAttempt?.(modelId, outcome.kind === "failed" ? outcome.code : outcome.kind);
      if (outcome.kind === "started")
        return { ...trail, kind: "started", modelId, started: outcome, breaker };
      if (outcome.kind === "rejected") {
        // The backend works; the request is the problem. No retry storm.
        breaker.onSuccess();
        return {
          ...trail,
          kind: "rejected",
          modelId,
          status: outcome.status,
          code: outcome.code,
          message: outcome.message,
          param: outcome.param,
        };
      }
      lastFailure = outcome;
      if (outcome.breakerFailure) breaker.onFailure();
      else breaker.release();
      if (outcome.retryAfterMs !== null) soonestRetryMs = Math.min(soonestRetryMs, outcome.retryAfterMs);
      if (!outcome.retryable || attempt === config.retries) break;
      if (outcome.retryAfterMs !== null && outcome.retryAfterMs > config.retryMaxMs) break;
      const delay = backoffDelayMs(attempt, {
        baseMs: config.retryBaseMs,
        maxMs: config.retryMaxMs,
        retryAfterMs: outcome.retryAfterMs,
      });
      try {
        await sleep(delay, opts.signal);
      } catch {
        throw new ClientGone("client disconnected");
      }
    }
    trail.fallbackFrom.push(modelId);
  }
  const retryAfterSeconds = Number.isFinite(soonestRetryMs)
    ? Math.max(1, Math.ceil(soonestRetryMs / 1000))
    : 1;
  return { ...trail, kind: "unavailable", retryAfterSeconds, lastFailure };
}
