import { LOG_FIELDS } from "../../../vocabulary/log-fields";

/** One row of the request log (Postgres `requests` table, or a JSON log line without a database). */
export interface RequestRecord {
  id: string;
  timestamp: string; // ISO 8601
  /** Authenticated subject: API key name or JWT `sub`; "anonymous" otherwise. Never the raw key. */
  user: string;
  endpoint: "chat.completions" | "generate" | "completions" | "responses" | "embeddings";
  requestedModel: string; // catalogue id or "auto"
  modelId: string | null; // model that answered (null when none did)
  status: number; // HTTP status sent to the client
  outcome: "ok" | "error" | "aborted" | "rate_limited" | "rejected";
  errorCode: string | null;
  cache: "HIT" | "MISS" | "BYPASS";
  stream: boolean;
  latencyMs: number;
  ttftMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  routeReason: string;
  routeConfidence: number | null;
  /** Backends tried before the answering one (fallbacks), in order. */
  attempts: number;
  fallbackFrom: string[];
  /**
   * Set when the stream broke after the first token and another model continued the answer:
   * the code of that original failure (e.g. "network_error", "idle_timeout"); null otherwise.
   */
  continuedAfter: string | null;
  /** HMAC-SHA256 of the normalised prompt with a server-side key; never the raw prompt. */
  promptHash: string;
  traceId: string | null;
}

/** Where request records go; `write` must never throw into the request path. */
/**
 * Name of each record field in the JSON log line and the Postgres `requests` table (snake_case,
 * shared names from vocabulary/log-fields.ts), in column order.
 */
export const REQUEST_LOG_COLUMNS = {
  id: "id",
  timestamp: "timestamp",
  user: "user_id",
  endpoint: "endpoint",
  requestedModel: "requested_model",
  modelId: "model_id",
  status: LOG_FIELDS.status,
  outcome: "outcome",
  errorCode: "error_code",
  cache: "cache",
  stream: LOG_FIELDS.stream,
  latencyMs: "latency_ms",
  ttftMs: LOG_FIELDS.ttftMs,
  promptTokens: LOG_FIELDS.promptTokens,
  completionTokens: LOG_FIELDS.completionTokens,
  routeReason: "route_reason",
  routeConfidence: "route_confidence",
  attempts: "attempts",
  fallbackFrom: "fallback_from",
  continuedAfter: "continued_after",
  promptHash: LOG_FIELDS.promptHash,
  traceId: LOG_FIELDS.traceId,
} as const satisfies { readonly [K in keyof RequestRecord]-?: string };

const RECORD_KEYS = Object.keys(REQUEST_LOG_COLUMNS) as (keyof RequestRecord)[];

/**
 * Names on the JSON line: the column names, except the two the backends' lines and Promtail
 * (observability/loki/promtail.yaml) share with it, so edge and backend lines join.
 */
const LINE_NAMES: { readonly [K in keyof RequestRecord]-?: string } = {
  ...REQUEST_LOG_COLUMNS,
  id: LOG_FIELDS.requestId,
  modelId: LOG_FIELDS.model,
};

/** The record with its log-line names, for a JSON line. */
export function logFieldsOf(record: RequestRecord): Record<string, unknown> {
  return Object.fromEntries(RECORD_KEYS.map((k) => [LINE_NAMES[k], record[k]]));
}

/** The record's values in column order. */
export const columnValuesOf = (record: RequestRecord): unknown[] => RECORD_KEYS.map((k) => record[k]);

export interface RequestLogSink {
  write(record: RequestRecord): Promise<void>;
}
