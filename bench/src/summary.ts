import type { ErrorKind, Sample } from "./request.js";
import { type Distribution, distribution } from "./stats.js";

/** What the report shows for one load level: percentiles, throughput and errors by kind. */
export interface Summary {
  requests: number;
  ok: number;
  errorRate: number;
  errors: Partial<Record<ErrorKind, number>>;
  latencyMs: Distribution;
  ttftMs: Distribution;
  /** Per-stream decode rate (tokens/s of one stream). */
  streamTokensPerSec: Distribution;
  /** Completion tokens of successful requests per second of the measured window. */
  aggregateTokensPerSec: number;
  requestsPerSec: number;
  windowMs: number;
  completionTokens: number;
  /** Counts of the cache header's values, e.g. { hit: 20 }. */
  cache: Record<string, number>;
}

/** Summarizes the measured samples of one run; the window is first start to last end. */
export function summarize(samples: readonly Sample[]): Summary {
  const ok = samples.filter((s) => s.ok);
  const errors: Partial<Record<ErrorKind, number>> = {};
  const cache: Record<string, number> = {};
  for (const s of samples) {
    if (s.errorKind) errors[s.errorKind] = (errors[s.errorKind] ?? 0) + 1;
    if (s.cache) cache[s.cache.toLowerCase()] = (cache[s.cache.toLowerCase()] ?? 0) + 1;
  }
  const start = samples.length ? Math.min(...samples.map((s) => s.startMs)) : 0;
  const end = samples.length ? Math.max(...samples.map((s) => s.startMs + s.latencyMs)) : 0;
  const windowMs = Math.max(end - start, 0);
  const completionTokens = ok.reduce((n, s) => n + s.completionTokens, 0);
  const perSec = (n: number) => (windowMs > 0 ? (n * 1000) / windowMs : 0);
  return {
    requests: samples.length,
    ok: ok.length,
    errorRate: samples.length ? (samples.length - ok.length) / samples.length : 0,
    errors,
    latencyMs: distribution(ok.map((s) => s.latencyMs)),
    ttftMs: distribution(ok.map((s) => s.ttftMs ?? Number.NaN)),
    streamTokensPerSec: distribution(ok.map((s) => s.streamTokensPerSec ?? Number.NaN)),
    aggregateTokensPerSec: perSec(completionTokens),
    requestsPerSec: perSec(ok.length),
    windowMs,
    completionTokens,
    cache,
  };
}
