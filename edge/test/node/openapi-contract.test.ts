/**
 * The OpenAPI document promises only what the edge accepts, and names the responses it sends.
 * Cheap checks on the generated document and the app in-process (no backend is reached: every
 * request here is refused before routing). The live, property-based run is test/fuzz.
 */
import { describe, expect, it } from "vitest";
import { backendOptionsSchema } from "../../../backends/src/config";
import { renderOpenApi } from "../../scripts/openapi";
import { createApp } from "../../src/app";
import { loadEdgeConfig } from "../../src/config";
import { createJsonLinesSink } from "../../src/log/json-lines-sink";
import { MAX_COMPLETION_TOKENS } from "../../src/routes/schemas";
import { createMemoryCacheStore } from "../../src/state/memory-cache-store";
import { createMemoryTokenBucketStore } from "../../src/state/memory-token-bucket-store";

type Json = Record<string, unknown>;
interface Operation {
  requestBody?: unknown;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

const doc = JSON.parse(await renderOpenApi()) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
};
const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
);
const schemaAt = (value: unknown, ...keys: string[]): Json =>
  keys.reduce<Json>((node, key) => node[key] as Json, value as Json);

const KEY = "sk-contract";
const app = createApp(loadEdgeConfig({ SWITCHYARD_API_KEYS: KEY, SWITCHYARD_RATE_LIMIT_CAPACITY: "1000" }), {
  tokenBuckets: createMemoryTokenBucketStore(),
  cache: createMemoryCacheStore(),
  logSink: createJsonLinesSink({ writeBatch: () => {} }),
});
const post = (path: string, body: unknown, contentType = "application/json") =>
  app.request(path, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const user = [{ role: "user", content: "Once upon a time" }];

describe("OpenAPI document: responses", () => {
  it("every operation with a body documents 400, 413, 415, 502 and 503", () => {
    const withBody = operations.filter((o) => o.op.requestBody);
    expect(withBody.length).toBeGreaterThanOrEqual(2);
    for (const { name, op } of withBody)
      for (const status of ["400", "413", "415", "502", "503"])
        expect(Object.keys(op.responses), `${name} ${status}`).toContain(status);
  });

  it("every authenticated operation documents 401, 403, 429 and 431", () => {
    const secured = operations.filter((o) => o.op.security?.length && !o.name.endsWith("/metrics"));
    expect(secured.length).toBeGreaterThanOrEqual(3);
    for (const { name, op } of secured)
      for (const status of ["401", "403", "429", "431"])
        expect(Object.keys(op.responses), `${name} ${status}`).toContain(status);
  });

  it("streams are text/event-stream, each event's data described as JSON (chunks also end in [DONE])", () => {
    const streaming = operations.filter((o) => o.op.responses["200"]?.content?.["text/event-stream"]);
    expect(streaming.length).toBeGreaterThanOrEqual(3);
    for (const { name, op } of streaming) {
      const event = schemaAt(op.responses["200"]?.content, "text/event-stream", "schema");
      const data = schemaAt(event, "properties", "data");
      expect(data.type, name).toBe("string");
      expect(JSON.stringify(data), name).toContain('"contentMediaType":"application/json"');
      if (data.anyOf) {
        expect(JSON.stringify(data.anyOf), name).toContain('"const":"[DONE]"');
        expect(JSON.stringify(data.anyOf), name).toContain("#/components/schemas/StreamError");
      }
    }
    for (const ref of ["ChatCompletionChunk", "GenerationChunk", "TextCompletionChunk", "StreamError"])
      expect(Object.keys(doc.components.schemas)).toContain(ref);
  });

  it("/metrics says it serves totals, not one isolate's numbers", () => {
    expect(JSON.stringify(doc.paths["/metrics"])).toContain("totals across isolates");
  });
});

describe("OpenAPI document: requests promise only what the edge accepts", () => {
  const chat = doc.components.schemas.ChatCompletionRequest as Json;
  const message = doc.components.schemas.ChatMessage as Json;

  it("max_tokens is bounded by the backends' default cap", () => {
    const cap = backendOptionsSchema.parse({ model: "x" }).maxTokensCap;
    expect(MAX_COMPLETION_TOKENS).toBe(cap);
    expect(JSON.stringify(schemaAt(chat, "properties", "max_tokens"))).toContain(`"maximum":${cap}`);
  });

  it("content is required and never null except on assistant messages; stop strings must have text", () => {
    const branches = (message.anyOf ?? [message]) as Json[];
    const nonAssistant = branches.filter((b) => !JSON.stringify(b.properties).includes('"assistant"'));
    expect(nonAssistant.length).toBeGreaterThan(0);
    for (const branch of nonAssistant) {
      expect(branch.required).toContain("content");
      expect(JSON.stringify(schemaAt(branch, "properties", "content"))).not.toContain("null");
    }
    expect(JSON.stringify(schemaAt(chat, "properties", "stop"))).toContain('"pattern"');
  });

  it.each([
    ["user content: null", { model: "auto", messages: [{ role: "user", content: null }] }, "messages.0"],
    ['stop: [""]', { model: "auto", messages: user, stop: [""] }, "stop.0"],
    ["stop: whitespace", { model: "auto", messages: user, stop: " \n" }, "stop"],
    [
      "max_tokens over the cap",
      { model: "auto", messages: user, max_tokens: MAX_COMPLETION_TOKENS + 1 },
      "max_tokens",
    ],
    ["only blank messages", { model: "auto", messages: [{ role: "user", content: "  " }] }, "messages"],
    ["seed beyond a safe integer", { model: "auto", messages: user, seed: 2 ** 60 }, "seed"],
  ])("refuses %s with a 400 naming the field", async (_, body, param) => {
    const res = await post("/v1/chat/completions", body);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { param: string | null; type: string } };
    expect(error.param).toBe(param);
    expect(error.type).toBe("invalid_request_error");
  });

  it("refuses a blank /generate prompt", async () => {
    const res = await post("/generate", { prompt: "   " });
    expect(res.status).toBe(400);
  });

  it("answers a non-JSON body with the documented 415", async () => {
    const res = await post("/v1/chat/completions", "hello", "text/plain");
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unsupported_media_type");
  });

  it("answers a method the document does not list with 405 and Allow", async () => {
    const res = await app.request("/v1/chat/completions", {
      method: "DELETE",
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect((await app.request("/health", { method: "PUT" })).headers.get("allow")).toBe("GET, HEAD");
    expect((await app.request("/no-such-path")).status).toBe(404);
  });
});
