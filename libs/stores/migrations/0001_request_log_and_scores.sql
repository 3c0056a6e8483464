-- Every request and its final answer, kept for evaluation; the primary key makes finalisation idempotent.
CREATE TABLE IF NOT EXISTS requests (
    request_id   text PRIMARY KEY,
    tenant       text NOT NULL,
    question     text NOT NULL,
    variant      text NOT NULL DEFAULT 'default',
    reply_to     text NOT NULL,
    asked_at     timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS answers (
    request_id   text PRIMARY KEY,
    tenant       text NOT NULL,
    status       text NOT NULL,
    answer       jsonb NOT NULL,
    completed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS answers_tenant_completed ON answers (tenant, completed_at);

CREATE TABLE IF NOT EXISTS eval_scores (
    request_id    text NOT NULL,
    metric        text NOT NULL,
    judge         text NOT NULL,
    judge_version text NOT NULL,
    value         double precision,
    tenant        text NOT NULL,
    variant       text NOT NULL,
    scored_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, metric, judge)
);
CREATE INDEX IF NOT EXISTS eval_scores_metric_time ON eval_scores (metric, variant, scored_at);
