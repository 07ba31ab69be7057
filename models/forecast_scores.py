"""How a forecast is judged on the backtest folds: MAE, sMAPE, MASE and interval coverage.

MASE is the choice metric: the fold's MAE divided by the in-sample MAE of the seasonal-naive
forecast on that fold's training data (Hyndman & Koehler 2006), so series of any volume are on
one scale and 1 means "as good as repeating last season in the past". Coverage is the share of
fold points inside the interval: an 80 % interval should hold about 80 % of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class BacktestScore:
    """A model's accuracy over the rolling-origin folds; ``mase`` is None for a constant series."""

    model: str
    mae: float
    smape: float
    mase: float | None
    coverage: float
    folds: int
    horizon: int

    def as_dict(self) -> dict:
        return asdict(self)


def mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(actual, float) - np.asarray(predicted, float))))


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Symmetric MAPE in percent (0-200); a step where both are zero counts as a perfect 0."""
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    denom = np.abs(actual) + np.abs(predicted)
    ratio = np.divide(2 * np.abs(actual - predicted), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100 * np.mean(ratio))


def naive_scale(train: np.ndarray, season: int) -> float | None:
    """MASE's denominator: the in-sample MAE of the seasonal-naive forecast; None when it is 0."""
    train = np.asarray(train, float)
    if len(train) <= season:
        return None
    scale = float(np.mean(np.abs(train[season:] - train[:-season])))
    return scale if scale > 0 else None


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of ``actual`` inside [lower, upper]."""
    actual = np.asarray(actual, float)
    return float(np.mean((actual >= np.asarray(lower, float)) & (actual <= np.asarray(upper, float))))


def score_folds(
    model: str, y: np.ndarray, cutoffs: list[int], horizon: int, season: int, runs: list[pd.DataFrame]
) -> BacktestScore:
    """Score one model's fold forecasts (``runs[i]`` forecasts ``y[cutoffs[i]:][:horizon]``)."""
    maes, smapes, mases, actuals, lowers, uppers = [], [], [], [], [], []
    for cutoff, run in zip(cutoffs, runs):
        actual = y[cutoff : cutoff + horizon]
        fold_mae = mae(actual, run["yhat"].to_numpy())
        maes.append(fold_mae)
        smapes.append(smape(actual, run["yhat"].to_numpy()))
        scale = naive_scale(y[:cutoff], season)
        if scale is not None:
            mases.append(fold_mae / scale)
        actuals.append(actual)
        lowers.append(run["lower"].to_numpy())
        uppers.append(run["upper"].to_numpy())
    return BacktestScore(
        model=model,
        mae=float(np.mean(maes)),
        smape=float(np.mean(smapes)),
        mase=float(np.mean(mases)) if mases else None,
        coverage=coverage(np.concatenate(actuals), np.concatenate(lowers), np.concatenate(uppers)),
        folds=len(cutoffs),
        horizon=horizon,
    )


def better(candidate: BacktestScore, baseline: BacktestScore) -> bool:
    """Strictly lower MASE wins; for a constant history (no MASE) compare MAE. Ties go to the baseline."""
    if candidate.mase is not None and baseline.mase is not None:
        return candidate.mase < baseline.mase
    return candidate.mae < baseline.mae


def sort_key(score: BacktestScore) -> tuple[float, float]:
    """Order for ranking candidates: MASE (MAE where there is none), then MAE."""
    return (score.mase if score.mase is not None else score.mae, score.mae)


def describe(score: BacktestScore) -> str:
    if score.mase is not None:
        return f"MASE {score.mase:.3f}"
    return f"MAE {score.mae:.3f}"
