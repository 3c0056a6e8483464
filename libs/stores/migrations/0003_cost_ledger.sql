-- What generating each draft cost, for budgets and reports. One row per generation: a request generated
-- twice (redelivery after a crash) was paid twice and shows twice; a cache hit is a row costing 0.
-- `day` is the UTC day the cost counts against a tenant's daily budget.
CREATE TABLE IF NOT EXISTS cost_ledger (
    entry_id       bigserial PRIMARY KEY,
    request_id     text NOT NULL,
    tenant         text NOT NULL,
    variant        text NOT NULL,
    model          text NOT NULL,
    rung           text NOT NULL,
    cache_hit      boolean NOT NULL DEFAULT false,
    input_tokens   integer NOT NULL CHECK (input_tokens >= 0),
    output_tokens  integer NOT NULL CHECK (output_tokens >= 0),
    cost_usd       numeric(14, 6) NOT NULL CHECK (cost_usd >= 0),
    day            date NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')::date,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS cost_ledger_tenant_day ON cost_ledger (tenant, day);
CREATE INDEX IF NOT EXISTS cost_ledger_request ON cost_ledger (request_id);
