import { createApp } from "../../src/app";
import { type EdgeEnv, loadEdgeConfig } from "../../src/config";
import type { CatalogueModel } from "../../src/config/catalogue";
import type { RequestLogSink, RequestRecord } from "../../src/log/request-record";
import type { RoutingPolicy } from "../../src/routing";
import { createMemoryCacheStore } from "../../src/state/memory-cache-store";
import { createMemoryTokenBucketStore } from "../../src/state/memory-token-bucket-store";

export const TEST_KEY = "sk-test-key";

/** A request log that keeps records in memory (and can be made to fail like a DB outage). */
export function capturingSink(): RequestLogSink & { records: RequestRecord[]; failing: boolean } {
  const sink = {
    records: [] as RequestRecord[],
    failing: false,
    async write(record: RequestRecord) {
      if (sink.failing) throw new Error("database unavailable");
      sink.records.push(record);
    },
  };
  return sink;
}

/**
 * The edge app in-process with memory stores and a capturing log, for Node tests.
 *
 * @example const edge = createTestEdge({ SWITCHYARD_BACKENDS: JSON.stringify({ "codegemma-7b": a.url }) });
 */
export function createTestEdge(
  env: EdgeEnv,
  opts: { autoPolicy?: RoutingPolicy; catalogue?: CatalogueModel[] } = {},
) {
  const config = loadEdgeConfig(
    {
      SWITCHYARD_API_KEYS: TEST_KEY,
      SWITCHYARD_METRICS_TOKEN: "metrics-token",
      ...env,
    },
    opts.catalogue,
  );
  const log = capturingSink();
  const app = createApp(config, {
    tokenBuckets: createMemoryTokenBucketStore(),
    cache: createMemoryCacheStore(),
    logSink: log,
    autoPolicy: opts.autoPolicy,
  });
  const post = (
    path: string,
    body: unknown,
    init: { headers?: Record<string, string>; signal?: AbortSignal; env?: Record<string, string> } = {},
  ) =>
    app.request(
      path,
      {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json", ...init.headers },
        body: JSON.stringify(body),
        ...(init.signal ? { signal: init.signal } : {}),
      },
      init.env,
    );
  /** Waits until the log has `n` records (they are written off the response path). */
  const waitForRecords = async (n: number, timeoutMs = 2000) => {
    const until = Date.now() + timeoutMs;
    while (log.records.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    return log.records;
  };
  /** This edge's /metrics text. */
  const metrics = async () =>
    (await app.request("/metrics", { headers: { authorization: "Bearer metrics-token" } })).text();
  return { app, config, log, post, waitForRecords, metrics };
}

export interface SseRead {
  events: unknown[];
  /** Whether the stream ended with `data: [DONE]`. */
  done: boolean;
  text: string;
}

/** Reads a whole SSE response body into its data events. */
export async function readSse(res: Response): Promise<SseRead> {
  const text = await res.text();
  const events: unknown[] = [];
  let done = false;
  for (const block of text.split("\n\n")) {
    const data = block
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => l.slice(6))
      .join("\n");
    if (!data) continue;
    if (data === "[DONE]") done = true;
    else events.push(JSON.parse(data));
  }
  return { events, done, text };
}

/** Concatenated content of chat.completion.chunk events. */
export const chatText = (events: unknown[]): string =>
  events
    .map((e) => (e as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? "")
    .join("");

export const chatBody = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: "user", content: "Tell me a story" }],
  max_tokens: 16,
  ...extra,
});
