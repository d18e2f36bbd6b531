/**
 * Field names of the JSON log lines of the edge and the backends: snake_case, as the Postgres
 * columns of the request log are, so a line of either side reads like the other and like a row.
 *
 * @example logger.log("info", "request", { [LOG_FIELDS.promptHash]: hash, [LOG_FIELDS.ttftMs]: 12 })
 */
export const LOG_FIELDS = {
  time: "time",
  level: "level",
  msg: "msg",
  error: "error",
  requestId: "request_id",
  traceId: "trace_id",
  spanId: "span_id",
  model: "model",
  status: "status",
  stream: "stream",
  errorKind: "error_kind",
  promptHash: "prompt_hash",
  promptTokens: "prompt_tokens",
  completionTokens: "completion_tokens",
  ttftMs: "ttft_ms",
  durationMs: "duration_ms",
  finishReason: "finish_reason",
} as const;
