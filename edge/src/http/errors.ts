import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

import {
  ERROR_KINDS,
  type ErrorBody,
  type ErrorKind,
  type ErrorType,
  type StatusOf,
} from "../../../vocabulary/errors";

export type { ErrorKind } from "../../../vocabulary/errors";
export type ApiErrorType = ErrorType;
export type ApiErrorBody = ErrorBody;

export interface ApiErrorOptions {
  param?: string | null;
  headers?: Record<string, string>;
}

/**
 * An HTTPException that renders as an OpenAI-style error body. The code is one of the shared
 * error kinds (vocabulary/errors.ts) and the status must be that kind's, which the compiler checks.
 *
 * @example
 * throw new ApiError(404, "model_not_found", `The model "${id}" does not exist`);
 */
export class ApiError<K extends ErrorKind = ErrorKind> extends HTTPException {
  readonly code: K;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(status: StatusOf<K>, code: K, message: string, opts: ApiErrorOptions = {}) {
    super(status as ContentfulStatusCode, { message });
    this.code = code;
    this.type = ERROR_KINDS[code].type;
    this.param = opts.param ?? null;
    this.headers = opts.headers ?? {};
  }

  /** An error of `kind` with the status the table gives it. */
  static of<K extends ErrorKind>(kind: K, message: string, opts: ApiErrorOptions = {}): ApiError<K> {
    return new ApiError(ERROR_KINDS[kind].status as StatusOf<K>, kind, message, opts);
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

/** The error kind for a bare HTTPException (Hono's own middleware throw these). */
function kindOfStatus(status: number, message: string): ErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 404) return "not_found";
  if (status === 405) return "method_not_allowed";
  if (status === 413) return "request_too_large";
  if (status === 415) return "unsupported_media_type";
  if (status === 431) return "headers_too_large";
  if (status >= 500) return "internal_error";
  return /json/i.test(message) ? "invalid_json" : "invalid_request";
}

/**
 * The app's `onError`: every failure leaves as a structured JSON error. Unknown errors become a
 * 500 here, but the request path converts its expected failures into ApiErrors before that.
 */
export function renderError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return err.getResponse();
  if (err instanceof HTTPException) {
    return ApiError.of(kindOfStatus(err.status, err.message), err.message || "Request failed", {
      headers: Object.fromEntries(err.res?.headers ?? []),
    }).getResponse();
  }
  console.error(
    JSON.stringify({ msg: "unhandled error", requestId: c.get("requestId"), error: String(err) }),
  );
  return new ApiError(500, "internal_error", "Internal error").getResponse();
}
