-- Router training observations: one row per (prompt, model) that `router collect` measured
-- (classifier/src/observations.ts). Prompts and outputs are personal data: only their HMAC-SHA256
-- (hex, SWITCHYARD_PROMPT_HASH_KEY) and the output's length are stored; the raw text stays in the
-- operator's JSONL file. prompt_hash uses the edge request log's form ("user: <prompt>"), so an
-- observation joins `requests.prompt_hash` under the same key.
CREATE TABLE IF NOT EXISTS router_observations (
  id                bigserial PRIMARY KEY,
  run_id            text NOT NULL,
  collected_at      timestamptz NOT NULL,
  -- the prompts file's `id` (or line index), to join the run's JSONL; never prompt text
  prompt_id         text NOT NULL,
  prompt_hash       text NOT NULL,
  task              text,
  model_id          text NOT NULL,
  status            text NOT NULL CHECK (status IN ('ok', 'error')),
  error             text,
  finish_reason     text,
  latency_ms        double precision NOT NULL,
  ttft_ms           double precision,
  tokens_per_second double precision,
  prompt_tokens     integer,
  completion_tokens integer,
  output_chars      integer NOT NULL,
  output_hash       text NOT NULL,
  inserted_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS router_observations_run_id_idx ON router_observations (run_id);
CREATE INDEX IF NOT EXISTS router_observations_model_id_idx ON router_observations (model_id);
