-- Forecast runs, the latest forecast per topic and frequency (with the backtest behind the choice
-- of model), and alerts.

CREATE SEQUENCE IF NOT EXISTS forecast_run_id START 1;

CREATE TABLE forecast_runs (
    id            BIGINT PRIMARY KEY DEFAULT nextval('forecast_run_id'),
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ NOT NULL,
    series        INTEGER NOT NULL,          -- topic series read (daily + weekly)
    refitted      INTEGER NOT NULL,          -- series whose input changed and were forecast again
    skipped       INTEGER NOT NULL,          -- unchanged series (same fingerprint): kept as they were
    prophet       INTEGER NOT NULL,          -- refitted series where Prophet won the backtest
    settings      JSON                       -- the forecaster settings used
);

-- One row per (topic, frequency): the latest forecast replaces the previous one.
CREATE TABLE topic_forecasts (
    topic_key     VARCHAR NOT NULL,
    freq          VARCHAR NOT NULL,          -- D | W
    run_id        BIGINT NOT NULL,
    fingerprint   VARCHAR NOT NULL,          -- sha256 of the input series + settings: unchanged → no refit
    history_start DATE NOT NULL,
    history_end   DATE NOT NULL,
    observations  INTEGER NOT NULL,
    chosen_model  VARCHAR NOT NULL,          -- prophet | seasonal_naive
    reason        VARCHAR NOT NULL,          -- why that model, in words
    interval_width DOUBLE NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (topic_key, freq)
);

-- kind 'forecast': the horizon after history_end; kind 'asof': the backtest forecasts of the most
-- recent days, each made from data before it (what surge detection compares actual volume with).
CREATE TABLE forecast_points (
    topic_key     VARCHAR NOT NULL,
    freq          VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,          -- forecast | asof
    ds            DATE NOT NULL,
    yhat          DOUBLE NOT NULL,
    lower         DOUBLE NOT NULL,
    upper         DOUBLE NOT NULL,
    PRIMARY KEY (topic_key, freq, kind, ds)
);

-- Rolling-origin backtest per model on the same folds.
CREATE TABLE forecast_backtests (
    topic_key     VARCHAR NOT NULL,
    freq          VARCHAR NOT NULL,
    model         VARCHAR NOT NULL,          -- prophet | seasonal_naive
    mae           DOUBLE NOT NULL,
    smape         DOUBLE NOT NULL,
    mase          DOUBLE,                    -- NULL when the history is constant (no scale)
    folds         INTEGER NOT NULL,
    PRIMARY KEY (topic_key, freq, model)
);

CREATE SEQUENCE IF NOT EXISTS alert_id START 1;

CREATE TABLE alerts (
    id            BIGINT PRIMARY KEY DEFAULT nextval('alert_id'),
    kind          VARCHAR NOT NULL,          -- emerging | surge | fading | unassigned_growth
    topic_key     VARCHAR,                   -- NULL for unassigned_growth
    day           DATE NOT NULL,             -- the local day the alert is about
    severity      VARCHAR NOT NULL,          -- low | medium | high
    score         DOUBLE NOT NULL,
    numbers       JSON NOT NULL,             -- the figures behind it
    explanation   VARCHAR NOT NULL,          -- one sentence in plain words
    dedup_key     VARCHAR NOT NULL UNIQUE,   -- kind:topic_key:day, so a rerun never repeats an alert
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX alerts_day ON alerts (day);
