/**
 * The metric names Switchyard exports, as used by the dashboards and alert rules.
 * One place, so a rename in the code is one edit here (and the tests that scrape the real
 * services fail until it is made).
 *
 * @example
 * import { backendMetrics } from "./metrics";
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
} as const;

/** Series exported by the edge worker (`GET /metrics`, bearer SWITCHYARD_METRICS_TOKEN). */
export const edgeMetrics = {
  /** Counter: requests by route pattern, status class and answering model. */
  requests: "switchyard_edge_requests_total",
  /** Histogram: time the edge itself adds (total minus upstream time), label route. */
  addedLatency: "switchyard_edge_added_latency_seconds",
  /** Counter: cache lookups by result (hit, miss, bypass). */
  cacheLookups: "switchyard_edge_cache_lookups_total",
  /** Counter: requests answered 429 by the rate limiter. */
  rateLimited: "switchyard_edge_rate_limited_total",
  /** Counter: routing decisions by model and reason. */
  routeDecisions: "switchyard_edge_route_decisions_total",
  /** Counter: cascades to a larger model, labels from_model, to_model. */
  fallbacks: "switchyard_edge_fallbacks_total",
  /** Counter: upstream retries, label model. */
  retries: "switchyard_edge_retries_total",
  /** Gauge: circuit state per backend, label model (0 closed, 1 half-open, 2 open). */
  circuitState: "switchyard_edge_circuit_state",
} as const;

/** Prometheus job names in observability/prometheus/prometheus.yml. */
export const jobs = { edge: "switchyard-edge", backends: "switchyard-backends" } as const;
