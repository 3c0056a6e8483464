-- Each judge prompt is stored once, keyed by its SHA-256; every score names the prompt it was judged with.
-- Scores stored before this migration keep judge_prompt_sha NULL: their prompt was not recorded.
CREATE TABLE IF NOT EXISTS judge_prompts (
    prompt_sha  text PRIMARY KEY,
    prompt      text NOT NULL,
    first_seen  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE eval_scores ADD COLUMN IF NOT EXISTS judge_prompt_sha text REFERENCES judge_prompts (prompt_sha);

-- One row per drift episode; at most one open (closed_at NULL) per metric, variant and judge, so a
-- restarted or second evaluator does not raise the same alert again.
CREATE TABLE IF NOT EXISTS drift_alerts (
    alert_id       bigserial PRIMARY KEY,
    metric         text NOT NULL,
    variant        text NOT NULL,
    judge          text NOT NULL,
    baseline_mean  double precision NOT NULL,
    recent_mean    double precision NOT NULL,
    request_id     text NOT NULL,
    tenant         text NOT NULL,
    opened_at      timestamptz NOT NULL DEFAULT now(),
    closed_at      timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS drift_alerts_one_open ON drift_alerts (metric, variant, judge) WHERE closed_at IS NULL;

-- Human judgements of answers, one per request and annotator; re-importing a file replaces them.
CREATE TABLE IF NOT EXISTS human_labels (
    request_id      text NOT NULL,
    annotator       text NOT NULL,
    label_faithful  boolean NOT NULL,
    label_correct   boolean NOT NULL,
    notes           text NOT NULL DEFAULT '',
    imported_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, annotator)
);
