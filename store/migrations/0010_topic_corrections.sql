-- Analysts' corrections to topics, keyed by stable topic key, and what each run looked like as fitted.
-- Every topic run re-applies the active corrections (undone_at IS NULL) in id order, starting from
-- the fitted state, so undoing one and re-applying the rest gives the same result as never having made it.

CREATE SEQUENCE IF NOT EXISTS topic_correction_id START 1;

CREATE TABLE topic_corrections (
    id           BIGINT PRIMARY KEY DEFAULT nextval('topic_correction_id'),
    kind         VARCHAR NOT NULL,         -- rename | merge | hide | seed
    topic_key    VARCHAR NOT NULL,         -- the renamed or hidden topic, the one merged into, or the seeded topic's own key
    merged_keys  VARCHAR[],                -- merge: the topics folded into topic_key
    label        VARCHAR,                  -- rename and seed: the label a person chose
    seed_phrases VARCHAR[],                -- seed: the phrases whose embedding defines the topic
    seed_vector  FLOAT[],                  -- seed: the phrases' unit-length mean embedding ...
    seed_fingerprint VARCHAR,              -- ... made by this embedder (re-encoded when runs change model)
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    undone_at    TIMESTAMPTZ               -- set by undo; the correction then no longer applies
);

ALTER TABLE topics ADD COLUMN fitted_label VARCHAR;          -- the label the fit gave (label may be a person's)
ALTER TABLE topics ADD COLUMN origin VARCHAR DEFAULT 'fit';  -- fit | seed (made by a seed correction)
ALTER TABLE topics ADD COLUMN hidden BOOLEAN DEFAULT false;  -- hidden by an analyst (noise, spam)
ALTER TABLE topics ADD COLUMN merged_into VARCHAR;           -- folded into this topic by an analyst
ALTER TABLE topics ADD COLUMN label_set_at TIMESTAMPTZ;      -- when a person set the label, if one did

ALTER TABLE topic_assignments ADD COLUMN corrected BOOLEAN DEFAULT false;  -- moved by a correction
ALTER TABLE topic_assignments ADD COLUMN fitted_topic_key VARCHAR;          -- where the fit put it, if moved
