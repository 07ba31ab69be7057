-- Sentiment per distinct comment text, like the embedding cache: scored once per text and
-- classifier. A classifier (named by its key: the embedding model's fingerprint, the labelled
-- examples and the method) is registered once; readers use the one the configuration names for
-- the current topic run's embedding model, so changing the examples re-scores everything
-- without mixing.

CREATE TABLE sentiment_models (
    model_key     VARCHAR PRIMARY KEY,
    fingerprint   VARCHAR NOT NULL,          -- the embedding model whose vectors it reads
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE comment_sentiment (
    model_key  VARCHAR NOT NULL,
    text_hash  VARCHAR NOT NULL,
    label      VARCHAR NOT NULL,             -- negative | neutral | positive
    negative   FLOAT NOT NULL,               -- the classifier's probabilities, summing to 1
    neutral    FLOAT NOT NULL,
    positive   FLOAT NOT NULL,
    PRIMARY KEY (model_key, text_hash)
);
