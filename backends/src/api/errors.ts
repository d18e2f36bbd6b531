import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ERROR_KINDS, type ErrorKind, errorBody } from "../../../vocabulary/errors.js";
import { type AppEnv, observationOf } from "../app-env.js";

export { ERROR_KINDS, type ErrorKind, errorBody } from "../../../vocabulary/errors.js";

/**
 * An HTTPException whose response is an OpenAI-style JSON error.
 *
 * @example throw new ApiError("queue_full", "server busy, retry later", { headers: { "Retry-After": "1" } });
 */
export class ApiError extends HTTPException {
  readonly kind: ErrorKind;
  readonly param: string | null;

  constructor(
    kind: ErrorKind,
    message: string,
    options: { param?: string | null; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    const status = ERROR_KINDS[kind].status as ContentfulStatusCode;
    const res = new Response(JSON.stringify(errorBody(kind, message, options.param ?? null)), {
      status,
      headers: { "content-type": "application/json; charset=UTF-8", ...options.headers },
    });
    super(status, { message, res, cause: options.cause });
    this.kind = kind;
    this.param = options.param ?? null;
  }
}

/** Maps any thrown value to an ApiError (unknown errors become a 500 without leaking details). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const kind: ErrorKind =
      error.status === 413
        ? "request_too_large"
        : error.status === 401
          ? "unauthorized"
          : error.status === 404
            ? "not_found"
            : error.status < 500
              ? "invalid_request"
              : "internal_error";
    return new ApiError(kind, error.message || ERROR_KINDS[kind].type, { cause: error });
  }
  return new ApiError("internal_error", "internal server error", { cause: error });
}

/** Hono `onError` handler: every error leaves as OpenAI-style JSON. */
export function onApiError(error: Error, c: Context<AppEnv>): Response {
  const apiError = toApiError(error);
  observationOf(c).errorKind = apiError.kind;
  return apiError.getResponse();
}
