-- One row per job run (ingest_inbox, embed, topics, assign, forecast, nightly, refit, ...), kept as history.

CREATE SEQUENCE IF NOT EXISTS job_id START 1;

CREATE TABLE jobs (
    id            BIGINT PRIMARY KEY DEFAULT nextval('job_id'),
    kind          VARCHAR NOT NULL,
    params        JSON,                      -- what the job was asked to do
    trigger       VARCHAR NOT NULL,          -- api | schedule | cli
    status        VARCHAR NOT NULL DEFAULT 'queued',   -- queued | running | succeeded | failed
    progress      DOUBLE,                    -- 0..1 while running; NULL when unknown
    message       VARCHAR,                   -- what the job is doing now, in words
    counts        JSON,                      -- what the job did (its pipeline reports)
    error         VARCHAR,                   -- why it failed
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at    TIMESTAMPTZ,
    finished_at   TIMESTAMPTZ,
    host          VARCHAR NOT NULL,          -- the machine and process that own the job,
    pid           INTEGER NOT NULL,          -- so a job left behind by a crash can be recovered
    runner        VARCHAR NOT NULL           -- unique per process start, since pids are reused
);
