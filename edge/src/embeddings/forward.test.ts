import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPortUrl } from "../../test/support/fake-backend";
import { createTestEdge } from "../../test/support/harness";

/**
 * Fault injection for the embeddings proxy: a tiny embeddings server (the real one is exercised
 * in test/e2e/openai-endpoints.test.ts) that can be told to fail.
 */
let server: Server;
let url = "";
let status = 200;
const received: unknown[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString();
    });
    req.on("end", () => {
      received.push({
        path: req.url,
        authorization: req.headers.authorization,
        body: JSON.parse(text || "{}"),
      });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          status === 200
            ? {
                object: "list",
                data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }],
                model: "x",
                usage: { prompt_tokens: 3, total_tokens: 3 },
              }
            : {
                error: {
                  message: "input too long",
                  code: "context_length_exceeded",
                  param: "input",
                  type: "invalid_request_error",
                },
              },
        ),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("POST /v1/embeddings through the edge", () => {
  it("goes to a healthy replica when the other is down, and reports the model", async () => {
    status = 200;
    received.length = 0;
    const edge = createTestEdge({
      SWITCHYARD_MODELS: JSON.stringify({
        vec: { backends: [await closedPortUrl(), url], capabilities: ["embeddings"] },
      }),
      SWITCHYARD_BACKEND_API_KEY: "bk",
      SWITCHYARD_RETRIES: "0",
    });
    for (let i = 0; i < 2; i++) {
      const res = await edge.post("/v1/embeddings", { model: "vec", input: "hello" });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-switchyard-model")).toBe("vec");
      const body = (await res.json()) as {
        data: { embedding: number[] }[];
        model: string;
        switchyard: { model: string };
      };
      expect(body.data[0]?.embedding).toEqual([0.1, 0.2]);
      expect(body).toMatchObject({ model: "vec", switchyard: { model: "vec" } });
    }
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({
      path: "/v1/embeddings",
      authorization: "Bearer bk",
      body: { model: "vec", input: "hello", encoding_format: "float" },
    });
  });

  it("passes a backend's refusal through with its param; refuses bad requests before any backend", async () => {
    status = 400;
    received.length = 0;
    const edge = createTestEdge({
      SWITCHYARD_MODELS: JSON.stringify({
        vec: { backends: url, capabilities: ["embeddings"] },
        talker: { backends: url },
      }),
    });
    const refused = await edge.post("/v1/embeddings", { model: "vec", input: "x" });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string; param: string } }).error).toMatchObject({
      code: "context_length_exceeded",
      param: "input",
    });
    received.length = 0;
    for (const [body, statusCode, param] of [
      [{ model: "talker", input: "x" }, 400, "model"],
      [{ model: "auto", input: "x" }, 400, "model"],
      [{ model: "gpt-9", input: "x" }, 404, "model"],
      [{ model: "vec", input: "x", dimensions: 8 }, 400, "dimensions"],
      [{ model: "vec", input: [[1, 2]] }, 400, "input"],
    ] as const) {
      const res = await edge.post("/v1/embeddings", body);
      expect([res.status, ((await res.json()) as { error: { param: string } }).error.param]).toEqual([
        statusCode,
        param,
      ]);
    }
    expect(received).toHaveLength(0);
  });

  it("a model whose replicas are all down is a 503 naming it", async () => {
    const edge = createTestEdge({
      SWITCHYARD_MODELS: JSON.stringify({
        vec: { backends: await closedPortUrl(), capabilities: ["embeddings"] },
      }),
      SWITCHYARD_RETRIES: "1",
    });
    const res = await edge.post("/v1/embeddings", { model: "vec", input: "x" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).not.toBeNull();
    expect(((await res.json()) as { error: { code: string; param: string } }).error).toMatchObject({
      code: "model_unavailable",
      param: "model",
    });
  });
});
