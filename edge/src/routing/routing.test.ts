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

  it("explicit model ids are honoured with the cascade as fallbacks", async () => {
    const d = await createRoutingPolicy({ roster }).decide(input("gemma-2-9b-it"));
    expect(d).toMatchObject({ modelId: "gemma-2-9b-it", reason: "explicit", confidence: null });
    expect(d.fallbacks[0]).toBe("llama-3.1-nemotron-51b-instruct");
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
