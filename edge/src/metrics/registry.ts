type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
};

interface Metric {
  render(): string[];
}

/**
 * A minimal Prometheus registry (counters, gauges, histograms) rendered in the text format.
 * Per isolate: each Workers isolate has its own numbers (a cross-isolate design comes later).
 * Keep label values bounded (route, model id, status), never user ids or raw paths.
 *
 * @example
 * const requests = registry.counter("switchyard_requests_total", "Requests by route and status");
 * requests.inc({ route: "/v1/chat/completions", status: "200" });
 */
export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string) {
    const values = new Map<string, number>();
    this.metrics.push({
      render: () => [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, ...[...values].map(([l, v]) => `${name}${l} ${v}`)],
    });
    return { inc: (labels: Labels = {}, by = 1) => values.set(labelText(labels), (values.get(labelText(labels)) ?? 0) + by) };
  }

  gauge(name: string, help: string) {
    const values = new Map<string, number>();
    this.metrics.push({
      render: () => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...[...values].map(([l, v]) => `${name}${l} ${v}`)],
    });
    return { set: (labels: Labels, value: number) => values.set(labelText(labels), value) };
  }

  histogram(name: string, help: string, buckets: number[]) {
    const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
    this.metrics.push({
      render: () => {
        const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
        for (const s of series.values()) {
          buckets.forEach((le, i) => lines.push(`${name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.counts[i]}`));
          lines.push(`${name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
          lines.push(`${name}_sum${labelText(s.labels)} ${s.sum}`, `${name}_count${labelText(s.labels)} ${s.count}`);
        }
        return lines;
      },
    });
    return {
      observe: (labels: Labels, value: number) => {
        const key = labelText(labels);
        let s = series.get(key);
        if (!s) {
          s = { labels, counts: buckets.map(() => 0), sum: 0, count: 0 };
          series.set(key, s);
        }
        buckets.forEach((le, i) => {
          if (value <= le && s) s.counts[i] = (s.counts[i] ?? 0) + 1;
        });
        s.sum += value;
        s.count += 1;
      },
    };
  }

  render(): string {
    return `${this.metrics.flatMap((m) => m.render()).join("\n")}\n`;
  }
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The edge's metric set. */
export function createEdgeMetrics(registry = new MetricsRegistry()) {
  return {
    registry,
    requests: registry.counter("switchyard_requests_total", "Requests by route, model, status, outcome and cache result"),
    latency: registry.histogram("switchyard_request_duration_seconds", "Time to the last byte", LATENCY_BUCKETS),
    ttft: registry.histogram("switchyard_ttft_seconds", "Time to the first token through the edge", LATENCY_BUCKETS),
    upstreamAttempts: registry.counter("switchyard_upstream_attempts_total", "Upstream attempts by model and outcome"),
    breakerState: registry.gauge("switchyard_breaker_open", "1 when the model's circuit is open or half-open"),
    logWriteFailures: registry.counter("switchyard_log_write_failures_total", "Request records that could not be written"),
    stateErrors: registry.counter("switchyard_state_errors_total", "Rate-limit or cache store failures (request let through)"),
  };
}
export type EdgeMetrics = ReturnType<typeof createEdgeMetrics>;
