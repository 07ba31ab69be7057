-- Topic runs, their topics, one assignment per comment per run, and topic lineage across runs.
-- The current run is the latest one with status 'done'; a running or failed run never is.

CREATE SEQUENCE IF NOT EXISTS topic_run_id START 1;
CREATE SEQUENCE IF NOT EXISTS topic_key_number START 1;   -- stable keys are 't' || lpad(n, 4, '0')

CREATE TABLE topic_runs (
    id                    BIGINT PRIMARY KEY DEFAULT nextval('topic_run_id'),
    status                VARCHAR NOT NULL DEFAULT 'running',   -- running | done | failed
    started_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at           TIMESTAMPTZ,
    duration_s            DOUBLE,
    params                JSON,               -- settings and the parameters resolved for this corpus
    embedding_fingerprint VARCHAR,            -- which vectors were clustered
    model_fingerprint     VARCHAR,            -- hash of params + embedding fingerprint + comments fitted
    data_start            TIMESTAMPTZ,        -- earliest created_at among the comments
    data_end              TIMESTAMPTZ,
    max_comment_id        BIGINT,             -- comments with a larger id are left to `assign`
    n_comments            BIGINT,
    n_fitted              BIGINT,             -- comments BERTopic clustered (the sample)
    n_topics              INTEGER,
    n_unassigned          BIGINT,
    raw_outlier_share     DOUBLE,             -- HDBSCAN noise share before reduce_outliers
    outlier_share         DOUBLE,             -- unassigned share after it
    topic_diversity       DOUBLE,
    npmi                  DOUBLE,
    stage_seconds         JSON,
    artifact_path         VARCHAR,
    error                 VARCHAR             -- why a failed run failed
);

CREATE TABLE topics (
    run_id             BIGINT NOT NULL,
    topic_key          VARCHAR NOT NULL,      -- stable across runs through lineage, e.g. t0007
    topic_index        INTEGER NOT NULL,      -- BERTopic's id in this run's model
    label              VARCHAR NOT NULL,
    keywords           JSON NOT NULL,         -- [{"word": ..., "weight": ...}, ...], best first
    size               BIGINT NOT NULL,       -- comments assigned at fit time
    representative_ids BIGINT[] NOT NULL,     -- comment ids, deduplicated, closest to the centroid first
    min_similarity     FLOAT NOT NULL,        -- cosine a new comment needs to be assigned here
    centroid           FLOAT[] NOT NULL,      -- unit-length mean embedding
    PRIMARY KEY (run_id, topic_key)
);

CREATE TABLE topic_lineage (
    run_id          BIGINT NOT NULL,
    topic_key       VARCHAR NOT NULL,
    parent_run_id   BIGINT,                   -- the run matched against (NULL for the first run)
    parent_keys     VARCHAR[] NOT NULL,       -- topics of the parent run this one continues
    relation        VARCHAR NOT NULL,         -- match | split | merge | new
    score           DOUBLE,                   -- match score with the best parent
    PRIMARY KEY (run_id, topic_key)
);

CREATE TABLE topic_assignments (
    run_id       BIGINT NOT NULL,
    comment_id   BIGINT NOT NULL,
    topic_key    VARCHAR,                     -- NULL: unassigned (outlier or below the threshold)
    similarity   FLOAT,                       -- cosine to the topic centroid (nearest one if unassigned)
    method       VARCHAR NOT NULL,            -- fit | assign
    assigned_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, comment_id)
);

CREATE INDEX topic_assignments_key ON topic_assignments (run_id, topic_key);
