import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeBackend, startFakeBackend } from "../../test/support/fake-backend";
import { chatBody, createTestEdge } from "../../test/support/harness";

let a: FakeBackend;
let b: FakeBackend;
let edge: ReturnType<typeof createTestEdge>;
const settle = () => new Promise((r) => setTimeout(r, 30));
type Reply = {
  model: string;
  error?: { code: string; param: string; message: string };
  switchyard: { model: string; fallback_from: string[] };
};

beforeAll(async () => {
  [a, b] = await Promise.all([startFakeBackend(), startFakeBackend()]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});
beforeEach(() => {
  a.reset();
  b.reset();
  a.behave({ kind: "status", status: 503 });
  edge = createTestEdge({
    SWITCHYARD_MODELS: JSON.stringify({
      "model-a": { backends: a.url, tier: 1 },
      "model-b": { backends: b.url, tier: 2 },
      "plain-c": { backends: b.url, capabilities: ["chat"] },
      "vectors-d": { backends: b.url, capabilities: ["embeddings"] },
    }),
    SWITCHYARD_RETRIES: "0",
  });
});

describe("a request for a specific model", () => {
  it("is served by that model or fails with a 503 naming it; no other model is asked", async () => {
    const res = await edge.post("/v1/chat/completions", chatBody("model-a", { temperature: 0 }));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).not.toBeNull();
    const { error } = (await res.json()) as Reply;
    expect(error).toMatchObject({ code: "model_unavailable", param: "model" });
    expect(error?.message).toContain('"model-a"');
    expect(b.received).toHaveLength(0);
  });

  it("falls back along the client's own `models` list, and reports the model that answered", async () => {
    const res = await edge.post("/v1/chat/completions", chatBody("model-a", { models: ["model-b"] }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe("model-b");
    const body = (await res.json()) as Reply;
    expect(body.model).toBe("model-b");
    expect(body.switchyard).toMatchObject({ model: "model-b", fallback_from: ["model-a"] });
  });

  it("falls back along the cascade with x-switchyard-fallback: true", async () => {
    const res = await edge.post("/v1/chat/completions", chatBody("model-a"), {
      headers: { "x-switchyard-fallback": "true" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-model")).toBe("model-b");
  });

  it("never gets a cached reply that a stand-in model gave to a request allowing fallbacks", async () => {
    const fallbackOk = chatBody("model-a", { temperature: 0, models: ["model-b"] });
    expect((await edge.post("/v1/chat/completions", fallbackOk)).status).toBe(200);
    await settle();
    const strict = await edge.post("/v1/chat/completions", chatBody("model-a", { temperature: 0 }));
    expect(strict.status).toBe(503);
    expect(strict.headers.get("x-switchyard-cache")).not.toBe("HIT");
  });

  it("refuses bad fallback lists and models that cannot do what the request needs", async () => {
    const unknown = await edge.post("/v1/chat/completions", chatBody("model-a", { models: ["gpt-9"] }));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as Reply).error).toMatchObject({
      code: "model_not_found",
      param: "models",
    });
    const withAuto = await edge.post("/v1/chat/completions", chatBody("auto", { models: ["model-b"] }));
    expect(withAuto.status).toBe(400);
    expect(((await withAuto.json()) as Reply).error?.param).toBe("models");
    const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];
    const noTools = await edge.post("/v1/chat/completions", chatBody("plain-c", { tools }));
    expect(noTools.status).toBe(400);
    expect(((await noTools.json()) as Reply).error).toMatchObject({
      code: "unsupported_parameter",
      param: "tools",
    });
    const embedder = await edge.post("/v1/chat/completions", chatBody("vectors-d"));
    expect(embedder.status).toBe(400);
    expect(((await embedder.json()) as Reply).error).toMatchObject({
      code: "unsupported_parameter",
      param: "model",
    });
    expect(a.received.length + b.received.length).toBe(0);
  });
});
