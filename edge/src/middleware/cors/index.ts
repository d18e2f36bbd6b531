import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { SWITCHYARD_HEADERS } from "../../http/context";

export interface CorsOptions {
  /** Allowed browser origins (`https://app.example`), or "*" for any; an empty list turns CORS off. */
  origins: readonly string[] | "*";
  /** How long a browser may cache a preflight answer, in seconds. */
  maxAgeSeconds?: number;
}

/** Headers a browser client may read: which model answered and why, rate-limit state, request id. */
export const EXPOSED_HEADERS = [
  ...Object.values(SWITCHYARD_HEADERS),
  "x-switchyard-fallback-from",
  "x-switchyard-dropped-params",
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
  "retry-after",
];

/**
 * Cross-origin access for browser clients, mounted before auth so that a preflight (which never
 * carries credentials) is answered 204 instead of 401. Credentials are bearer tokens, not
 * cookies, so `Access-Control-Allow-Credentials` is never sent; requested headers are reflected
 * (the openai SDK sends its own `x-stainless-*` headers).
 *
 * @example app.use("*", corsPolicy({ origins: ["https://chat.example"] }));
 */
export function corsPolicy(opts: CorsOptions): MiddlewareHandler {
  if (opts.origins !== "*" && opts.origins.length === 0) return (_c, next) => next();
  const allowed = opts.origins === "*" ? "*" : [...opts.origins];
  return cors({
    origin: allowed,
    allowMethods: ["GET", "HEAD", "POST", "OPTIONS"],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: opts.maxAgeSeconds ?? 600,
  });
}
