import { renderFamilies } from "./exposition";
import { seriesKey } from "./registry";
import type { MetricFamily, MetricsDelta, SeriesValue } from "./snapshot";

/** A gauge reported by an isolate that has not pushed for this long no longer counts. */
export const GAUGE_STALE_MS = 5 * 60_000;

interface GaugeReport {
  value: number;
  at: number;
}

export interface AggregateState {
  families: MetricFamily[];
  /** gauge name -> series key -> isolate id -> last report */
  gauges: Record<string, Record<string, Record<string, GaugeReport>>>;
}

/**
 * Totals across isolates: counters and histograms add up the increments each isolate pushes;
 * a gauge is the maximum over isolates that reported within GAUGE_STALE_MS (for circuit state:
 * "open" if any isolate has that backend's circuit open).
 *
 * @example
 * const totals = new MetricsAggregate();
 * totals.apply("isolate-a", registryA.takeDelta(), Date.now());
 * totals.render(Date.now());
 */
export class MetricsAggregate {
  private readonly families = new Map<
    string,
    { family: Omit<MetricFamily, "series">; series: Map<string, SeriesValue> }
  >();
  private readonly gauges = new Map<
    string,
    Map<string, Map<string, GaugeReport & { labels: Record<string, string> }>>
  >();

  constructor(state?: AggregateState) {
    if (!state) return;
    for (const { series, ...family } of state.families) {
      this.families.set(family.name, {
        family,
        series: new Map(series.map((s) => [seriesKey(s.labels), s])),
      });
    }
    for (const [name, bySeries] of Object.entries(state.gauges)) {
      const family = this.families.get(name);
      const seriesMap = new Map<string, Map<string, GaugeReport & { labels: Record<string, string> }>>();
      for (const [key, byIsolate] of Object.entries(bySeries)) {
        const labels =
          family?.series.get(key)?.labels ?? Object.fromEntries(JSON.parse(key) as [string, string][]);
        seriesMap.set(key, new Map(Object.entries(byIsolate).map(([iso, r]) => [iso, { ...r, labels }])));
      }
      this.gauges.set(name, seriesMap);
    }
  }

  /** Adds one isolate's delta. Families and label sets are taken as pushed (the edge bounds them). */
  apply(isolate: string, delta: MetricsDelta, now: number): void {
    for (const f of delta.families) {
      let entry = this.families.get(f.name);
      if (!entry) {
        entry = {
          family: { name: f.name, type: f.type, help: f.help, buckets: f.buckets },
          series: new Map(),
        };
        this.families.set(f.name, entry);
      }
      for (const s of f.series) {
        const key = seriesKey(s.labels);
        if (f.type === "gauge") {
          let bySeries = this.gauges.get(f.name);
          if (!bySeries) {
            bySeries = new Map();
            this.gauges.set(f.name, bySeries);
          }
          let byIsolate = bySeries.get(key);
          if (!byIsolate) {
            byIsolate = new Map();
            bySeries.set(key, byIsolate);
          }
          byIsolate.set(isolate, { value: s.value, at: now, labels: s.labels });
          if (!entry.series.has(key)) entry.series.set(key, { ...s });
          continue;
        }
        const total = entry.series.get(key);
        if (!total) {
          entry.series.set(key, {
            labels: s.labels,
            value: s.value,
            counts: [...s.counts],
            sum: s.sum,
            count: s.count,
          });
          continue;
        }
        total.value += s.value;
        total.sum += s.sum;
        total.count += s.count;
        total.counts = total.counts.map((c, i) => c + (s.counts[i] ?? 0));
      }
    }
  }

  /** Current totals; gauges resolved over fresh reports (stale reports are dropped). */
  resolve(now: number): MetricFamily[] {
    const out: MetricFamily[] = [];
    for (const { family, series } of this.families.values()) {
      if (family.type !== "gauge") {
        out.push({ ...family, series: [...series.values()] });
        continue;
      }
      const resolved: SeriesValue[] = [];
      for (const [key, byIsolate] of this.gauges.get(family.name) ?? []) {
        for (const [isolate, report] of byIsolate)
          if (now - report.at > GAUGE_STALE_MS) byIsolate.delete(isolate);
        const reports = [...byIsolate.values()];
        if (reports.length === 0) continue;
        const labels = series.get(key)?.labels ?? (reports[0] as { labels: Record<string, string> }).labels;
        resolved.push({
          labels,
          value: Math.max(...reports.map((r) => r.value)),
          counts: [],
          sum: 0,
          count: 0,
        });
      }
      out.push({ ...family, series: resolved });
    }
    return out;
  }

  render(now: number): string {
    return renderFamilies(this.resolve(now));
  }

  /** Plain JSON for Durable Object storage. */
  toState(): AggregateState {
    const gauges: AggregateState["gauges"] = {};
    for (const [name, bySeries] of this.gauges) {
      gauges[name] = {};
      for (const [key, byIsolate] of bySeries) {
        gauges[name][key] = Object.fromEntries(
          [...byIsolate].map(([iso, r]) => [iso, { value: r.value, at: r.at }]),
        );
      }
    }
    const families = [...this.families.values()].map(({ family, series }) => ({
      ...family,
      series: [...series.values()],
    }));
    return { families, gauges };
  }
}
