/**
 * Docs that must match the code, each checked where it is cheap: the rendered diagrams against
 * their sources, every variable the edge reads against edge/src/config/env.ts, every error code
 * the edge can send against docs/api.md's table, and the middleware order of edge/src/app.ts
 * against its docblock and against what the app does.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createApp } from "../edge/src/app";
import { loadEdgeConfig } from "../edge/src/config";
import { createJsonLinesSink } from "../edge/src/log/json-lines-sink";
import { createMemoryCacheStore } from "../edge/src/state/memory-cache-store";
import { createMemoryTokenBucketStore } from "../edge/src/state/memory-token-bucket-store";
import { DIAGRAMS_DIR, sourceMarker } from "../scripts/diagrams";

const ROOT = resolve(import.meta.dirname, "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
/** Non-test TypeScript under a folder. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.includes("fixture"))
    .map((f) => join(dir, f));
}
const edgeSource = sources("edge/src").map((f) => ({ file: f, text: read(f) }));

describe("diagrams", () => {
  const sourcesMmd = readdirSync(DIAGRAMS_DIR).filter((f) => f.endsWith(".mmd"));

  it.each(sourcesMmd)("%s is rendered from its current source (npm run diagrams)", (file) => {
    const svg = read(`docs/diagrams/${file.replace(/\.mmd$/, ".svg")}`);
    expect(svg.split("\n")[0]).toBe(sourceMarker(read(`docs/diagrams/${file}`)));
    expect(svg).toContain("<svg");
  });

  it("the README and docs/architecture.md show every diagram", () => {
    expect(sourcesMmd.length).toBeGreaterThanOrEqual(2);
    for (const file of sourcesMmd) {
      const svg = file.replace(/\.mmd$/, ".svg");
      expect(read("README.md")).toContain(`docs/diagrams/${svg}`);
      expect(read("docs/architecture.md")).toContain(`diagrams/${svg}`);
    }
  });
});

describe("edge/src/config/env.ts", () => {
  it("documents every environment variable and binding the edge reads", () => {
    const env = read("edge/src/config/env.ts");
    const names = new Set(
      edgeSource.flatMap(({ text }) => [
        ...text.matchAll(/\b(SWITCHYARD_[A-Z0-9_]+|UPSTASH_[A-Z0-9_]+|DATABASE_URL|OTEL_[A-Z0-9_]+)\b/g),
      ]),
    );
    const read_ = [...names].map((m) => m[1] as string).filter((n) => n !== "SWITCHYARD_HEADERS");
    expect(read_.length).toBeGreaterThan(20);
    expect([...new Set(read_)].filter((n) => !env.includes(n))).toEqual([]);
  });
});

describe("docs/api.md error table", () => {
  const table = read("docs/api.md");
  const streaming = table.slice(table.indexOf("## Streaming contract"));
  const errors = table.slice(table.indexOf("## Errors"), table.indexOf("## Streaming contract"));

  it("names every error code the edge can send", () => {
    const codes = new Set<string>();
    for (const { text } of edgeSource) {
      // new ApiError(status, "code", ...) and the auth middleware's unauthorized("code", ...)
      for (const m of text.matchAll(/new ApiError\(\s*\d{3},\s*"([a-z_]+)"/g)) codes.add(m[1] as string);
      for (const m of text.matchAll(/unauthorized\(\s*"([a-z_]+)"/g)) codes.add(m[1] as string);
    }
    // The codes renderError derives from Hono's own exceptions.
    // (The `..._error` strings there are error types, not codes.)
    for (const m of read("edge/src/http/errors.ts").matchAll(/\? "([a-z_]+)"/g))
      if (!m[1]?.endsWith("_error")) codes.add(m[1] as string);
    expect(codes.size).toBeGreaterThan(10);
    expect([...codes].filter((code) => !errors.includes(`\`${code}\``))).toEqual([]);
  });

  it("names every failure code a broken stream can end with", () => {
    const codes = new Set<string>();
    for (const { text } of edgeSource)
      for (const m of text.matchAll(/new StreamFailure\(\s*"([a-z_]+)"/g)) codes.add(m[1] as string);
    expect(codes.size).toBeGreaterThan(2);
    expect([...codes].filter((code) => !(errors + streaming).includes(`\`${code}\``))).toEqual([]);
  });

  it("lists every status the OpenAPI document declares", () => {
    const doc = JSON.parse(read("docs/openapi.json")) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const statuses = new Set(
      Object.values(doc.paths).flatMap((ops) =>
        Object.values(ops).flatMap((op) => Object.keys(op.responses)),
      ),
    );
    for (const status of statuses) if (status >= "400") expect(errors).toContain(`| ${status} |`);
  });
});

describe("edge/src/app.ts middleware order", () => {
  const KEY = "sk-docs";
  const build = (capacity: string) =>
    createApp(
      loadEdgeConfig({
        SWITCHYARD_API_KEYS: KEY,
        SWITCHYARD_RATE_LIMIT_CAPACITY: capacity,
        SWITCHYARD_RATE_LIMIT_REFILL_PER_SECOND: "0.001",
        SWITCHYARD_MAX_BODY_BYTES: "2048",
      }),
      {
        tokenBuckets: createMemoryTokenBucketStore(),
        cache: createMemoryCacheStore(),
        logSink: createJsonLinesSink({ writeBatch: () => {} }),
      },
    );
  const big = JSON.stringify({ model: "auto", messages: [{ role: "user", content: "x".repeat(4096) }] });
  const post = (app: ReturnType<typeof build>, body: string, key?: string) =>
    app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body,
    });

  it("runs auth and the rate limit before the body limit, and the body limit before validation", async () => {
    const app = build("1");
    expect((await post(app, big)).status).toBe(401); // auth before body limit
    expect((await post(app, big, KEY)).status).toBe(413); // uses the one token
    expect((await post(app, big, KEY)).status).toBe(429); // rate limit before body limit
    const fresh = build("10");
    expect((await post(fresh, `{"model": 1, "pad": "${"x".repeat(4096)}"}`, KEY)).status).toBe(413);
    expect((await post(fresh, '{"model": 1}', KEY)).status).toBe(400); // validation after the limit
  });

  it("is the order the docblock states", () => {
    const docblock = /The edge gateway as a Hono app: ([^.]+)\./s.exec(read("edge/src/app.ts"))?.[1] ?? "";
    const stages = docblock
      .replace(/\s*\*\s*/g, " ")
      .split("->")
      .map((s) => s.trim());
    const order = [
      "request id",
      "auth",
      "rate limit",
      "body limit",
      "cache",
      "validation",
      "route",
      "proxy",
      "log",
    ];
    const positions = order.map((stage) => stages.indexOf(stage));
    expect(
      positions.every((p) => p >= 0),
      `docblock stages: ${stages.join(" | ")}`,
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});
