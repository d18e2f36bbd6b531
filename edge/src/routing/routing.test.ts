import { describe, expect, it } from "vitest";
import { loadEdgeConfig } from "../config";
import { cascadeAfter, createRoundRobinPolicy, createRoutingPolicy, type RoutingPolicy } from "./index";

const { roster } = loadEdgeConfig({}); // default local stack: all five production models
const input = (requestedModel: string) => ({ requestedModel, text: "hi", lastUserText: "hi", maxTokens: 8 });

describe("routing", () => {
  it("cascades to larger models first, then smaller ones", () => {
    expect(cascadeAfter(roster, "qwen2.5-7b-instruct")).toEqual([
      "llama-3.1-8b-instruct",
      "gemma-2-9b-it",
      "llama-3.1-nemotron-51b-instruct",
      "codegemma-7b",
    ]);
    expect(cascadeAfter(roster, "llama-3.1-nemotron-51b-instruct")).toEqual([
      "gemma-2-9b-it",
      "llama-3.1-8b-instruct",
      "qwen2.5-7b-instruct",
      "codegemma-7b",
    ]);
  });

  it("explicit model ids are honoured, with the cascade as fallbacks when opted in", async () => {
    const d = await createRoutingPolicy({ roster }).decide({
      ...input("gemma-2-9b-it"),
      fallbacks: { kind: "cascade" },
    });
    expect(d).toMatchObject({ modelId: "gemma-2-9b-it", reason: "explicit", confidence: null });
    expect(d.fallbacks[0]).toBe(cascadeAfter(roster, "gemma-2-9b-it")[0]);
  });

  it("auto rotates over the production roster", async () => {
    const policy = createRoundRobinPolicy(roster);
    const picks = [];
    for (let i = 0; i < 6; i++) picks.push((await policy.decide(input("auto"))).modelId);
    expect(picks).toEqual([...roster.map((m) => m.id), roster[0]?.id]);
  });

  it("a failing or confused auto policy degrades to round-robin and says so", async () => {
    const throwing: RoutingPolicy = { name: "classifier", decide: () => Promise.reject(new Error("boom")) };
    expect((await createRoutingPolicy({ roster, auto: throwing }).decide(input("auto"))).reason).toBe(
      "default:classifier-failed",
    );
    const unknown: RoutingPolicy = {
      name: "classifier",
      decide: async () => ({ modelId: "gpt-9", reason: "x", confidence: 0.9, fallbacks: [] }),
    };
    const d = await createRoutingPolicy({ roster, auto: unknown }).decide(input("auto"));
    expect(d.reason).toBe("default:classifier-chose-unknown-model");
    expect(roster.map((m) => m.id)).toContain(d.modelId);
  });
});

describe("explicit model semantics and capabilities", () => {
  const custom = loadEdgeConfig({
    SWITCHYARD_MODELS: JSON.stringify({
      small: { backends: "http://a", tier: 1, capabilities: ["chat"] },
      mid: { backends: "http://b", tier: 2, capabilities: ["chat", "tools"] },
      big: { backends: "http://c", tier: 3, capabilities: ["chat", "tools", "json_schema"] },
    }),
  }).roster;
  const routing = createRoutingPolicy({ roster: custom });

  it("an explicit model has no fallbacks unless the client opts in", async () => {
    expect((await routing.decide(input("small"))).fallbacks).toEqual([]);
    expect((await routing.decide({ ...input("small"), fallbacks: { kind: "cascade" } })).fallbacks).toEqual([
      "mid",
      "big",
    ]);
    const listed = await routing.decide({
      ...input("big"),
      fallbacks: { kind: "list", models: ["small", "big", "mid"] },
    });
    expect(listed).toMatchObject({ modelId: "big", reason: "explicit", fallbacks: ["small", "mid"] });
  });

  it("fallbacks and auto picks skip models lacking a needed capability", async () => {
    const opted = await routing.decide({ ...input("mid"), fallbacks: { kind: "cascade" }, needs: ["tools"] });
    expect(opted.fallbacks).toEqual(["big"]);
    const auto: RoutingPolicy = {
      name: "classifier",
      decide: async () => ({
        modelId: "small",
        reason: "classifier:q=0.90",
        confidence: 0.9,
        fallbacks: ["mid", "big"],
      }),
    };
    const d = await createRoutingPolicy({ roster: custom, auto }).decide({
      ...input("auto"),
      needs: ["json_schema"],
    });
    expect(d).toMatchObject({ modelId: "big", fallbacks: [], reason: "classifier:q=0.90:needs=json_schema" });
    const plain = await createRoutingPolicy({ roster: custom, auto }).decide(input("auto"));
    expect(plain.modelId).toBe("small");
    const embedder = loadEdgeConfig({
      SWITCHYARD_MODELS: JSON.stringify({
        vectors: { backends: "http://e", tier: 1, capabilities: ["embeddings"] },
        talker: { backends: "http://t", tier: 2 },
      }),
    }).roster;
    const picksEmbedder: RoutingPolicy = {
      name: "classifier",
      decide: async () => ({
        modelId: "vectors",
        reason: "classifier:p=0.90",
        confidence: 0.9,
        fallbacks: ["talker"],
      }),
    };
    const text = await createRoutingPolicy({ roster: embedder, auto: picksEmbedder }).decide(input("auto"));
    expect(text).toMatchObject({ modelId: "talker", reason: "classifier:p=0.90:needs=chat" });
  });
});
