import type { RequestRecord } from "../../src/log/request-record";

/** A complete, realistic request record for sink tests. */
export const sampleRecord: RequestRecord = {
  id: "req_1",
  timestamp: "2025-01-01T00:00:00.000Z",
  user: "alice",
  endpoint: "chat.completions",
  requestedModel: "auto",
  modelId: "qwen2.5-7b-instruct",
  status: 200,
  outcome: "ok",
  errorCode: null,
  cache: "MISS",
  stream: true,
  latencyMs: 120,
  ttftMs: 30,
  promptTokens: 12,
  completionTokens: 40,
  routeReason: "round_robin",
  routeConfidence: null,
  attempts: 1,
  fallbackFrom: [],
  continuedAfter: null,
  promptHash: "ab".repeat(32),
  traceId: null,
};
