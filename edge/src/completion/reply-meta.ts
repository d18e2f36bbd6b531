import type { Context } from "hono";
import { type CacheStatus, type EdgeHonoEnv, SWITCHYARD_HEADERS } from "../http/context";
import type { ReplyMeta, SwitchyardInfo } from "./format";

/** Why the reply's model was chosen (from the routing decision, or the cached entry). */
export interface RouteFacts {
  reason: string;
  confidence: number | null;
}

/**
 * The identity of one reply (id, created, model) and its `switchyard` object: the one place both
 * live and cached replies get them from. The id is derived from the request id, so one answer
 * keeps one id even when another model continues it.
 *
 * @example const meta = replyMeta(c, { modelId, route, attempts: 1, fallbackFrom: [] });
 */
export function replyMeta(
  c: Context<EdgeHonoEnv>,
  r: {
    modelId: string | null;
    route: RouteFacts;
    attempts: number;
    fallbackFrom: string[];
    cache?: CacheStatus;
  },
): ReplyMeta {
  const requestId = c.get("requestId");
  return {
    id: `chatcmpl-${requestId.replace(/[^A-Za-z0-9]/g, "").slice(0, 32)}`,
    created: Math.floor(Date.now() / 1000),
    model: r.modelId ?? "none",
    switchyard: {
      model: r.modelId,
      route_reason: r.route.reason,
      route_confidence: r.route.confidence,
      cache: r.cache ?? c.get("cacheStatus") ?? "BYPASS",
      request_id: requestId,
      attempts: r.attempts,
      fallback_from: r.fallbackFrom,
      continued_after: null,
    },
  };
}

/** The x-switchyard-* headers that say which model answered and why (mirrors `switchyard`). */
export function switchyardHeaders(info: SwitchyardInfo): Record<string, string> {
  return {
    [SWITCHYARD_HEADERS.model]: info.model ?? "none",
    [SWITCHYARD_HEADERS.routeReason]: info.route_reason,
    [SWITCHYARD_HEADERS.routeConfidence]:
      info.route_confidence === null ? "none" : String(info.route_confidence),
    [SWITCHYARD_HEADERS.cache]: info.cache,
  };
}
