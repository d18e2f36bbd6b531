import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, readJson, SMOLLM2, smolPresent, startTestServer, type TestServer } from "./helpers.js";

const cosine = (a: number[], b: number[]) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return dot / Math.sqrt(na * nb);
};

/** POST /v1/embeddings with node-llama-cpp's embedding context on a real model (SmolLM2-135M). */
describe.skipIf(!smolPresent)("POST /v1/embeddings (--embeddings, SmolLM2)", () => {
  let t: TestServer;
  let plain: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ model: SMOLLM2, id: "smol-embed", embeddings: true });
    plain = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
    await plain?.close();
  });

  it("returns one vector per input, float and base64 (the openai client's default) alike", async () => {
    const client = new OpenAI({ apiKey: "none", baseURL: `${t.url}/v1`, maxRetries: 0 });
    const res = await client.embeddings.create({
      model: "smol-embed",
      input: ["The cat sat on the mat.", "A cat was sitting on a rug.", "Quarterly tax filing deadlines"],
    });
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
    const [cat, rug, tax] = res.data.map((d) => d.embedding);
    expect(cat?.length).toBeGreaterThan(100);
    expect(new Set(res.data.map((d) => d.embedding.length)).size).toBe(1);
    // Related sentences are closer than unrelated ones: real embeddings, not noise.
    expect(cosine(cat ?? [], rug ?? [])).toBeGreaterThan(cosine(cat ?? [], tax ?? []));
    expect(res.usage.prompt_tokens).toBeGreaterThan(6);
    const float = await readJson(
      await postJson(`${t.url}/v1/embeddings`, {
        input: "The cat sat on the mat.",
        encoding_format: "float",
      }),
    );
    const vector = float.data[0].embedding as number[];
    expect(vector.length).toBe(cat?.length);
    expect(cosine(vector, cat ?? [])).toBeGreaterThan(0.9999);
  });

  it("refuses what it cannot do with a 400 naming the param, and answers 404 when not enabled", async () => {
    for (const [body, param] of [
      [{ input: [[1, 2, 3]] }, "input"],
      [{ input: "x", dimensions: 64 }, "dimensions"],
      [{ input: "x".repeat(20_000) }, "input"],
    ] as const) {
      const res = await postJson(`${t.url}/v1/embeddings`, body);
      expect(res.status).toBe(400);
      expect((await readJson(res)).error.param).toBe(param);
    }
    const off = await postJson(`${plain.url}/v1/embeddings`, { input: "x" });
    expect(off.status).toBe(404);
    expect((await readJson(off)).error.message).toContain("--embeddings");
  });
});
