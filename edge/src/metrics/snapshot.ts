/** Metric data as plain JSON: what isolates push to the aggregator and what it stores. */

export interface SeriesValue {
  labels: Record<string, string>;
  /** Counter or gauge value (unused for histograms). */
  value: number;
  /** Histogram: observations <= each bucket bound (cumulative, same order as `buckets`). */
  counts: number[];
  sum: number;
  count: number;
}

export interface MetricFamily {
  name: string;
  type: "counter" | "gauge" | "histogram";
  help: string;
  /** Histogram upper bounds (+Inf implied); empty for counters and gauges. */
  buckets: number[];
  series: SeriesValue[];
}

/** Increments since the previous push (gauges: current values). */
export interface MetricsDelta {
  families: MetricFamily[];
}
