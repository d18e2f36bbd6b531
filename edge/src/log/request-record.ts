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
export interface RequestLogSink {
  write(record: RequestRecord): Promise<void>;
}
