import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "../../api/errors.js";

export interface ApiKeyOptions {
  /** The key clients must send as `Authorization: Bearer <key>`; undefined disables the check. */
  apiKey: string | undefined;
  /** Paths served without a key (liveness probes). */
  publicPaths?: readonly string[];
}

/**
 * Requires a Bearer API key on every route but `publicPaths`. Hono's bearerAuth does the
 * constant-time comparison (hash, then timing-safe equal); failures become OpenAI-style 401s.
 *
 * @example app.use(apiKeyAuth({ apiKey: process.env.SWITCHYARD_BACKEND_API_KEY, publicPaths: ["/health"] }));
 */
export function apiKeyAuth(options: ApiKeyOptions): MiddlewareHandler {
  const { apiKey, publicPaths = [] } = options;
  if (!apiKey) return async (_c, next) => next();
  const check = bearerAuth({ token: apiKey });
  return async (c, next) => {
    if (publicPaths.includes(c.req.path)) return next();
    try {
      // Errors thrown further down are handled by Hono's onError before they reach this frame,
      // so anything caught here comes from bearerAuth itself.
      return await check(c, next);
    } catch (error) {
      if (error instanceof HTTPException && !(error instanceof ApiError)) {
        const message = c.req.header("authorization")
          ? "invalid API key"
          : "missing API key: send Authorization: Bearer <key>";
        throw new ApiError("unauthorized", message, {
          headers: { "WWW-Authenticate": 'Bearer realm="switchyard-backend"' },
        });
      }
      throw error;
    }
  };
}
