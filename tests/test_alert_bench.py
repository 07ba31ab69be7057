"""The alert detector bench (bench/alerts.py) on a small synthetic case: it plants, detects and counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.alerts import detector_bench, summary
from config import AlertSettings
from tests.forecast_series import poisson_series


def test_the_detector_bench_finds_big_planted_surges_and_counts_false_alerts() -> None:
    days = pd.date_range("2026-01-01", periods=90, freq="D")
    rng = np.random.default_rng(8)
    series = [(f"s{k}", pd.DataFrame({"ds": days, "y": poisson_series(days, 30, rng)})) for k in range(2)]
    trials, quiet = detector_bench(series, sizes=[3.0, 5.0], long_days=2, positions=2, rules=AlertSettings())

    assert sorted(set(trials["kind"])) == ["emerging", "surge 1d", "surge 2d"]
    one_day = trials[trials["kind"] == "surge 1d"]
    assert one_day["found"].all() and (one_day["delay"] == 0).all()
    assert trials.loc[trials["kind"] == "emerging", "found"].all()
    # Every day after the first 28 is judged for false alerts.
    assert list(quiet["days"]) == [62, 62]
    table, rates = summary(trials, quiet)
    assert table.loc[("surge 1d", 3.0), "detected"] == 1.0 and table.loc[("surge 1d", 3.0), "trials"] == 4
    assert rates["topic_months"] == 124 / 30 and 0 <= rates["surge"] <= 1
