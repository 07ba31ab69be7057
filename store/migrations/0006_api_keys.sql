-- API keys for the service. Only a hash of each key is kept; the prefix finds the row.

CREATE SEQUENCE IF NOT EXISTS api_key_id START 1;

CREATE TABLE api_keys (
    id            BIGINT PRIMARY KEY DEFAULT nextval('api_key_id'),
    prefix        VARCHAR NOT NULL UNIQUE,   -- the public part of the key, shown in listings
    key_hash      VARCHAR NOT NULL,          -- sha256 hex of the whole key
    name          VARCHAR NOT NULL,          -- who or what holds the key
    role          VARCHAR NOT NULL,          -- reader | analyst | admin
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at    TIMESTAMPTZ                -- set once; a revoked key never works again
);
