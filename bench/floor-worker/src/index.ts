/**
 * The benchmark's platform-floor worker: no auth, no parsing, no routing.
 *
 * @example
 * // wrangler dev -c bench/floor-worker/wrangler.toml --var FLOOR_UPSTREAM:http://127.0.0.1:8082
 * // POST /fixed/v1/chat/completions  -> a fixed 16-token reply (SSE when "stream": true)
 * // POST /proxy/v1/chat/completions  -> the upstream's reply, streamed through
 */
interface FloorEnv {
  /** Backend base URL (without /v1) for the pass-through route. */
  FLOOR_UPSTREAM?: string;
}

const FIXED_TOKENS = 16;
const encoder = new TextEncoder();

function fixedReply(stream: boolean, model: string, maxTokens: number): Response {
  const n = Math.max(1, Math.min(FIXED_TOKENS, maxTokens));
  const created = Math.floor(Date.now() / 1000);
  if (!stream) {
    return Response.json({
      id: "floor",
      object: "chat.completion",
      created,
      model,
      choices: [
        { index: 0, message: { role: "assistant", content: " tok".repeat(n) }, finish_reason: "length" },
      ],
      usage: { prompt_tokens: 1, completion_tokens: n, total_tokens: n + 1 },
    });
  }
  let body = "";
  for (let i = 0; i < n; i++) {
    const chunk = {
      id: "floor",
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta: { content: " tok" }, finish_reason: null }],
    };
    body += `data: ${JSON.stringify(chunk)}\n\n`;
  }
  const last = {
    id: "floor",
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta: {}, finish_reason: "length" }],
    usage: { prompt_tokens: 1, completion_tokens: n, total_tokens: n + 1 },
  };
  body += `data: ${JSON.stringify(last)}\n\ndata: [DONE]\n\n`;
  return new Response(encoder.encode(body), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname.startsWith("/proxy/")) {
      if (!env.FLOOR_UPSTREAM)
        return Response.json(
          { error: { message: "FLOOR_UPSTREAM not set", type: "server_error", code: "no_upstream" } },
          { status: 503 },
        );
      const upstream =
        env.FLOOR_UPSTREAM.replace(/\/$/, "") + url.pathname.slice("/proxy".length) + url.search;
      return fetch(upstream, { method: request.method, headers: request.headers, body: request.body });
    }
    if (url.pathname === "/fixed/v1/chat/completions" && request.method === "POST") {
      let parsed: { stream?: boolean; model?: string; max_tokens?: number };
      try {
        parsed = (await request.json()) as typeof parsed;
      } catch {
        return Response.json(
          { error: { message: "invalid JSON body", type: "invalid_request_error", code: "invalid_json" } },
          { status: 400 },
        );
      }
      return fixedReply(parsed.stream === true, parsed.model ?? "floor", parsed.max_tokens ?? FIXED_TOKENS);
    }
    return Response.json(
      { error: { message: "not found", type: "invalid_request_error", code: "not_found" } },
      { status: 404 },
    );
  },
};
