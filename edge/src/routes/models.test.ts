import OpenAI, { NotFoundError } from "openai";
import { describe, expect, it } from "vitest";
import { createTestEdge, TEST_KEY } from "../../test/support/harness";

const edge = createTestEdge({
  SWITCHYARD_MODELS: JSON.stringify({
    "codegemma-7b": { backends: ["http://127.0.0.1:9", "http://127.0.0.1:10"] },
    "org/custom-embedder": {
      backends: "http://127.0.0.1:11",
      capabilities: ["embeddings"],
      price: { inputUsdPerMTok: 0.02, outputUsdPerMTok: 0 },
    },
  }),
});
/** The official client, talking to the in-process app. */
const client = new OpenAI({
  apiKey: TEST_KEY,
  baseURL: "http://edge.test/v1",
  maxRetries: 0,
  fetch: async (url, init) => edge.app.request(String(url), init as RequestInit),
});

describe("GET /v1/models and /v1/models/{model}", () => {
  it("lists the run-time roster plus auto, with capabilities and replica counts", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(["auto", "codegemma-7b", "org/custom-embedder"]);
  });

  it("retrieves one model (client.models.retrieve), ids with a slash included", async () => {
    const model = await client.models.retrieve("codegemma-7b");
    expect(model).toMatchObject({ id: "codegemma-7b", object: "model", owned_by: "switchyard", replicas: 2 });
    expect((model as unknown as { capabilities: string[] }).capabilities).toContain("chat");
    const slashed = await edge.app.request("/v1/models/org/custom-embedder", {
      headers: { authorization: `Bearer ${TEST_KEY}` },
    });
    expect(slashed.status).toBe(200);
    expect(await slashed.json()).toMatchObject({
      id: "org/custom-embedder",
      capabilities: ["embeddings"],
      pricing: { input_usd_per_mtok: 0.02, output_usd_per_mtok: 0 },
    });
    const auto = await client.models.retrieve("auto");
    expect((auto as unknown as { capabilities: string[] }).capabilities).toEqual(
      expect.arrayContaining(["chat", "embeddings"]),
    );
  });

  it("answers an unknown id with a 404 in OpenAI's error shape, and needs credentials", async () => {
    const error = await client.models.retrieve("gpt-9").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: "model_not_found", param: "model" });
    const anonymous = await edge.app.request("/v1/models/codegemma-7b");
    expect(anonymous.status).toBe(401);
  });
});
