-- What a cost ledger row paid for: 'generation' counts against the tenant's daily budget, 'judge' (scoring
-- answers for evaluation) is the operator's spend and does not. Every row before this was a generation.
ALTER TABLE cost_ledger ADD COLUMN IF NOT EXISTS purpose text NOT NULL DEFAULT 'generation';

-- A non-deterministic judge is asked several times: `value` is the mean of the measured repeats, `repeats`
-- how many were measured, `spread` their max - min (NULL when fewer than two were measured).
-- Scores stored before this migration keep both NULL.
ALTER TABLE eval_scores ADD COLUMN IF NOT EXISTS spread double precision;
ALTER TABLE eval_scores ADD COLUMN IF NOT EXISTS repeats integer;
