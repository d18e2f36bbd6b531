/**
 * Grafana dashboards as code. `npm run -s build-dashboards --prefix observability` (or
 * `npx tsx observability/grafana/build-dashboards.ts`) writes them to grafana/dashboards/*.json,
 * which Grafana loads through the file provider (grafana/provisioning/dashboards/). A test checks
 * the committed JSON matches this file and that every query parses with promtool.
 *
 * @example
 * import { dashboards } from "./dashboards";
 * for (const d of dashboards) console.log(d.uid, d.panels.length);
 */
import { backendMetrics as b, edgeMetrics as e, jobs } from "../../vocabulary/metrics";

/** The Prometheus datasource uid from provisioning/datasources/datasources.yml. */
export const prometheusUid = "prometheus";

interface Target {
  expr: string;
  legendFormat: string;
}

interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Panel {
  id: number;
  type: "timeseries" | "stat" | "bargauge" | "piechart" | "state-timeline";
  title: string;
  description: string;
  gridPos: GridPos;
  datasource: { type: "prometheus"; uid: string };
  targets: Array<Target & { refId: string; datasource: { type: "prometheus"; uid: string } }>;
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options: Record<string, unknown>;
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  schemaVersion: number;
  version: number;
  editable: boolean;
  time: { from: string; to: string };
  refresh: string;
  timezone: string;
  templating: { list: unknown[] };
  annotations: { list: unknown[] };
  panels: Panel[];
}

const datasource = { type: "prometheus", uid: prometheusUid } as const;
const rate = "$__rate_interval";
const modelFilter = 'model=~"$model"';

interface PanelSpec {
  type?: Panel["type"];
  title: string;
  description: string;
  unit: string;
  targets: Target[];
  w?: number;
  h?: number;
  min?: number;
  max?: number;
  stack?: boolean;
  mappings?: unknown[];
  thresholds?: Array<{ color: string; value: number | null }>;
}

/** Lays panels out left to right in rows of 24 columns. */
function layout(specs: PanelSpec[]): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((spec, index) => {
    const w = spec.w ?? 12;
    const h = spec.h ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    const type = spec.type ?? "timeseries";
    const defaults: Record<string, unknown> = { unit: spec.unit };
    if (spec.min !== undefined) defaults.min = spec.min;
    if (spec.max !== undefined) defaults.max = spec.max;
    if (spec.mappings) defaults.mappings = spec.mappings;
    if (spec.thresholds) defaults.thresholds = { mode: "absolute", steps: spec.thresholds };
    if (type === "timeseries") {
      defaults.custom = {
        drawStyle: "line",
        lineWidth: 1,
        fillOpacity: spec.stack ? 60 : 10,
        stacking: { mode: spec.stack ? "normal" : "none", group: "A" },
        showPoints: "never",
      };
    }
    const options: Record<string, unknown> =
      type === "timeseries"
        ? {
            legend: { displayMode: "list", placement: "bottom", showLegend: true },
            tooltip: { mode: "multi" },
          }
        : type === "piechart"
          ? { legend: { displayMode: "table", placement: "right", values: ["percent"] }, pieType: "donut" }
          : type === "state-timeline"
            ? { showValue: "never", mergeValues: true, alignValue: "left", rowHeight: 0.9 }
            : { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value" };
    return {
      id: index + 1,
      type,
      title: spec.title,
      description: spec.description,
      gridPos,
      datasource,
      targets: spec.targets.map((target, t) => ({
        ...target,
        refId: String.fromCharCode(65 + t),
        datasource,
      })),
      fieldConfig: { defaults, overrides: [] },
      options,
    };
  });
}

/** p50/p95/p99 of a histogram, one series per model. */
function quantiles(histogram: string, extraFilter = ""): Target[] {
  const filter = [modelFilter, extraFilter].filter(Boolean).join(", ");
  return [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (model, le) (rate(${histogram}_bucket{${filter}}[${rate}])))`,
    legendFormat: `{{model}} p${Math.round(q * 100)}`,
  }));
}

function dashboard(
  uid: string,
  title: string,
  description: string,
  templating: unknown[],
  specs: PanelSpec[],
): Dashboard {
  return {
    uid,
    title,
    description,
    tags: ["switchyard"],
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: "now-1h", to: "now" },
    refresh: "30s",
    timezone: "browser",
    templating: { list: templating },
    annotations: { list: [] },
    panels: layout(specs),
  };
}

const modelVariable = {
  name: "model",
  label: "Model",
  type: "query",
  datasource,
  query: { query: `label_values(${b.requestDuration}_count, model)`, refId: "model" },
  definition: `label_values(${b.requestDuration}_count, model)`,
  includeAll: true,
  multi: true,
  allValue: ".*",
  current: { selected: true, text: ["All"], value: ["$__all"] },
  refresh: 2,
  sort: 1,
};

/** Circuit state 0/1/2 shown as words and colours. */
const circuitMappings = [
  {
    type: "value",
    options: {
      "0": { text: "closed", color: "green", index: 0 },
      "1": { text: "half-open", color: "yellow", index: 1 },
      "2": { text: "open", color: "red", index: 2 },
    },
  },
];

export const edgeDashboard = dashboard(
  "switchyard-edge",
  "Switchyard / Edge",
  "The edge gateway: traffic, routing decisions, cache, rate limits, errors, fallbacks and circuit breakers.",
  [],
  [
    {
      type: "stat",
      title: "Requests/s",
      description: "All requests through the edge.",
      unit: "reqps",
      w: 6,
      h: 5,
      targets: [{ expr: `sum(rate(${e.requests}[${rate}]))`, legendFormat: "requests/s" }],
    },
    {
      type: "stat",
      title: "Cache hit ratio",
      description: "Hits over cacheable lookups (bypasses excluded).",
      unit: "percentunit",
      w: 6,
      h: 5,
      min: 0,
      max: 1,
      targets: [
        {
          expr: `sum(rate(${e.cacheLookups}{result="hit"}[${rate}])) / sum(rate(${e.cacheLookups}{result=~"hit|miss"}[${rate}]))`,
          legendFormat: "hit ratio",
        },
      ],
    },
    {
      type: "stat",
      title: "5xx ratio",
      description: "Share of edge requests that failed with a 5xx.",
      unit: "percentunit",
      w: 6,
      h: 5,
      thresholds: [
        { color: "green", value: null },
        { color: "orange", value: 0.01 },
        { color: "red", value: 0.05 },
      ],
      targets: [
        {
          expr: `sum(rate(${e.requests}{status_class="5xx"}[${rate}])) / sum(rate(${e.requests}[${rate}]))`,
          legendFormat: "5xx ratio",
        },
      ],
    },
    {
      type: "stat",
      title: "Edge up",
      description: "Whether Prometheus can scrape the edge's /metrics (token included).",
      unit: "none",
      w: 6,
      h: 5,
      mappings: [
        {
          type: "value",
          options: { "0": { text: "DOWN", color: "red" }, "1": { text: "UP", color: "green" } },
        },
      ],
      targets: [{ expr: `min(up{job="${jobs.edge}"})`, legendFormat: "edge" }],
    },
    {
      title: "Requests by route and status class",
      description: "Throughput through the edge by route pattern and status class.",
      unit: "reqps",
      stack: true,
      targets: [
        {
          expr: `sum by (route, status_class) (rate(${e.requests}[${rate}]))`,
          legendFormat: "{{route}} {{status_class}}",
        },
      ],
    },
    {
      title: "Requests by answering model",
      description: "Which model answered, per second.",
      unit: "reqps",
      stack: true,
      targets: [{ expr: `sum by (model) (rate(${e.requests}[${rate}]))`, legendFormat: "{{model}}" }],
    },
    {
      type: "piechart",
      title: "Router decisions by model",
      description: "Distribution of routing decisions over the selected time range.",
      unit: "short",
      targets: [
        { expr: `sum by (model) (increase(${e.routeDecisions}[$__range]))`, legendFormat: "{{model}}" },
      ],
    },
    {
      title: "Router decisions by reason",
      description: "Why models were chosen (explicit, classifier, round-robin, fallback, ...).",
      unit: "reqps",
      stack: true,
      targets: [
        {
          expr: `sum by (model, reason) (rate(${e.routeDecisions}[${rate}]))`,
          legendFormat: "{{model}} ({{reason}})",
        },
      ],
    },
    {
      title: "Cache lookups by result",
      description: "Hit, miss and bypass (Cache-Control: no-cache) per second.",
      unit: "ops",
      stack: true,
      targets: [{ expr: `sum by (result) (rate(${e.cacheLookups}[${rate}]))`, legendFormat: "{{result}}" }],
    },
    {
      title: "Rate-limited requests",
      description: "Requests answered 429 by the token buckets, against all requests.",
      unit: "reqps",
      targets: [
        { expr: `sum(rate(${e.rateLimited}[${rate}]))`, legendFormat: "rate limited/s" },
        { expr: `sum(rate(${e.requests}[${rate}]))`, legendFormat: "all requests/s" },
      ],
    },
    {
      title: "Errors by status class",
      description: "4xx and 5xx answered by the edge.",
      unit: "reqps",
      targets: [
        {
          expr: `sum by (status_class) (rate(${e.requests}{status_class=~"4xx|5xx"}[${rate}]))`,
          legendFormat: "{{status_class}}",
        },
      ],
    },
    {
      title: "Fallbacks and retries",
      description: "Cascades to a larger model and upstream retries before the first token.",
      unit: "ops",
      targets: [
        {
          expr: `sum by (from_model, to_model) (rate(${e.fallbacks}[${rate}]))`,
          legendFormat: "fallback {{from_model}} → {{to_model}}",
        },
        { expr: `sum by (model) (rate(${e.retries}[${rate}]))`, legendFormat: "retry {{model}}" },
      ],
    },
    {
      title: "Upstream attempts by outcome",
      description: "Every attempt the proxy made: started, breaker_open, upstream_503, ttft_timeout, ...",
      unit: "ops",
      stack: true,
      targets: [
        {
          expr: `sum by (model, outcome) (rate(${e.upstreamAttempts}[${rate}]))`,
          legendFormat: "{{model}} {{outcome}}",
        },
      ],
    },
    {
      title: "State store and request-log failures",
      description:
        "Redis/Upstash failures (requests let through) and request records that could not be written.",
      unit: "ops",
      targets: [
        { expr: `sum(rate(${e.stateErrors}[${rate}]))`, legendFormat: "state store errors" },
        { expr: `sum(rate(${e.logWriteFailures}[${rate}]))`, legendFormat: "log write failures" },
      ],
    },
    {
      type: "state-timeline",
      title: "Circuit breaker state",
      description: "Per backend: closed (green), half-open (yellow), open (red).",
      unit: "none",
      w: 24,
      mappings: circuitMappings,
      thresholds: [
        { color: "green", value: null },
        { color: "yellow", value: 1 },
        { color: "red", value: 2 },
      ],
      targets: [{ expr: `max by (model) (${e.circuitState})`, legendFormat: "{{model}}" }],
    },
    {
      title: "Time to first token through the edge",
      description: "p50/p95/p99 of the time to first token as the client sees it (completions).",
      unit: "s",
      targets: [0.5, 0.95, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(${e.timeToFirstToken}_bucket[${rate}])))`,
        legendFormat: `p${Math.round(q * 100)}`,
      })),
    },
    {
      title: "Edge-added latency",
      description:
        "Time to response headers minus the answering backend's own time to first token (auth, rate limit, cache, routing, retries).",
      unit: "s",
      targets: [0.5, 0.95, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(${e.addedLatency}_bucket[${rate}])))`,
        legendFormat: `p${Math.round(q * 100)}`,
      })),
    },
  ],
);

export const modelsDashboard = dashboard(
  "switchyard-models",
  "Switchyard / Models",
  "Each model server: throughput, latency and time-to-first-token quantiles, tokens/s, errors, queue and slots.",
  [modelVariable],
  [
    {
      title: "Throughput per model",
      description: "Finished requests per second on each model server.",
      unit: "reqps",
      stack: true,
      targets: [
        {
          expr: `sum by (model) (rate(${b.requestDuration}_count{${modelFilter}}[${rate}]))`,
          legendFormat: "{{model}}",
        },
      ],
    },
    {
      title: "Tokens per second",
      description:
        "Completion tokens generated and prompt tokens evaluated per second, all requests together.",
      unit: "short",
      targets: [
        {
          expr: `sum by (model) (rate(${b.tokensGenerated}{${modelFilter}}[${rate}]))`,
          legendFormat: "{{model}} generated",
        },
        {
          expr: `sum by (model) (rate(${b.promptTokens}{${modelFilter}}[${rate}]))`,
          legendFormat: "{{model}} prompt",
        },
      ],
    },
    {
      title: "Request latency p50 / p95 / p99",
      description: "Whole request duration (histogram_quantile over the backend histogram).",
      unit: "s",
      targets: quantiles(b.requestDuration),
    },
    {
      title: "Time to first token p50 / p95 / p99",
      description: "From request start to the first generated token.",
      unit: "s",
      targets: quantiles(b.timeToFirstToken),
    },
    {
      title: "Decode speed per request (tokens/s)",
      description: "Median and p10 of per-request generation speed (higher is better).",
      unit: "short",
      targets: [
        {
          expr: `histogram_quantile(0.5, sum by (model, le) (rate(${b.tokensPerSecond}_bucket{${modelFilter}}[${rate}])))`,
          legendFormat: "{{model}} p50",
        },
        {
          expr: `histogram_quantile(0.1, sum by (model, le) (rate(${b.tokensPerSecond}_bucket{${modelFilter}}[${rate}])))`,
          legendFormat: "{{model}} p10",
        },
      ],
    },
    {
      title: "Errors by kind",
      description: "Failed requests on the model servers, by kind.",
      unit: "ops",
      stack: true,
      targets: [
        {
          expr: `sum by (model, kind) (rate(${b.errors}{${modelFilter}}[${rate}]))`,
          legendFormat: "{{model}} {{kind}}",
        },
      ],
    },
    {
      title: "Queue depth",
      description: "Requests waiting for a free sequence.",
      unit: "short",
      targets: [{ expr: `sum by (model) (${b.queueDepth}{${modelFilter}})`, legendFormat: "{{model}}" }],
    },
    {
      title: "Busy slots",
      description: "Sequences generating now, and configured sequences (dashed).",
      unit: "short",
      targets: [
        { expr: `sum by (model) (${b.busySlots}{${modelFilter}})`, legendFormat: "{{model}} busy" },
        { expr: `sum by (model) (${b.totalSlots}{${modelFilter}})`, legendFormat: "{{model}} slots" },
      ],
    },
    {
      type: "stat",
      title: "Backends up",
      description: "Model servers Prometheus can scrape.",
      unit: "none",
      w: 12,
      h: 5,
      thresholds: [
        { color: "red", value: null },
        { color: "green", value: 1 },
      ],
      targets: [{ expr: `up{job="${jobs.backends}"}`, legendFormat: "{{instance}}" }],
    },
    {
      type: "stat",
      title: "Backends ready",
      description: "Model loaded and accepting generation requests (0 while loading or draining).",
      unit: "none",
      w: 12,
      h: 5,
      thresholds: [
        { color: "red", value: null },
        { color: "green", value: 1 },
      ],
      targets: [{ expr: `max by (model) (${b.ready}{${modelFilter}})`, legendFormat: "{{model}}" }],
    },
  ],
);

export const dashboards: Dashboard[] = [edgeDashboard, modelsDashboard];

/** Every PromQL expression in the dashboards (panels and template variables excluded). */
export function panelExpressions(d: Dashboard): Array<{ panel: string; expr: string }> {
  return d.panels.flatMap((panel) => panel.targets.map((t) => ({ panel: panel.title, expr: t.expr })));
}

/** The committed file content for a dashboard (stable formatting, trailing newline). */
export function dashboardJson(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
