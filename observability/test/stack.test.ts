/**
 * The observability stack against the real services: a real backend (node-llama-cpp serving
 * stories260K under a production id) and the real edge under `wrangler dev` (workerd, metrics
 * through the Durable Object), scraped by a real Prometheus (Debian package) configured from the
 * committed prometheus.yml and alerts.yml; an OTLP/HTTP receiver collects the spans of both.
 * CI=true turns anything that cannot start into a failure.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { freePort, type Spawned, spawnLogged, waitForOk } from "../../edge/test/support/processes";
import { dashboards, panelExpressions } from "../grafana/dashboards";
import { queryPanels } from "../grafana/query-panels";
import { renderDashboardHtml } from "../grafana/render-html";
import { substituteGrafanaVariables } from "./promql";
import { findTool, observabilityDir, repoRoot } from "./tools";

const MODEL = "qwen2.5-7b-instruct";
const MODEL_FILE = resolve(
  process.env.SWITCHYARD_MODEL_DIR ?? resolve(repoRoot, "../shared/models"),
  "stories260K.gguf",
);
const API_KEY = "sk-obs-key";
const BACKEND_KEY = "obs-backend-key";
const METRICS_TOKEN = "obs-metrics-token";
const TRACED_REQUEST_ID = "obs-trace-request-1";
const isCi = process.env.CI === "true" || process.env.CI === "1";

const prometheusBin = findTool("prometheus");
const chromiumBin = findTool("chromium", "apt-get install -y chromium");
const processes: Spawned[] = [];
let tmp = "";
let edgeUrl = "";
let promUrl = "";
let otlp: Server | undefined;
let ready = false;
/** Requests sent to the edge's /v1/chat/completions, by kind. */
const sent = { completions: 0, cacheHits: 0, notFound: 0 };

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}
const received: Array<{ service: string; span: OtlpSpan }> = [];
const contentTypes = new Set<string>();

/** A tiny OTLP/HTTP receiver: accepts JSON export requests on /v1/traces and keeps the spans. */
async function startOtlpReceiver(): Promise<string> {
  otlp = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      contentTypes.add(String(req.headers["content-type"]));
      if (req.url !== "/v1/traces" || !String(req.headers["content-type"]).includes("json")) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      for (const rs of body.resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a: { key: string }) => a.key === "service.name")?.value
          ?.stringValue;
        for (const ss of rs.scopeSpans ?? [])
          for (const span of ss.spans ?? []) received.push({ service, span });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => otlp?.listen(0, "127.0.0.1", r));
  const address = otlp.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

async function promQuery(
  query: string,
): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: never[] } };
  if (body.status !== "success") throw new Error(`${query}: ${body.error}`);
  return body.data.result;
}

/** Polls a query until `check` accepts its result (Prometheus scrapes every second here). */
async function eventually<T>(
  query: string,
  check: (r: Awaited<ReturnType<typeof promQuery>>) => T,
  timeoutMs = 30_000,
) {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    const result = await promQuery(query);
    try {
      return check(result);
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${query} never satisfied the check: ${String(last)}`);
}

const seriesValue = (r: Awaited<ReturnType<typeof promQuery>>, labels: Record<string, string> = {}) => {
  const hit = r.find((s) => Object.entries(labels).every(([k, v]) => s.metric[k] === v));
  if (!hit) throw new Error(`no series with ${JSON.stringify(labels)} in ${JSON.stringify(r)}`);
  return Number(hit.value[1]);
};

async function chat(content: string, init: { stream?: boolean; model?: string; requestId?: string } = {}) {
  const res = await fetch(`${edgeUrl}/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${API_KEY}`,
      "content-type": "application/json",
      ...(init.requestId ? { "x-request-id": init.requestId } : {}),
    },
    body: JSON.stringify({
      model: init.model ?? MODEL,
      messages: [{ role: "user", content }],
      max_tokens: 8,
      temperature: 0,
      stream: init.stream ?? false,
    }),
  });
  await res.text();
  return res;
}

/** Distinct prompts (cache misses, answered by the backend), then two repeats (cache hits). */
async function sendTraffic(round: number): Promise<void> {
  const words = ["river", "castle", "forest", "garden"].map((w) => `${w} ${round}`);
  for (const word of words) {
    expect((await chat(`Tell a story about a ${word}.`, { stream: round % 2 === 1 })).status).toBe(200);
    sent.completions += 1;
  }
  for (const word of words.slice(0, 2)) {
    const res = await chat(`Tell a story about a ${word}.`, { stream: round % 2 === 1 });
    expect(res.headers.get("x-switchyard-cache")).toBe("HIT");
    sent.completions += 1;
    sent.cacheHits += 1;
  }
}

beforeAll(async () => {
  const problem = !prometheusBin
    ? "prometheus is not installed"
    : !existsSync(MODEL_FILE)
      ? `model file ${MODEL_FILE} is missing`
      : null;
  if (problem) {
    if (isCi) throw new Error(`observability stack: ${problem} (required when CI=true)`);
    console.warn(`\n!!! SKIPPING observability stack tests: ${problem}\n`);
    return;
  }
  tmp = mkdtempSync(join(tmpdir(), "switchyard-obs-"));
  const otlpUrl = await startOtlpReceiver();

  const backendPort = await freePort();
  const backend = spawnLogged(
    "npm",
    [
      "run",
      "-s",
      "backend",
      "--",
      "--model",
      MODEL_FILE,
      "--id",
      MODEL,
      "--port",
      String(backendPort),
      "--threads",
      "1",
      "--api-key",
      BACKEND_KEY,
      "--skip-checksum",
    ],
    {
      cwd: repoRoot,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
        OTEL_BSP_SCHEDULE_DELAY: "200",
        OTEL_SERVICE_NAME: "switchyard-backend",
      },
    },
  );
  processes.push(backend);
  const backendUrl = `http://127.0.0.1:${backendPort}`;

  const envFile = join(tmp, "edge.env");
  writeFileSync(
    envFile,
    [
      `SWITCHYARD_BACKENDS=${JSON.stringify({ [MODEL]: backendUrl })}`,
      `SWITCHYARD_API_KEYS=${API_KEY}`,
      `SWITCHYARD_BACKEND_API_KEY=${BACKEND_KEY}`,
      `SWITCHYARD_METRICS_TOKEN=${METRICS_TOKEN}`,
      "SWITCHYARD_PROMPT_HASH_KEY=obs-prompt-hash",
      "SWITCHYARD_RATE_LIMIT_CAPACITY=1000",
      "SWITCHYARD_TTFT_BUDGET_MS=30000",
      `OTEL_EXPORTER_OTLP_ENDPOINT=${otlpUrl}`,
    ].join("\n"),
  );
  const edgePort = await freePort();
  const inspector = await freePort();
  const edge = spawnLogged(
    "npx",
    [
      "wrangler",
      "dev",
      "--config",
      resolve(repoRoot, "wrangler.toml"),
      "--ip",
      "127.0.0.1",
      "--port",
      String(edgePort),
      "--inspector-port",
      String(inspector),
      "--env-file",
      envFile,
      "--persist-to",
      join(tmp, "wrangler-state"),
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    { cwd: repoRoot, env: { WRANGLER_SEND_METRICS: "false" } },
  );
  processes.push(edge);
  edgeUrl = `http://127.0.0.1:${edgePort}`;
  await Promise.all([
    waitForOk(`${backendUrl}/ready`, backend, 120_000, { authorization: `Bearer ${BACKEND_KEY}` }),
    waitForOk(`${edgeUrl}/health`, edge, 150_000),
  ]);

  // Traffic before Prometheus starts (counters exist from the first scrape); more follows below.
  await sendTraffic(0);
  expect((await chat("A traced story.", { stream: true, requestId: TRACED_REQUEST_ID })).status).toBe(200);
  sent.completions += 1;
  expect((await chat("Nobody serves this.", { model: "no-such-model" })).status).toBe(404);
  sent.completions += 1;
  sent.notFound += 1;

  // Prometheus from the committed files; only addresses, file paths and intervals differ.
  const config = parse(readFileSync(join(observabilityDir, "prometheus/prometheus.yml"), "utf8"));
  const promPort = await freePort();
  config.global.scrape_interval = "1s";
  config.global.evaluation_interval = "1s";
  config.rule_files = [join(observabilityDir, "prometheus/alerts.yml")];
  const targets: Record<string, string[]> = {
    "switchyard-edge": [`127.0.0.1:${edgePort}`],
    "switchyard-backends": [`127.0.0.1:${backendPort}`],
    prometheus: [`127.0.0.1:${promPort}`],
  };
  const secrets: Record<string, string> = {
    "switchyard-edge": METRICS_TOKEN,
    "switchyard-backends": BACKEND_KEY,
  };
  for (const job of config.scrape_configs) {
    job.static_configs = [{ targets: targets[job.job_name], labels: job.static_configs[0].labels ?? {} }];
    if (job.authorization?.credentials_file) {
      job.authorization.credentials_file = join(tmp, `${job.job_name}.token`);
      writeFileSync(job.authorization.credentials_file, secrets[job.job_name] as string);
    }
  }
  writeFileSync(join(tmp, "prometheus.yml"), stringify(config));
  const prometheus = spawnLogged(
    prometheusBin as string,
    [
      `--config.file=${join(tmp, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(tmp, "tsdb")}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    { cwd: tmp },
  );
  processes.push(prometheus);
  promUrl = `http://127.0.0.1:${promPort}`;
  await waitForOk(`${promUrl}/-/ready`, prometheus, 30_000);
  await eventually('up{job=~"switchyard-.*"}', (r) =>
    expect(r.filter((s) => s.value[1] === "1")).toHaveLength(2),
  );
  // Traffic while Prometheus scrapes, so rates and quantiles have data for the panels.
  for (const round of [1, 2, 3]) {
    await sendTraffic(round);
    await new Promise((r) => setTimeout(r, 1500));
  }
  ready = true;
}, 300_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await new Promise<void>((r) => (otlp ? otlp.close(() => r()) : r()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("Prometheus scraping the real edge and backend", () => {
  it("scrapes both jobs with their tokens (up == 1)", async ({ skip }) => {
    if (!ready) skip();
    await eventually('up{job=~"switchyard-.*"}', (r) => {
      expect(seriesValue(r, { job: "switchyard-edge" })).toBe(1);
      expect(seriesValue(r, { job: "switchyard-backends" })).toBe(1);
    });
  });

  it("has requests per model and a p95 latency from the backend histogram", async ({ skip }) => {
    if (!ready) skip();
    // The backend saw every completion the edge did not answer itself (misses + the stream).
    const backendRequests = sent.completions - sent.cacheHits - sent.notFound;
    await eventually(
      'sum by (model) (switchyard_backend_request_duration_seconds_count{endpoint="/v1/chat/completions"})',
      (r) => expect(seriesValue(r, { model: MODEL })).toBe(backendRequests),
    );
    await eventually(
      "histogram_quantile(0.95, sum by (model, le) (rate(switchyard_backend_request_duration_seconds_bucket[1m])))",
      (r) => {
        const p95 = seriesValue(r, { model: MODEL });
        expect(p95).toBeGreaterThan(0);
        expect(p95).toBeLessThan(120);
      },
    );
    await eventually("sum by (model) (switchyard_backend_generated_tokens_total)", (r) =>
      expect(seriesValue(r, { model: MODEL })).toBeGreaterThan(0),
    );
  });

  it("edge totals from the Durable Object match the traffic exactly", async ({ skip }) => {
    if (!ready) skip();
    await eventually('sum(switchyard_http_requests_total{route="/v1/chat/completions"})', (r) =>
      expect(seriesValue(r)).toBe(sent.completions),
    );
    await eventually("sum by (result) (switchyard_cache_lookups_total)", (r) =>
      expect(seriesValue(r, { result: "hit" })).toBe(sent.cacheHits),
    );
    await eventually('sum by (model) (switchyard_http_requests_total{status_class="2xx"})', (r) =>
      expect(seriesValue(r, { model: MODEL })).toBe(sent.completions - sent.notFound),
    );
    await eventually("sum by (model, reason) (switchyard_route_decisions_total)", (r) =>
      expect(seriesValue(r, { model: MODEL, reason: "explicit" })).toBe(
        sent.completions - sent.cacheHits - sent.notFound,
      ),
    );
    await eventually("max by (model) (switchyard_circuit_state)", (r) =>
      expect(seriesValue(r, { model: MODEL })).toBe(0),
    );
    await eventually("sum(switchyard_edge_added_latency_seconds_count)", (r) =>
      expect(seriesValue(r)).toBeGreaterThan(0),
    );
  });

  it("every dashboard query runs on the real data, and the key panels have series", async ({ skip }) => {
    if (!ready) skip();
    const mustHaveData = [
      "Throughput per model",
      "Tokens per second",
      "Request latency p50 / p95 / p99",
      "Time to first token p50 / p95 / p99",
      "Requests by answering model",
      "Cache lookups by result",
      "Router decisions by reason",
      "Circuit breaker state",
      "Edge-added latency",
    ];
    for (const d of dashboards) {
      for (const { panel, expr } of panelExpressions(d)) {
        const result = await promQuery(substituteGrafanaVariables(expr).replace("[1h]", "[5m]"));
        if (mustHaveData.includes(panel)) expect(result.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      }
    }
  });

  it("loads every alert rule and evaluates it without error", async ({ skip }) => {
    if (!ready) skip();
    await new Promise((r) => setTimeout(r, 2500));
    const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
    };
    const rules = res.data.groups.flatMap((g) => g.rules);
    const committed =
      readFileSync(join(observabilityDir, "prometheus/alerts.yml"), "utf8").match(/- alert:/g) ?? [];
    expect(rules).toHaveLength(committed.length);
    for (const rule of rules) expect(rule.health, `${rule.name}: ${rule.lastError}`).toBe("ok");
  });
});

describe("one trace per request, edge through backend", () => {
  it("the OTLP receiver gets the edge span and the backend span of one request, sharing its trace id", async ({
    skip,
  }) => {
    if (!ready) skip();
    const attr = (span: OtlpSpan, key: string) =>
      span.attributes.find((a) => a.key === key)?.value.stringValue;
    const until = Date.now() + 20_000;
    let edgeSpan: OtlpSpan | undefined;
    let backendSpan: OtlpSpan | undefined;
    while (Date.now() < until && !(edgeSpan && backendSpan)) {
      edgeSpan = received.find(
        (r) => r.service === "switchyard-edge" && attr(r.span, "switchyard.request_id") === TRACED_REQUEST_ID,
      )?.span;
      backendSpan = received.find(
        (r) => r.service !== "switchyard-edge" && attr(r.span, "switchyard.request_id") === TRACED_REQUEST_ID,
      )?.span;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(edgeSpan, `edge span (content types: ${[...contentTypes]})`).toBeDefined();
    expect(backendSpan, `backend span (received ${received.length} spans)`).toBeDefined();
    expect(backendSpan?.traceId).toBe(edgeSpan?.traceId);
    expect(backendSpan?.parentSpanId).toBe(edgeSpan?.spanId);
    expect(attr(edgeSpan as OtlpSpan, "switchyard.model")).toBe(MODEL);
  });
});

describe("dashboards rendered from the real data (docs screenshot)", () => {
  it("renders every panel of both dashboards in headless Chromium", async ({ skip }) => {
    if (!ready || !chromiumBin) skip();
    const end = Date.now() / 1000;
    const start = end - 120;
    const browser = await chromium.launch({
      executablePath: chromiumBin,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
      ],
    });
    try {
      for (const d of dashboards) {
        const data = await queryPanels(promUrl, d, start, end);
        const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
        await page.setContent(renderDashboardHtml(d, data));
        const png = join(tmp, `observability-${d.uid}.png`);
        await page.screenshot({ path: png, fullPage: true });
        await page.close();
        expect(statSync(png).size).toBeGreaterThan(20_000);
        // Refresh the committed screenshots on demand (docs/img), never as a side effect of CI.
        if (process.env.SWITCHYARD_UPDATE_SCREENSHOTS === "1") {
          mkdirSync(join(repoRoot, "docs/img"), { recursive: true });
          copyFileSync(png, join(repoRoot, "docs/img", `observability-${d.uid}.png`));
        }
      }
    } finally {
      await browser.close();
    }
  });
});
