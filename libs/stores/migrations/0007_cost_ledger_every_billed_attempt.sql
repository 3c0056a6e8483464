-- Every model call the API billed gets a row, also one the project rejected (cut at max_tokens, no text):
-- `outcome` is 'served' for the row of what became the draft (a model reply, an offline answer or a cache hit,
-- exactly one per generation), otherwise the reason code the call was rejected with. `attempt` is the call's
-- number within its generation (0: a cache hit). Rows before this migration were one per generation: 'served'.
ALTER TABLE cost_ledger ADD COLUMN IF NOT EXISTS outcome text NOT NULL DEFAULT 'served';
ALTER TABLE cost_ledger ADD COLUMN IF NOT EXISTS attempt integer NOT NULL DEFAULT 1 CHECK (attempt >= 0);
-- usage.cache_creation_input_tokens / cache_read_input_tokens, priced apart from input tokens.
ALTER TABLE cost_ledger ADD COLUMN IF NOT EXISTS cache_write_tokens integer NOT NULL DEFAULT 0 CHECK (cache_write_tokens >= 0);
ALTER TABLE cost_ledger ADD COLUMN IF NOT EXISTS cache_read_tokens integer NOT NULL DEFAULT 0 CHECK (cache_read_tokens >= 0);
-- Costs exactly as priced: tokens × USD/MTok (prices to 0.01 or 0.001) / 10^6 needs up to 9 decimals, and a
-- call at $0.10/MTok cache reads costs less than the old 6 decimals could hold. Existing values are unchanged.
ALTER TABLE cost_ledger ALTER COLUMN cost_usd TYPE numeric(20, 12);
