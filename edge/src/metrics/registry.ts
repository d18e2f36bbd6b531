import { edgeMetrics } from "../../../vocabulary/metrics";
import { renderFamilies } from "./exposition";
import type { MetricFamily, MetricsDelta, SeriesValue } from "./snapshot";

type Labels = Record<string, string>;

/** Stable series key: labels sorted by name, so {a,b} and {b,a} are one series. */
export const seriesKey = (labels: Labels) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * An equivalent key for this isolate's own maps (one series per label set, order-free), cheaper
 * on the request path than `seriesKey`: the sorted name order is worked out once per label-name
 * shape (a family sees one or two), then names and values are only concatenated.
 */
const orderCache = new Map<string, string[]>();
function fastSeriesKey(labels: Labels): string {
  let names = "";
  for (const name in labels) names += `${name}\u0000`;
  let order = orderCache.get(names);
  if (!order) {
    order = Object.keys(labels).sort();
    orderCache.set(names, order);
  }
  let key = "";
  for (const name of order) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

interface Series {
  labels: Labels;
  value: number;
  counts: number[];
  sum: number;
  count: number;
}

interface Family extends Omit<MetricFamily, "series"> {
  series: Map<string, Series>;
  /** Values already handed out by takeDelta (counters and histograms push increments). */
  flushed: Map<string, Series>;
}

function emptySeries(labels: Labels, buckets: number[]): Series {
  return { labels, value: 0, counts: buckets.map(() => 0), sum: 0, count: 0 };
}

/**
 * A minimal Prometheus registry (counters, gauges, histograms) rendered in the text format.
 * Per isolate: each Workers isolate has its own numbers, so the edge pushes increments
 * (`takeDelta`) to one Durable Object that adds them up across isolates and serves the totals
 * (see ./aggregator-object.ts and docs/observability.md). Keep label values bounded (route
 * pattern, model id, status class), never user ids or raw paths.
 *
 * @example
 * const requests = registry.counter("switchyard_requests_total", "Requests by route and status");
 * requests.inc({ route: "/v1/chat/completions", status: "200" });
 */
export class MetricsRegistry {
  private readonly families: Family[] = [];
  private readonly collectors: (() => void)[] = [];

  /**
   * Runs `collect` before every snapshot and delta: gauges that mirror current state (circuit
   * breakers) are read when they are reported, instead of being set on every request.
   */
  onCollect(collect: () => void): void {
    this.collectors.push(collect);
  }

  private collect(): void {
    for (const collect of this.collectors) collect();
  }

  private family(name: string, type: MetricFamily["type"], help: string, buckets: number[] = []): Family {
    const family: Family = { name, type, help, buckets, series: new Map(), flushed: new Map() };
    this.families.push(family);
    return family;
  }

  private seriesOf(family: Family, labels: Labels): Series {
    const key = fastSeriesKey(labels);
    let series = family.series.get(key);
    if (!series) {
      series = emptySeries({ ...labels }, family.buckets);
      family.series.set(key, series);
    }
    return series;
  }

  counter(name: string, help: string) {
    const family = this.family(name, "counter", help);
    return {
      inc: (labels: Labels = {}, by = 1) => {
        this.seriesOf(family, labels).value += by;
      },
    };
  }

  gauge(name: string, help: string) {
    const family = this.family(name, "gauge", help);
    return {
      set: (labels: Labels, value: number) => {
        this.seriesOf(family, labels).value = value;
      },
    };
  }

  histogram(name: string, help: string, buckets: number[]) {
    const family = this.family(name, "histogram", help, buckets);
    return {
      observe: (labels: Labels, value: number) => {
        const series = this.seriesOf(family, labels);
        for (let i = 0; i < buckets.length; i++)
          if (value <= (buckets[i] as number)) series.counts[i] = (series.counts[i] ?? 0) + 1;
        series.sum += value;
        series.count += 1;
      },
    };
  }

  /** This isolate's totals as plain data. */
  snapshot(): MetricFamily[] {
    this.collect();
    return this.families.map((f) => ({
      name: f.name,
      type: f.type,
      help: f.help,
      buckets: f.buckets,
      series: [...f.series.values()].map(toValue),
    }));
  }

  /**
   * What changed since the last call: increments of counters and histograms (zero series left
   * out), current values of gauges. Pushing every delta exactly once gives exact totals.
   */
  takeDelta(): MetricsDelta {
    this.collect();
    const families: MetricFamily[] = [];
    for (const f of this.families) {
      const series: SeriesValue[] = [];
      for (const [key, now] of f.series) {
        if (f.type === "gauge") {
          series.push(toValue(now));
          continue;
        }
        const before = f.flushed.get(key) ?? emptySeries(now.labels, f.buckets);
        if (now.value === before.value && now.count === before.count) continue;
        series.push({
          labels: now.labels,
          value: now.value - before.value,
          counts: now.counts.map((c, i) => c - (before.counts[i] ?? 0)),
          sum: now.sum - before.sum,
          count: now.count - before.count,
        });
        f.flushed.set(key, { ...now, counts: [...now.counts] });
      }
      if (series.length > 0)
        families.push({ name: f.name, type: f.type, help: f.help, buckets: f.buckets, series });
    }
    return { families };
  }

  render(): string {
    return renderFamilies(this.snapshot());
  }
}

function toValue(s: Series): SeriesValue {
  return { labels: s.labels, value: s.value, counts: [...s.counts], sum: s.sum, count: s.count };
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The edge's metric set. */
export function createEdgeMetrics(registry = new MetricsRegistry()) {
  return {
    registry,
    requests: registry.counter(
      edgeMetrics.completions,
      "Requests by route, model, status, outcome and cache result",
    ),
    latency: registry.histogram(edgeMetrics.completionDuration, "Time to the last byte", LATENCY_BUCKETS),
    ttft: registry.histogram(
      edgeMetrics.timeToFirstToken,
      "Time to the first token through the edge",
      LATENCY_BUCKETS,
    ),
    upstreamAttempts: registry.counter(
      edgeMetrics.upstreamAttempts,
      "Upstream attempts by model and outcome",
    ),
    logWriteFailures: registry.counter(
      edgeMetrics.logWriteFailures,
      "Request records that could not be written",
    ),
    stateErrors: registry.counter(
      edgeMetrics.stateErrors,
      "Rate-limit or cache store failures (request let through)",
    ),
    // Observability (issue 5): every HTTP request, cache results, rate limits, routing, fallbacks,
    // retries, circuit state and the latency the edge itself adds. Fed by ./http-metrics.ts,
    // ./attempts.ts and the completion pipeline.
    httpRequests: registry.counter(
      edgeMetrics.requests,
      "Every edge response by route pattern, status class and answering model",
    ),
    edgeAddedLatency: registry.histogram(
      edgeMetrics.addedLatency,
      "Time to response headers minus the backend's time to first token (all of it when no backend answered)",
      LATENCY_BUCKETS,
    ),
    cacheLookups: registry.counter(
      edgeMetrics.cacheLookups,
      "Response cache lookups by result (hit, miss, bypass)",
    ),
    rateLimited: registry.counter(
      edgeMetrics.rateLimited,
      "Requests refused with 429 by the token buckets, by route",
    ),
    routeDecisions: registry.counter(
      edgeMetrics.routeDecisions,
      "Routing decisions by chosen model and reason",
    ),
    fallbacks: registry.counter(
      edgeMetrics.fallbacks,
      "Cascades from one model to the next, by from_model and to_model",
    ),
    retries: registry.counter(
      edgeMetrics.retries,
      "Upstream retries of the same model before its first token",
    ),
    circuitState: registry.gauge(
      edgeMetrics.circuitState,
      "Circuit breaker per backend: 0 closed, 1 half-open, 2 open",
    ),
    hedges: registry.counter(
      edgeMetrics.hedges,
      "Hedged attempts (sent while another waited for its first token) by model and outcome: won, lost (cancelled), failed",
    ),
    continuations: registry.counter(
      edgeMetrics.continuations,
      "Streams that broke after the first token, by failed model, continuing model (none: not rescued) and failure",
    ),
    malformedEvents: registry.counter(
      edgeMetrics.malformedEvents,
      "Upstream stream events that were not valid JSON, skipped, by model",
    ),
  };
}
export type EdgeMetrics = ReturnType<typeof createEdgeMetrics>;
