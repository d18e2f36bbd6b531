import type { GatewayErrorBody } from "./types";

/** What went wrong, in the terms the UI shows. */
export type FailureKind =
  | "rate_limited"
  | "unavailable"
  | "unauthorized"
  | "forbidden"
  | "bad_request"
  | "offline"
  | "stream_error"
  | "server_error";

/** A failed gateway call, classified for display. */
export class GatewayError extends Error {
  readonly kind: FailureKind;
  readonly status?: number;
  readonly code?: string | number | null;
  /** Seconds until a retry makes sense (from `Retry-After`). */
  readonly retryAfterSeconds?: number;
  readonly requestId?: string;

  constructor(
    kind: FailureKind,
    message: string,
    details: {
      status?: number;
      code?: string | number | null;
      retryAfterSeconds?: number;
      requestId?: string;
    } = {},
  ) {
    super(message);
    this.name = "GatewayError";
    this.kind = kind;
    this.status = details.status;
    this.code = details.code;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.requestId = details.requestId;
  }
}

/** `Retry-After` is either delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

export function kindForStatus(status: number): FailureKind {
  if (status === 429) return "rate_limited";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 503 || status === 502 || status === 504) return "unavailable";
  if (status >= 400 && status < 500) return "bad_request";
  return "server_error";
}

/** Builds a GatewayError from a non-2xx response, reading the OpenAI-style error body if any. */
export async function errorFromResponse(response: Response): Promise<GatewayError> {
  let body: GatewayErrorBody | undefined;
  try {
    const json = (await response.json()) as { error?: GatewayErrorBody };
    if (json && typeof json.error?.message === "string") body = json.error;
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status alone says enough.
  }
  const retryAfterSeconds =
    parseRetryAfter(response.headers.get("retry-after")) ??
    parseRetryAfter(response.headers.get("ratelimit-reset"));
  return new GatewayError(
    kindForStatus(response.status),
    body?.message ?? `${response.status} ${response.statusText}`.trim(),
    {
      status: response.status,
      code: body?.code,
      retryAfterSeconds,
      requestId: response.headers.get("x-request-id") ?? undefined,
    },
  );
}

/** A failure that arrived inside the stream, after the reply had started. */
export function streamError(body: GatewayErrorBody): GatewayError {
  return new GatewayError("stream_error", body.message, { code: body.code });
}
