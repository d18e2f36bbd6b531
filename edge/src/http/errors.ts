import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** OpenAI's error `type` values, plus the ones a gateway needs. */
export type ApiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "service_unavailable_error"
  | "upstream_error"
  | "server_error";

export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; code: string; param: string | null };
}

export interface ApiErrorOptions {
  type?: ApiErrorType;
  param?: string | null;
  headers?: Record<string, string>;
}

const defaultType = (status: number): ApiErrorType =>
  status === 401
    ? "authentication_error"
    : status === 403
      ? "permission_error"
      : status === 404
        ? "not_found_error"
        : status === 429
          ? "rate_limit_error"
          : status === 503
            ? "service_unavailable_error"
            : status >= 500
              ? "server_error"
              : "invalid_request_error";

/**
 * An HTTPException that renders as an OpenAI-style error body.
 *
 * @example
 * throw new ApiError(404, "model_not_found", `The model "${id}" does not exist`);
 */
export class ApiError extends HTTPException {
  readonly code: string;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, code: string, message: string, opts: ApiErrorOptions = {}) {
    super(status, { message });
    this.code = code;
    this.type = opts.type ?? defaultType(status);
    this.param = opts.param ?? null;
    this.headers = opts.headers ?? {};
  }

  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }

  override getResponse(): Response {
    return new Response(JSON.stringify(this.body()), {
      status: this.status,
      headers: { "content-type": "application/json; charset=utf-8", ...this.headers },
    });
  }
}

/**
 * The app's `onError`: every failure leaves as a structured JSON error. Unknown errors become a
 * 500 here, but the request path converts its expected failures into ApiErrors before that.
 */
export function renderError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return err.getResponse();
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    return new ApiError(
      status,
      status === 413
        ? "request_too_large"
        : status === 415
          ? "unsupported_media_type"
          : /json/i.test(err.message)
            ? "invalid_json"
            : "invalid_request",
      err.message || "Request failed",
      {
        headers: Object.fromEntries(err.res?.headers ?? []),
      },
    ).getResponse();
  }
  console.error(
    JSON.stringify({ msg: "unhandled error", requestId: c.get("requestId"), error: String(err) }),
  );
  return new ApiError(500, "internal_error", "Internal error").getResponse();
}
