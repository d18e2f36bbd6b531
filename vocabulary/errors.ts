/**
 * The one closed table of error kinds that the edge and the model servers answer with: the `code`
 * of an OpenAI-style error body, its HTTP status and `type`, and the `kind` label of the error
 * metrics. Closed, so label cardinality stays fixed and a log line from either side means the same.
 *
 * @example
 * const { status, type } = ERROR_KINDS.rate_limit_exceeded; // 429, "rate_limit_error"
 */
export const ERROR_KINDS = {
  invalid_json: { status: 400, type: "invalid_request_error" },
  invalid_request: { status: 400, type: "invalid_request_error" },
  invalid_header: { status: 400, type: "invalid_request_error" },
  unsupported_parameter: { status: 400, type: "invalid_request_error" },
  context_length_exceeded: { status: 400, type: "invalid_request_error" },
  missing_credentials: { status: 401, type: "authentication_error" },
  invalid_token: { status: 401, type: "authentication_error" },
  invalid_metrics_token: { status: 401, type: "authentication_error" },
  unauthorized: { status: 401, type: "authentication_error" },
  insufficient_scope: { status: 403, type: "permission_error" },
  model_not_found: { status: 404, type: "not_found_error" },
  not_found: { status: 404, type: "not_found_error" },
  method_not_allowed: { status: 405, type: "invalid_request_error" },
  request_too_large: { status: 413, type: "invalid_request_error" },
  unsupported_media_type: { status: 415, type: "invalid_request_error" },
  headers_too_large: { status: 431, type: "invalid_request_error" },
  rate_limit_exceeded: { status: 429, type: "rate_limit_error" },
  queue_full: { status: 429, type: "rate_limit_error" },
  client_closed_request: { status: 499, type: "client_error" },
  internal_error: { status: 500, type: "server_error" },
  generation_failed: { status: 500, type: "server_error" },
  upstream_error: { status: 502, type: "upstream_error" },
  network_error: { status: 502, type: "upstream_error" },
  truncated: { status: 502, type: "upstream_error" },
  idle_timeout: { status: 502, type: "upstream_error" },
  model_unavailable: { status: 503, type: "service_unavailable_error" },
  no_backend_available: { status: 503, type: "service_unavailable_error" },
  invalid_configuration: { status: 503, type: "service_unavailable_error" },
  model_loading: { status: 503, type: "service_unavailable_error" },
  shutting_down: { status: 503, type: "service_unavailable_error" },
  ttft_timeout: { status: 504, type: "timeout_error" },
  timeout: { status: 504, type: "timeout_error" },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorKind = keyof typeof ERROR_KINDS;
export type ErrorType = (typeof ERROR_KINDS)[ErrorKind]["type"];
/** The status that goes with a kind, so `new ApiError(404, "rate_limit_exceeded")` does not compile. */
export type StatusOf<K extends ErrorKind> = (typeof ERROR_KINDS)[K]["status"];

/** OpenAI-style error body, the same from the edge and from a model server. */
export interface ErrorBody {
  error: { message: string; type: ErrorType; code: ErrorKind; param: string | null };
}

export const isErrorKind = (code: unknown): code is ErrorKind =>
  typeof code === "string" && Object.hasOwn(ERROR_KINDS, code);

/**
 * A code received from elsewhere (an upstream body) as one of ours, or `fallback`.
 *
 * @example errorKindOr(body.error?.code, "upstream_error")
 */
export const errorKindOr = <F extends ErrorKind>(code: unknown, fallback: F): ErrorKind =>
  isErrorKind(code) ? code : fallback;

/** Builds the body for a kind. */
export function errorBody(kind: ErrorKind, message: string, param: string | null = null): ErrorBody {
  return { error: { message, type: ERROR_KINDS[kind].type, param, code: kind } };
}
