/**
 * The metric names Switchyard exports, as used by the dashboards and alert rules.
 * One place, so a rename in the code is one edit here (and the tests that scrape the real
 * services fail until it is made).
 *
 * @example
 * import { backendMetrics } from "../vocabulary/metrics";
 * `rate(${backendMetrics.tokensGenerated}[5m])`
 */

/** Series exported by each model server (prom-client, `GET /metrics` on the backend). */
export const backendMetrics = {
  /** Histogram: whole request duration, labels model, endpoint, status_class. */
  requestDuration: "switchyard_backend_request_duration_seconds",
  /** Histogram: time to first token (queue wait included), labels model, endpoint. */
  timeToFirstToken: "switchyard_backend_time_to_first_token_seconds",
  /** Counter: completion tokens generated, labels model, endpoint. */
  tokensGenerated: "switchyard_backend_generated_tokens_total",
  /** Counter: prompt tokens evaluated, labels model, endpoint. */
  promptTokens: "switchyard_backend_prompt_tokens_total",
  /** Histogram: decode speed of each finished request (tokens/s), labels model, endpoint. */
  tokensPerSecond: "switchyard_backend_tokens_per_second",
  /** Counter: failed requests by kind, labels model, endpoint, kind. */
  errors: "switchyard_backend_errors_total",
  /** Gauge: requests waiting for a free sequence, label model. */
  queueDepth: "switchyard_backend_queue_depth",
  /** Gauge: sequences generating right now, label model. */
  busySlots: "switchyard_backend_busy_slots",
  /** Gauge: sequences configured (parallelism), label model. */
  totalSlots: "switchyard_backend_slots",
  /** Gauge: 1 when the server accepts generation requests (loaded, not draining), label model. */
  ready: "switchyard_backend_ready",
  /** Gauge: resident set size of the server process. */
  residentMemory: "switchyard_backend_process_resident_memory_bytes",
  /** Gauge: user plus system CPU seconds of the server process. */
  cpuSeconds: "switchyard_backend_process_cpu_seconds",
  /** Gauge: process start time, unix seconds. */
  startTime: "switchyard_backend_process_start_time_seconds",
} as const;

/**
 * Series exported by the edge worker (`GET /metrics`, bearer SWITCHYARD_METRICS_TOKEN), as
 * totals across all isolates (edge/src/metrics/: isolates push increments to a Durable Object).
 */
export const edgeMetrics = {
  /** Counter: every edge response by route pattern, status_class and answering model ("none"). */
  requests: "switchyard_http_requests_total",
  /** Counter: completions by route (chat.completions, generate), model, status, outcome, cache. */
  completions: "switchyard_requests_total",
  /** Histogram: completion time to the last byte through the edge, label route. */
  completionDuration: "switchyard_request_duration_seconds",
  /** Histogram: time to first token through the edge, label route. */
  timeToFirstToken: "switchyard_ttft_seconds",
  /** Histogram: time to response headers minus the backend's own TTFT, label route. */
  addedLatency: "switchyard_edge_added_latency_seconds",
  /** Counter: cache lookups by result (hit, miss, bypass). */
  cacheLookups: "switchyard_cache_lookups_total",
  /** Counter: requests answered 429 by the rate limiter, label route. */
  rateLimited: "switchyard_rate_limited_total",
  /** Counter: routing decisions by model and reason. */
  routeDecisions: "switchyard_route_decisions_total",
  /** Counter: cascades to the next model, labels from_model, to_model. */
  fallbacks: "switchyard_fallbacks_total",
  /** Counter: upstream retries of the same model, label model. */
  retries: "switchyard_retries_total",
  /** Counter: upstream attempts by model and outcome (started, breaker_open, upstream_503, ...). */
  upstreamAttempts: "switchyard_upstream_attempts_total",
  /** Gauge: circuit state per backend, label model (0 closed, 1 half-open, 2 open; max over isolates). */
  circuitState: "switchyard_circuit_state",
  /** Counter: request records the log could not write (database outage). */
  logWriteFailures: "switchyard_log_write_failures_total",
  /** Counter: rate-limit or cache store failures (requests let through). */
  stateErrors: "switchyard_state_errors_total",
  /** Counter: hedged attempts by model and outcome (won, lost, failed). */
  hedges: "switchyard_hedges_total",
  /** Counter: streams broken after the first token, by failed model, continuing model and failure. */
  continuations: "switchyard_continuations_total",
  /** Counter: upstream stream events that were not valid JSON (skipped), label model. */
  malformedEvents: "switchyard_upstream_malformed_events_total",
} as const;

/** Prometheus job names in observability/prometheus/prometheus.yml. */
export const jobs = { edge: "switchyard-edge", backends: "switchyard-backends" } as const;
