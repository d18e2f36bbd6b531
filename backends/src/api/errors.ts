import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type AppEnv, observationOf } from "../app-env.js";

/** OpenAI-style error body: `{"error": {"message", "type", "param", "code"}}`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/**
 * Bounded set of error kinds: the `code` in bodies and the `kind` label on the errors metric.
 * Keep it closed so metric label cardinality stays fixed.
 */
export const ERROR_KINDS = {
  invalid_json: { status: 400, type: "invalid_request_error" },
  invalid_request: { status: 400, type: "invalid_request_error" },
  unsupported_parameter: { status: 400, type: "invalid_request_error" },
  context_length_exceeded: { status: 400, type: "invalid_request_error" },
  unauthorized: { status: 401, type: "authentication_error" },
  model_not_found: { status: 404, type: "invalid_request_error" },
  not_found: { status: 404, type: "invalid_request_error" },
  method_not_allowed: { status: 405, type: "invalid_request_error" },
  payload_too_large: { status: 413, type: "invalid_request_error" },
  unsupported_media_type: { status: 415, type: "invalid_request_error" },
  queue_full: { status: 429, type: "rate_limit_error" },
  model_loading: { status: 503, type: "server_error" },
  shutting_down: { status: 503, type: "server_error" },
  timeout: { status: 504, type: "timeout_error" },
  client_disconnected: { status: 499, type: "client_error" },
  generation_failed: { status: 500, type: "server_error" },
  internal_error: { status: 500, type: "server_error" },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorKind = keyof typeof ERROR_KINDS;

/** Builds the JSON body for an error kind. */
export function errorBody(kind: ErrorKind, message: string, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type: ERROR_KINDS[kind].type, param, code: kind } };
}

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
        ? "payload_too_large"
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
