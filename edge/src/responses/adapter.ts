import type { MiddlewareHandler } from "hono";
import type { EdgeHonoEnv } from "../http/context";
import { SWITCHYARD_HEADERS } from "../http/context";
import type { ResponsesRequest } from "../routes/responses";
import { echoOf, idsFrom, responseFromChat, responsesEventStream } from "./reply";

/**
 * Serves the Responses API on top of the chat path: everything after it (cache, routing,
 * proxy, relay) produces chat.completion replies, and this turns them into Response objects or
 * the typed response.* event stream on the way out, whether they came from a backend or from
 * the cache. Errors (already in OpenAI's error shape) pass through unchanged.
 *
 * @example app.post("/v1/responses", responsesAdapter(), cache(...));
 */
export function responsesAdapter(): MiddlewareHandler<EdgeHonoEnv> {
  return async (c, next) => {
    await next();
    const res = c.res;
    if (res.status !== 200) return;
    const body = (await c.req.json().catch(() => ({}))) as Partial<ResponsesRequest>;
    const echo = echoOf(body);
    const headers = new Headers(res.headers);
    headers.delete("content-length");
    if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream") && res.body) {
      const model = res.headers.get(SWITCHYARD_HEADERS.model) ?? body.model ?? "none";
      const ids = idsFrom(
        `chatcmpl-${c
          .get("requestId")
          .replace(/[^A-Za-z0-9]/g, "")
          .slice(0, 32)}`,
        model,
        Math.floor(Date.now() / 1000),
      );
      c.res = new Response(responsesEventStream(res.body, ids, echo), { status: 200, headers });
      return;
    }
    const chat = (await res.json()) as Parameters<typeof responseFromChat>[0];
    c.res = new Response(JSON.stringify(responseFromChat(chat, echo)), { status: 200, headers });
  };
}
