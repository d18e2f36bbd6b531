import { describe, expect, it } from "vitest";
import { EdgeConfigError, loadEdgeConfig } from "./index";

describe("loadEdgeConfig", () => {
  it("an empty environment is the local stack with documented defaults", () => {
    const c = loadEdgeConfig({});
    expect(c.roster.map((m) => [m.id, m.baseUrl, m.tier])).toEqual([
      ["codegemma-7b", "http://127.0.0.1:8081", 1],
      ["qwen2.5-7b-instruct", "http://127.0.0.1:8082", 2],
      ["llama-3.1-8b-instruct", "http://127.0.0.1:8083", 3],
      ["gemma-2-9b-it", "http://127.0.0.1:8084", 4],
      ["llama-3.1-nemotron-51b-instruct", "http://127.0.0.1:8085", 5],
    ]);
    expect(c.cache.ttlSeconds).toBe(300);
    expect(c.roster[0]?.costWeight).toBeGreaterThan(0);
    expect(c.upstash).toBeUndefined();
    expect(c.database).toBeUndefined();
    expect(c.auth).toMatchObject({ allowAnonymous: false, requiredScope: "chat", issuer: "switchyard-dev" });
  });

  it("defaults `auto` to the learned router, with an optional threshold knob in [0,1]", () => {
    expect(loadEdgeConfig({})).toMatchObject({ routingPolicy: "classifier", routerThreshold: undefined });
    expect(loadEdgeConfig({ SWITCHYARD_ROUTER_THRESHOLD: "0.9" }).routerThreshold).toBe(0.9);
    expect(() => loadEdgeConfig({ SWITCHYARD_ROUTER_THRESHOLD: "1.5" })).toThrow(EdgeConfigError);
    expect(() => loadEdgeConfig({ SWITCHYARD_ROUTING_POLICY: "magic" })).toThrow(EdgeConfigError);
  });

  it("reads SWITCHYARD_BACKENDS, including dev models, and numeric knobs", () => {
    const c = loadEdgeConfig({
      SWITCHYARD_BACKENDS: '{"stories260k":"http://127.0.0.1:9000/"}',
      SWITCHYARD_TTFT_BUDGET_MS: "1234",
      SWITCHYARD_ALLOW_ANONYMOUS: "true",
    });
    expect(c.roster).toEqual([
      expect.objectContaining({
        id: "stories260k",
        baseUrl: "http://127.0.0.1:9000",
        tier: null,
        kind: "dev",
      }),
    ]);
    expect(c.proxy.ttftBudgetMs).toBe(1234);
    expect(c.auth.allowAnonymous).toBe(true);
  });

  it("rejects invalid settings with every problem named", () => {
    expect(() => loadEdgeConfig({ SWITCHYARD_BACKENDS: "{nope" })).toThrow(EdgeConfigError);
    expect(() => loadEdgeConfig({ SWITCHYARD_BACKENDS: '{"gpt-9":"http://x"}' })).toThrow(
      /not in the catalogue: gpt-9/,
    );
    expect(() => loadEdgeConfig({ SWITCHYARD_BACKENDS: '{"codegemma-7b":"ftp://x"}' })).toThrow(
      EdgeConfigError,
    );
    expect(() => loadEdgeConfig({ SWITCHYARD_RETRIES: "-1" })).toThrow(/SWITCHYARD_RETRIES/);
    expect(() => loadEdgeConfig({ UPSTASH_REDIS_REST_URL: "http://x" })).toThrow(/together/);
  });

  it("names each offending variable with its reason, all problems in one error", () => {
    let caught: unknown;
    try {
      loadEdgeConfig({
        SWITCHYARD_BACKENDS: '{"gpt-9":"http://x"}',
        SWITCHYARD_DEV_TOKENS: "true",
        UPSTASH_REDIS_REST_URL: "http://x",
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EdgeConfigError);
    expect((caught as EdgeConfigError).issues.map((i) => i.variable)).toEqual([
      "SWITCHYARD_BACKENDS",
      "SWITCHYARD_DEV_TOKENS",
      "UPSTASH_REDIS_REST_TOKEN",
    ]);
    const schemaError = (() => {
      try {
        loadEdgeConfig({ SWITCHYARD_RETRIES: "-1", SWITCHYARD_CACHE_TTL_SECONDS: "soon" });
      } catch (error) {
        return error as EdgeConfigError;
      }
    })();
    expect(schemaError?.issues.map((i) => i.variable).sort()).toEqual([
      "SWITCHYARD_CACHE_TTL_SECONDS",
      "SWITCHYARD_RETRIES",
    ]);
    expect(schemaError?.message).toMatch(/^Invalid edge configuration: .*SWITCHYARD_RETRIES: [^;]+/);
  });
});
