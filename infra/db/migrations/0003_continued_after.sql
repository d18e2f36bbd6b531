-- A stream that broke after its first token and was continued on another model (issue 13):
-- the code of the original failure ("network_error", "idle_timeout", ...); NULL otherwise.
ALTER TABLE requests ADD COLUMN IF NOT EXISTS continued_after text;
