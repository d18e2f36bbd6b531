import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { backendMetrics } from "../../../vocabulary/metrics.js";
import { ERROR_KINDS } from "../api/errors.js";

/** Seconds buckets from 5 ms to 2 min: tiny dev models answer in ms, 7B+ models in seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const TOKENS_PER_SECOND_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

/** Label values the server may use; anything else is folded into these to keep cardinality bounded. */
export const ENDPOINT_LABELS = [
  "/v1/chat/completions",
  "/v1/completions",
  "/generate",
  "/v1/models",
  "/health",
  "/ready",
  "/metrics",
  "unmatched",
] as const;
export type EndpointLabel = (typeof ENDPOINT_LABELS)[number];

export function endpointLabel(routePath: string | undefined): EndpointLabel {
  return (ENDPOINT_LABELS as readonly string[]).includes(routePath ?? "")
    ? (routePath as EndpointLabel)
    : "unmatched";
}

export function statusClass(status: number): string {
  return `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx`;
}

/**
 * The backend's Prometheus metrics in their own Registry (one per server, so tests can run several).
 * Every series carries the constant `model` label; the other labels are bounded sets.
 *
 * @example const metrics = createBackendMetrics("qwen2.5-7b-instruct"); metrics.busySlots.set(1);
 */
export function createBackendMetrics(modelId: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ model: modelId });
  const registers = [registry];
  // prom-client's default metrics include gauges named *_total, which `promtool check metrics` flags;
  // the process figures that matter for a model server are these.
  new Gauge({
    name: backendMetrics.residentMemory,
    help: "Resident set size of the server process (model weights and KV cache included on CPU).",
    registers,
    collect() {
      this.set(process.memoryUsage().rss);
    },
  });
  new Gauge({
    name: backendMetrics.cpuSeconds,
    help: "User plus system CPU time of the server process.",
    registers,
    collect() {
      const usage = process.cpuUsage();
      this.set((usage.user + usage.system) / 1e6);
    },
  });
  new Gauge({
    name: backendMetrics.startTime,
    help: "Process start time, unix seconds.",
    registers,
  }).set(Math.round(Date.now() / 1000 - process.uptime()));
  const metrics = {
    registry,
    requestDuration: new Histogram({
      name: backendMetrics.requestDuration,
      help: "Time from request received to the last byte of the response (streams included).",
      labelNames: ["endpoint", "status_class"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    timeToFirstToken: new Histogram({
      name: backendMetrics.timeToFirstToken,
      help: "Time from request received (queue wait included) to the first generated token.",
      labelNames: ["endpoint"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    generatedTokens: new Counter({
      name: backendMetrics.tokensGenerated,
      help: "Completion tokens generated.",
      labelNames: ["endpoint"] as const,
      registers,
    }),
    promptTokens: new Counter({
      name: backendMetrics.promptTokens,
      help: "Prompt tokens evaluated.",
      labelNames: ["endpoint"] as const,
      registers,
    }),
    tokensPerSecond: new Histogram({
      name: backendMetrics.tokensPerSecond,
      help: "Generation speed of one request: completion tokens over generation time.",
      labelNames: ["endpoint"] as const,
      buckets: TOKENS_PER_SECOND_BUCKETS,
      registers,
    }),
    errors: new Counter({
      name: backendMetrics.errors,
      help: "Failed requests by error kind (mid-stream failures included).",
      labelNames: ["endpoint", "kind"] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: backendMetrics.queueDepth,
      help: "Requests waiting for a free sequence.",
      registers,
    }),
    busySlots: new Gauge({
      name: backendMetrics.busySlots,
      help: "Sequences currently generating.",
      registers,
    }),
    slots: new Gauge({ name: backendMetrics.totalSlots, help: "Parallel sequences configured.", registers }),
    ready: new Gauge({
      name: backendMetrics.ready,
      help: "1 when the server accepts generation requests.",
      registers,
    }),
  };
  // Pre-create the error series at 0 so rate() works from the first scrape.
  for (const kind of Object.keys(ERROR_KINDS))
    metrics.errors.labels({ endpoint: "/v1/chat/completions", kind }).inc(0);
  return metrics;
}

export type BackendMetrics = ReturnType<typeof createBackendMetrics>;
