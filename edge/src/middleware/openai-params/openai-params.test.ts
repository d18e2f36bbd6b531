import { describe, expect, it } from "vitest";
import { chatBody, createTestEdge } from "../../../test/support/harness";

// No backend listens on this port: requests that pass screening end in 503, refused ones never get there.
const BACKENDS = JSON.stringify({ "qwen2.5-7b-instruct": "http://127.0.0.1:9" });

describe("openai-params middleware", () => {
  it("refuses a field it cannot honour with a 400 naming it, before any backend", async () => {
    const { post } = createTestEdge({ SWITCHYARD_BACKENDS: BACKENDS, SWITCHYARD_RETRIES: "0" });
    for (const [extra, param] of [
      [{ logprobs: true }, "logprobs"],
      [{ n: 3 }, "n"],
      [{ frobnicate: 1 }, "frobnicate"],
      [{ functions: [{ name: "f" }] }, "functions"],
      [{ stream_options: { include_usage: true, nope: 1 } }, "stream_options"],
    ] as const) {
      const res = await post("/v1/chat/completions", chatBody("qwen2.5-7b-instruct", extra));
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({
        type: "invalid_request_error",
        code: "unsupported_parameter",
        param,
      });
      expect(res.headers.get("x-switchyard-dropped-params")).toBeNull();
    }
  });

  it("accepts ignored fields and honoured ones (they reach routing: 503 without a backend)", async () => {
    const { post } = createTestEdge({ SWITCHYARD_BACKENDS: BACKENDS, SWITCHYARD_RETRIES: "0" });
    const res = await post(
      "/v1/chat/completions",
      chatBody("qwen2.5-7b-instruct", {
        user: "u",
        metadata: { a: "b" },
        store: false,
        top_k: 5,
        min_p: 0.05,
        logit_bias: { "42": -100 },
        tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
        tool_choice: "auto",
        response_format: { type: "json_object" },
      }),
    );
    expect(res.status).toBe(503);
  });

  it("with SWITCHYARD_DROP_UNSUPPORTED_PARAMS=true drops them and says which", async () => {
    const { post } = createTestEdge({
      SWITCHYARD_BACKENDS: BACKENDS,
      SWITCHYARD_RETRIES: "0",
      SWITCHYARD_DROP_UNSUPPORTED_PARAMS: "true",
    });
    const res = await post(
      "/v1/chat/completions",
      chatBody("qwen2.5-7b-instruct", { logprobs: true, frobnicate: 1 }),
    );
    expect(res.status).toBe(503);
    expect(res.headers.get("x-switchyard-dropped-params")).toBe("logprobs, frobnicate");
  });
});
