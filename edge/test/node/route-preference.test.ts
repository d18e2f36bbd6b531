import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoutingInput, RoutingPolicy } from "../../src/routing";
import { type FakeBackend, startFakeBackend } from "../support/fake-backend";
import { chatBody, createTestEdge } from "../support/harness";

/** An auto policy that records what the pipeline told it (the learned router's own tests cover the rule). */
function recordingPolicy(modelId: string): RoutingPolicy & { inputs: RoutingInput[] } {
  const inputs: RoutingInput[] = [];
  return {
    name: "classifier",
    inputs,
    async decide(input) {
      inputs.push(input);
      const own = input.maxQualityLoss;
      return {
        modelId,
        reason: `classifier:q=0.50${own === undefined ? "" : ",budget"}`,
        confidence: 0.5,
        fallbacks: [],
      };
    },
  };
}

describe("x-switchyard-max-quality-loss: a request's own quality/cost trade-off for auto", () => {
  let backend: FakeBackend;
  beforeAll(async () => {
    backend = await startFakeBackend();
  });
  afterAll(() => backend.close());

  const setup = () => {
    const policy = recordingPolicy("codegemma-7b");
    const edge = createTestEdge(
      {
        SWITCHYARD_BACKENDS: JSON.stringify({ "codegemma-7b": backend.url }),
        SWITCHYARD_CACHE_TTL_SECONDS: "0",
      },
      { autoPolicy: policy },
    );
    return { policy, edge };
  };

  it("reaches the routing policy as a number, and is absent when not sent", async () => {
    const { policy, edge } = setup();
    const res = await edge.post("/v1/chat/completions", chatBody("auto"), {
      headers: { "x-switchyard-max-quality-loss": "0.02" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-route-reason")).toBe("classifier:q=0.50,budget");
    expect(policy.inputs.at(-1)?.maxQualityLoss).toBe(0.02);
    expect((await edge.post("/v1/chat/completions", chatBody("auto"))).status).toBe(200);
    expect(policy.inputs.at(-1)?.maxQualityLoss).toBeUndefined();
  });

  it("is refused with a 400 naming the header when it is not a number in [0, 1]", async () => {
    const { policy, edge } = setup();
    for (const bad of ["lots", "-0.1", "2"]) {
      const res = await edge.post("/v1/chat/completions", chatBody("auto"), {
        headers: { "x-switchyard-max-quality-loss": bad },
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; param: string } };
      expect(body.error).toMatchObject({ code: "invalid_header", param: "x-switchyard-max-quality-loss" });
    }
    expect(policy.inputs).toHaveLength(0);
  });
});
