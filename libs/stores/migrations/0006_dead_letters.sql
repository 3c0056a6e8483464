-- One row per dead letter (ops.dead-lettered.v1), written by evaluate's `evaluate-dead-letters` consumer, for
-- the report's counts by reason and day. Neither the original payload nor the error text is stored (either
-- may quote personal data): the dead-letter topic keeps the original bytes for replay. `letter_id` is the
-- dead letter's event id, so a redelivered dead letter is recorded once; `request_id` and `tenant` are those
-- of the original message when it was JSON carrying them, else NULL. A dead letter the consumer cannot read
-- is recorded too: reason `unreadable_dead_letter`, source topic the dead-letter topic itself.
-- Rows older than DEAD_LETTER_RETENTION_DAYS are deleted by evaluate's retention purge.
CREATE TABLE IF NOT EXISTS dead_letters (
    letter_id         text PRIMARY KEY,
    dead_lettered_at  timestamptz NOT NULL,
    source_topic      text NOT NULL,
    source_partition  integer,
    source_offset     bigint,
    consumer_group    text NOT NULL,
    reason            text NOT NULL,
    request_id        text,
    tenant            text,
    recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS dead_letters_time ON dead_letters (dead_lettered_at);
CREATE INDEX IF NOT EXISTS dead_letters_tenant_time ON dead_letters (tenant, dead_lettered_at);
