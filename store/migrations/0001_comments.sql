-- Comments as accepted, the rows that were rejected with their reasons, and one row per ingest batch.

CREATE SEQUENCE IF NOT EXISTS ingest_batch_id START 1;

CREATE TABLE ingest_batches (
    id            BIGINT PRIMARY KEY DEFAULT nextval('ingest_batch_id'),
    source_file   VARCHAR NOT NULL,          -- the file name as given (or 'api')
    checksum      VARCHAR,                   -- sha256 of the file bytes
    format        VARCHAR,
    encoding      VARCHAR,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    rows_read     BIGINT NOT NULL DEFAULT 0,
    accepted      BIGINT NOT NULL DEFAULT 0,
    duplicates    BIGINT NOT NULL DEFAULT 0,
    rejected      BIGINT NOT NULL DEFAULT 0,
    status        VARCHAR NOT NULL DEFAULT 'running',  -- running | done | failed
    error         VARCHAR                    -- why a failed batch rolled back
);

CREATE SEQUENCE IF NOT EXISTS comment_id START 1;

CREATE TABLE comments (
    id            BIGINT PRIMARY KEY DEFAULT nextval('comment_id'),
    batch_id      BIGINT NOT NULL,
    source        VARCHAR NOT NULL,          -- channel or site; 'unknown' when not mapped
    external_id   VARCHAR,                   -- the id in the source, when there is one
    created_at    TIMESTAMPTZ NOT NULL,      -- stored in UTC
    text          VARCHAR NOT NULL,          -- normalised and redacted: what analysis reads
    text_hash     VARCHAR NOT NULL,          -- sha256 of text: dedup and embedding-cache key
    raw_text      VARCHAR,                   -- only when ingest.keep_raw_text is on
    lang          VARCHAR NOT NULL,          -- vi | en | other
    author_hash   VARCHAR,                   -- keyed hash, never the author in clear
    meta          JSON,                      -- unmapped columns
    ingested_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX comments_external ON comments (source, external_id);
CREATE INDEX comments_created ON comments (created_at);
CREATE INDEX comments_text_hash ON comments (text_hash);

CREATE TABLE rejected_rows (
    batch_id      BIGINT NOT NULL,
    source_file   VARCHAR NOT NULL,
    line_number   BIGINT,                    -- 1-based line (or record) in the file
    reason        VARCHAR NOT NULL,
    raw           VARCHAR,                   -- the row as read, redacted, for a person to fix
    rejected_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
