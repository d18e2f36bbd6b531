/** One model's answer to one prompt, as `router collect` records it (one JSON line each). */
export interface RunRecord {
  /** One id per `router collect` invocation (also the Postgres `run_id`). */
  run_id: string;
  /** ISO time the request was sent. */
  collected_at: string;
  prompt_id: string;
  prompt: string;
  task: string | null;
  metric: string | null;
  ground_truth: unknown;
  choices: unknown;
  model: string;
  output: string;
  finish_reason: string | null;
  latency_ms: number;
  ttft_ms: number | null;
  tokens_per_s: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  error: string | null;
}
