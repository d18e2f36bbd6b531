import type { ProxyConfig } from "../config";
import { type AttemptFailed, type AttemptStarted, ClientGone, startAttempt } from "./attempt";
import { backoffDelayMs, sleep } from "./backoff";
import type { ReplicaLease, ReplicaPool } from "./replicas";

export interface DispatchOptions {
  /** Models to try, in order: the routed model, then its fallbacks. */
  candidates: string[];
  config: ProxyConfig;
  /** The backends of a model (undefined: not served here, skipped). */
  replicasFor: (modelId: string) => ReplicaPool | undefined;
  /** Backend API path. Default: /v1/chat/completions. */
  path?: string;
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
  | (Trail & { kind: "started"; modelId: string; started: AttemptStarted; lease: ReplicaLease })
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
 * connections per request) until one produces a first token. Per model: pick its least busy
 * replica whose breaker admits a request (skip the model when none does), retry retryable
 * failures with jittered exponential backoff honouring Retry-After (a
 * Retry-After longer than `retryMaxMs` moves on instead of waiting), then fall back to the next.
 *
 * @example
 * const result = await dispatch({ candidates: [d.modelId, ...d.fallbacks], config, replicasFor, body });
 */
export async function dispatch(opts: DispatchOptions): Promise<DispatchResult> {
  const trail: Trail = { attempts: 0, fallbackFrom: [] };
  let lastFailure: AttemptFailed | null = null;
  let soonestRetryMs = Number.POSITIVE_INFINITY;
  const { config } = opts;

  for (const modelId of opts.candidates) {
    const replicas = opts.replicasFor(modelId);
    if (!replicas) continue;
    for (let attempt = 0; attempt <= config.retries; attempt++) {
      // Each attempt picks again: a retry goes to another replica when one is less busy.
      const lease = replicas.acquire();
      if (!lease) {
        opts.onAttempt?.(modelId, "breaker_open");
        soonestRetryMs = Math.min(soonestRetryMs, replicas.retryInMs);
        break;
      }
      trail.attempts += 1;
      const outcome = await startAttempt({
        url: `${lease.url}${opts.path ?? "/v1/chat/completions"}`,
        body: { ...opts.body, model: modelId },
        backendApiKey: config.backendApiKey,
        ttftBudgetMs: config.ttftBudgetMs,
        signal: opts.signal,
        fetch: opts.fetch,
        headers: opts.headers,
      }).catch((error: unknown) => {
        lease.release();
        throw error;
      });
      opts.onAttempt?.(modelId, outcome.kind === "failed" ? outcome.code : outcome.kind);
      if (outcome.kind === "started") return { ...trail, kind: "started", modelId, started: outcome, lease };
      if (outcome.kind === "rejected") {
        // The backend works; the request is the problem. No retry storm.
        lease.onSuccess();
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
      if (outcome.breakerFailure) lease.onFailure();
      else lease.release();
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
