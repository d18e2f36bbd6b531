import type { Context } from "hono";
import { replyFormats, toolCallsAsDeltas } from "../completion/format";
import type { CompletionDeps } from "../completion/pipeline";
import { replyMeta, switchyardHeaders } from "../completion/reply-meta";
import {
  type CompletionRequest,
  cacheMaterial,
  type Endpoint,
  FALLBACK_HEADER,
  loggedRequest,
} from "../completion/request";
import type { EdgeHonoEnv } from "../http/context";
import type { CachedCompletion } from "../middleware/cache/entry";
import { cacheable, cacheKeyFor } from "../middleware/cache/key";
import { sseData } from "../proxy/sse";
import { AUTO_MODEL } from "../routing";
import { readCompletionRequest } from "./bodies";

type C = Context<EdgeHonoEnv>;

/** Parses the body with the route's own schema; null when invalid (validation answers it later). */
async function readRequest(c: C, endpoint: Endpoint): Promise<CompletionRequest | null> {
  const body: unknown = await c.req.json().catch(() => null);
  return readCompletionRequest(endpoint, body, c.req.header(FALLBACK_HEADER));
}

/**
 * The completion-specific parts of the cache middleware: the key of a request, and how a hit
 * is rendered (JSON, or replayed as a stream ending in [DONE] when the request streams) and
 * recorded in the request log.
 *
 * @example cache({ store, ttlSeconds, ...completionCacheHooks("chat.completions", deps) })
 */
export function completionCacheHooks(
  endpoint: Endpoint,
  deps: Pick<CompletionDeps, "config" | "requestLog">,
) {
  const inRoster = (id: string) => deps.config.roster.some((m) => m.id === id);
  const keyPolicy = { ...deps.config.cache, secret: deps.config.promptHashKey };
  return {
    keyOf: async (c: C) => {
      const req = await readRequest(c, endpoint);
      if (!req || (req.model !== AUTO_MODEL && !inRoster(req.model))) return null;
      if (!cacheable(deps.config.cache.mode, req)) return null;
      const tenant = c.get("principal")?.rateLimitKey ?? "anonymous";
      return cacheKeyFor(keyPolicy, tenant, cacheMaterial(req));
    },
    render: async (c: C, entry: CachedCompletion): Promise<Response> => {
      const started = Date.now();
      const req = await readRequest(c, endpoint);
      const format = replyFormats[endpoint];
      const route = { reason: entry.routeReason, confidence: entry.routeConfidence };
      const meta = replyMeta(c, { modelId: entry.model, route, attempts: 0, fallbackFrom: [], cache: "HIT" });
      const headers = switchyardHeaders(meta.switchyard);
      const reply = {
        content: entry.content,
        toolCalls: entry.toolCalls,
        finishReason: entry.finishReason,
        usage: entry.usage,
      };
      if (req) {
        deps.requestLog.record(c, loggedRequest(req), started, {
          status: 200,
          outcome: "ok",
          errorCode: null,
          modelId: entry.model,
          ttftMs: 0,
          promptTokens: entry.usage?.prompt_tokens ?? null,
          completionTokens: entry.usage?.completion_tokens ?? null,
          attempts: 0,
          fallbackFrom: [],
          continuedAfter: null,
          routeReason: route.reason,
          routeConfidence: route.confidence,
        });
      }
      if (!req?.stream) {
        return new Response(JSON.stringify(format.json(meta, reply)), {
          headers: { "content-type": "application/json; charset=utf-8", ...headers },
        });
      }
      const tools = entry.toolCalls.length
        ? format.toolCallChunk(meta, toolCallsAsDeltas(entry.toolCalls), entry.content === "")
        : null;
      const events = [
        ...(entry.content !== "" || tools === null ? [format.chunk(meta, entry.content, true)] : []),
        ...(tools === null ? [] : [tools]),
        ...format.final(meta, reply, req.includeUsage),
      ];
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const e of events) controller.enqueue(sseData(e));
          controller.enqueue(sseData("[DONE]"));
          controller.close();
        },
      });
      return new Response(body, {
        headers: {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache",
          ...headers,
        },
      });
    },
  };
}
