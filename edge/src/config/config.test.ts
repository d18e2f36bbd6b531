import { describe, expect, it } from "vitest";
import { catalogueModels } from "./catalogue";
import { EdgeConfigError, loadEdgeConfig } from "./index";

describe("loadEdgeConfig", () => {
  it("an empty environment is the local stack with documented defaults", () => {
    const c = loadEdgeConfig({});
    const production = catalogueModels().filter((m) => m.kind === "production");
    expect(c.roster.map((m) => [m.id, m.backends, m.tier])).toEqual(
      production.map((m, i) => [m.id, [`http://127.0.0.1:${8081 + i}`], i + 1]),
    );
    expect(c.roster).toHaveLength(5);
    expect(c.cache.ttlSeconds).toBe(300);
    expect(c.roster[0]?.costWeight).toBeGreaterThan(0);
    expect(c.upstash).toBeUndefined();
    expect(c.database).toBeUndefined();
    expect(c.auth).toMatchObject({ allowAnonymous: false, requiredScope: "chat", issuer: "switchyard-dev" });
  });

  it("defaults `auto` to the learned router, with an optional max-quality-loss knob in [0,1]", () => {
    expect(loadEdgeConfig({})).toMatchObject({ routingPolicy: "classifier" });
    expect(loadEdgeConfig({ SWITCHYARD_ROUTER_MAX_QUALITY_LOSS: "0.02" }).routerMaxQualityLoss).toBe(0.02);
    expect(loadEdgeConfig({}).routerMaxQualityLoss).toBeUndefined();
    expect(() => loadEdgeConfig({ SWITCHYARD_ROUTER_MAX_QUALITY_LOSS: "1.5" })).toThrow(EdgeConfigError);
    expect(() => loadEdgeConfig({ SWITCHYARD_ROUTER_THRESHOLD: "0.9" })).toThrow(
      /SWITCHYARD_ROUTER_MAX_QUALITY_LOSS/,
    );
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
        backends: ["http://127.0.0.1:9000"],
        tier: null,
        kind: "dev",
      }),
    ]);
    expect(c.proxy.ttftBudgetMs).toBe(1234);
    expect(c.auth.allowAnonymous).toBe(true);
  });

  it("rejects invalid settings with every problem named", () => {
    expect(() => loadEdgeConfig({ SWITCHYARD_BACKENDS: "{nope" })).toThrow(EdgeConfigError);
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
        SWITCHYARD_BACKENDS: '{"m":"http://x"}',
        SWITCHYARD_MODELS: '{"m":{"backends":"http://y"}}',
        SWITCHYARD_DEV_TOKENS: "true",
        UPSTASH_REDIS_REST_URL: "http://x",
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EdgeConfigError);
    expect((caught as EdgeConfigError).issues.map((i) => i.variable)).toEqual([
      "SWITCHYARD_MODELS",
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

  it("SWITCHYARD_BACKENDS: ids outside the catalogue work, and a list of URLs is a set of replicas", () => {
    const c = loadEdgeConfig({
      SWITCHYARD_BACKENDS: JSON.stringify({
        "my-finetune": ["http://10.0.0.1:8080/", "http://10.0.0.2:8080"],
        "codegemma-7b": "http://10.0.0.3:8080",
      }),
    });
    expect(c.roster.map((m) => m.id)).toEqual(["codegemma-7b", "my-finetune"]); // tiered first
    expect(c.roster[1]).toMatchObject({
      kind: "custom",
      tier: null,
      contextLength: null,
      backends: ["http://10.0.0.1:8080", "http://10.0.0.2:8080"],
      capabilities: ["chat"],
      continuation: false,
    });
    expect(c.roster[0]?.capabilities).toEqual(["chat", "tools", "json_schema", "continuation"]);
    expect(c.roster[0]?.continuation).toBe(true);
  });

  it("SWITCHYARD_MODELS describes models fully at run time, catalogue facts filling the gaps", () => {
    const c = loadEdgeConfig({
      SWITCHYARD_MODELS: JSON.stringify({
        "big-local": {
          backends: ["http://gpu-a:8080", "http://gpu-b:8080"],
          tier: 9,
          contextLength: 131072,
          price: { inputUsdPerMTok: 1, outputUsdPerMTok: 3 },
          capabilities: ["chat", "tools", "json_schema"],
        },
        "nomic-embed": { backends: "http://embed:8080", capabilities: ["embeddings"] },
        "qwen2.5-7b-instruct": { backends: "http://qwen:8080", tier: 1 },
      }),
    });
    expect(c.roster.map((m) => m.id)).toEqual(["qwen2.5-7b-instruct", "big-local", "nomic-embed"]);
    const [qwen, big, embed] = c.roster;
    const qwenCatalogue = catalogueModels().find((m) => m.id === "qwen2.5-7b-instruct");
    expect(qwen).toMatchObject({ kind: "production", tier: 1, contextLength: qwenCatalogue?.contextLength });
    expect(qwen?.price).toEqual(qwenCatalogue?.price);
    expect(big).toMatchObject({
      kind: "custom",
      tier: 9,
      contextLength: 131072,
      backends: ["http://gpu-a:8080", "http://gpu-b:8080"],
    });
    expect(big?.costWeight).toBeGreaterThan(1); // priced against the cheapest configured model
    expect(embed).toMatchObject({ tier: null, capabilities: ["embeddings"], price: null });
  });

  it("a bad model configuration is one clear error naming the variable", () => {
    const bad = (env: Record<string, string>, pattern: RegExp, variable: string) => {
      try {
        loadEdgeConfig(env);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(EdgeConfigError);
        expect((error as Error).message).toMatch(pattern);
        expect((error as EdgeConfigError).variables).toContain(variable);
      }
    };
    bad({ SWITCHYARD_MODELS: "[1," }, /SWITCHYARD_MODELS must be a JSON object/, "SWITCHYARD_MODELS");
    bad({ SWITCHYARD_MODELS: '{"m":{"backends":[]}}' }, /SWITCHYARD_MODELS/, "SWITCHYARD_MODELS");
    bad(
      { SWITCHYARD_MODELS: '{"m":{"backends":"http://a","capabilties":["chat"]}}' },
      /capabilties/,
      "SWITCHYARD_MODELS",
    );
    bad(
      { SWITCHYARD_MODELS: '{"m":{"backends":"http://a","capabilities":["vision"]}}' },
      /capabilities/,
      "SWITCHYARD_MODELS",
    );
    bad({ SWITCHYARD_MODELS: '{"m":{"backends":"ftp://a"}}' }, /backends/, "SWITCHYARD_MODELS");
    bad({ SWITCHYARD_MODELS: "{}" }, /name no model/, "SWITCHYARD_MODELS");
    bad(
      { SWITCHYARD_MODELS: '{"m":{"backends":"http://a"}}', SWITCHYARD_BACKENDS: '{"m":"http://b"}' },
      /also in SWITCHYARD_BACKENDS \(use one\): m/,
      "SWITCHYARD_MODELS",
    );
  });
});
