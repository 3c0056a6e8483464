-- Drafts already paid for (ADR 0006): an exact-match cache of model drafts, shared by generate's replicas
-- and kept across restarts. `key_sha256` hashes (tenant, prompt id and version, model, normalised question,
-- packed context); the question itself is not stored. A row past `expires_at` is never served and is deleted
-- by the next purge (a generate write, at most every CACHE_PURGE_INTERVAL_S).
CREATE TABLE IF NOT EXISTS response_cache (
    tenant      text NOT NULL,
    key_sha256  text NOT NULL,
    prompt      text NOT NULL,
    model       text NOT NULL,
    value       jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant, key_sha256)
);
CREATE INDEX IF NOT EXISTS response_cache_expires ON response_cache (expires_at);
