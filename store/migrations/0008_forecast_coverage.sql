-- Issue 9: more candidate models, a backtest as long as the served horizon, and the interval's
-- coverage on the backtest folds (share of actual counts inside the interval).

-- The served model's coverage, and the models a combination took the median of (JSON list).
ALTER TABLE topic_forecasts ADD COLUMN coverage DOUBLE;
ALTER TABLE topic_forecasts ADD COLUMN members JSON;

-- Per candidate: its coverage and how many steps each fold forecast.
ALTER TABLE forecast_backtests ADD COLUMN coverage DOUBLE;
ALTER TABLE forecast_backtests ADD COLUMN horizon INTEGER;
