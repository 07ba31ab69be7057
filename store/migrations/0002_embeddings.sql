-- The embedding cache. Each model (named by its fingerprint: weights, prompt, sequence length,
-- backend) is registered once with its dimension. Its vectors live in the table for that
-- dimension, embeddings_<dim>(fingerprint, text_hash, vector FLOAT[dim]), which
-- store/embeddings.py creates when the first model of that size is registered, so every vector
-- is a fixed-size array that DuckDB's array_cosine_similarity can read.

CREATE TABLE embedding_models (
    fingerprint   VARCHAR PRIMARY KEY,
    dim           INTEGER NOT NULL,
    model         VARCHAR NOT NULL,          -- the name or folder as configured
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
