-- Request log and model registry.
-- `requests` holds one row per edge request (edge/src/log/request-record.ts, snake_case).
-- The subject column is `user_id`, not `user`: USER is reserved in SQL and an unquoted
-- `SELECT user FROM requests` would silently return the database role instead.
CREATE TABLE IF NOT EXISTS requests (
  id                text PRIMARY KEY,
  "timestamp"       timestamptz NOT NULL,
  user_id           text NOT NULL,
  endpoint          text NOT NULL,
  requested_model   text NOT NULL,
  model_id          text,
  status            integer NOT NULL,
  outcome           text NOT NULL,
  error_code        text,
  cache             text NOT NULL CHECK (cache IN ('HIT', 'MISS', 'BYPASS')),
  stream            boolean NOT NULL,
  latency_ms        double precision NOT NULL,
  ttft_ms           double precision,
  prompt_tokens     integer,
  completion_tokens integer,
  route_reason      text NOT NULL,
  route_confidence  double precision,
  attempts          integer NOT NULL,
  fallback_from     text[] NOT NULL DEFAULT '{}',
  -- HMAC-SHA256 (hex) of the normalised prompt; the raw prompt is never stored.
  prompt_hash       text NOT NULL,
  trace_id          text,
  inserted_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS requests_timestamp_idx ON requests ("timestamp");
CREATE INDEX IF NOT EXISTS requests_model_id_timestamp_idx ON requests (model_id, "timestamp");
CREATE INDEX IF NOT EXISTS requests_user_id_timestamp_idx ON requests (user_id, "timestamp");

-- Same shape as the models CLI's own CREATE TABLE IF NOT EXISTS (backends), keep them in step.
CREATE TABLE IF NOT EXISTS models (
  id          text NOT NULL,
  quant       text NOT NULL,
  version     text,
  uri         text,
  path        text,
  sha256      text,
  size_bytes  bigint,
  perf        jsonb,
  verified_at timestamptz,
  PRIMARY KEY (id, quant)
);
