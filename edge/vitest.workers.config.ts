import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * The edge Worker inside workerd (miniflare): the real entry point (src/index.ts) serves
 * SELF.fetch. Its outgoing requests to the model backends go to `outboundService`, a tiny fake
 * OpenAI-compatible backend running in this Node process that counts what it received
 * (GET http://fake-backend.test/__count).
 */
let received = 0;
const encoder = new TextEncoder();
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "fake", object: "chat.completion.chunk", created: 0, model: "codegemma-7b", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

function fakeBackend(request: Request): Response {
  const url = new URL(request.url);
  if (url.hostname !== "fake-backend.test") return new Response("no network in tests", { status: 502 });
  if (url.pathname === "/__count") return Response.json({ received });
  received += 1;
  const events = [
    chunk({ role: "assistant", content: "" }),
    chunk({ content: "Once" }),
    chunk({ content: " upon" }),
    chunk({}, "stop"),
    `data: ${JSON.stringify({ id: "fake", object: "chat.completion.chunk", created: 0, model: "codegemma-7b", choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`,
    "data: [DONE]\n\n",
  ];
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const e of events) controller.enqueue(encoder.encode(e));
      controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./src/index.ts",
      wrangler: { configPath: "../wrangler.toml" },
      miniflare: {
        bindings: {
          SWITCHYARD_BACKENDS: JSON.stringify({
            "codegemma-7b": "http://fake-backend.test",
            "qwen2.5-7b-instruct": "http://fake-backend.test",
          }),
          SWITCHYARD_API_KEYS: "sk-wd-auth,sk-wd-rate,sk-wd-cache,sk-wd-valid,sk-wd-stream",
          SWITCHYARD_JWT_SECRET: "workerd-test-secret-0123456789abcdef",
          SWITCHYARD_METRICS_TOKEN: "wd-metrics",
          SWITCHYARD_RATE_LIMIT_CAPACITY: "20",
          SWITCHYARD_RATE_LIMIT_REFILL_PER_SECOND: "0.001",
          SWITCHYARD_MAX_BODY_BYTES: "65536",
          SWITCHYARD_PROMPT_HASH_KEY: "wd-prompt-hash-key",
          SWITCHYARD_CORS_ORIGINS: "https://app.test",
        },
        outboundService: fakeBackend,
      },
    }),
  ],
  test: {
    name: "edge-workerd",
    root: import.meta.dirname,
    include: ["test/workerd/**/*.test.ts"],
    testTimeout: 20_000,
  },
});
