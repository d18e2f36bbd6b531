import type { MiddlewareHandler } from "hono";
import { type EdgeHonoEnv, SWITCHYARD_HEADERS } from "../../http/context";

declare module "hono" {
  interface ContextVariableMap {
    /** Set by the request-id middleware: this request's id (also the `x-request-id` header). */
    requestId: string;
  }
}

export interface RequestIdOptions {
  /** Generates an id when the client sent none (or an unusable one). Default: crypto.randomUUID. */
  generate?: () => string;
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the client's `x-request-id` when it is a safe token) and echoes it
 * on the response. Also makes sure every response carries the x-switchyard-* headers, with
 * neutral values where no model was involved (health, errors before routing).
 *
 * @example app.use(requestId());
 */
export function requestId(opts: RequestIdOptions = {}): MiddlewareHandler<EdgeHonoEnv> {
  const generate = opts.generate ?? (() => crypto.randomUUID());
  return async (c, next) => {
    const incoming = c.req.header(SWITCHYARD_HEADERS.requestId);
    const id = incoming && SAFE_ID.test(incoming) ? incoming : generate();
    c.set("requestId", id);
    await next();
    const headers = c.res.headers;
    headers.set(SWITCHYARD_HEADERS.requestId, id);
    if (!headers.has(SWITCHYARD_HEADERS.model)) headers.set(SWITCHYARD_HEADERS.model, "none");
    if (!headers.has(SWITCHYARD_HEADERS.routeReason)) headers.set(SWITCHYARD_HEADERS.routeReason, "none");
    if (!headers.has(SWITCHYARD_HEADERS.routeConfidence))
      headers.set(SWITCHYARD_HEADERS.routeConfidence, "none");
    if (!headers.has(SWITCHYARD_HEADERS.cache))
      headers.set(SWITCHYARD_HEADERS.cache, c.get("cacheStatus") ?? "BYPASS");
  };
}
