"""Trends: the stored alerts (emerging, surge, fading, unassigned growth), filtered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service.deps import PageSizeDep, StoreDep, require_role
from service.params import Day, check_order
from service.schemas import AlertKind, AlertPublic, AlertsPublic, ErrorPublic, Severity
from store.alerts import list_alerts

router = APIRouter(
    tags=["trends"],
    dependencies=[Depends(require_role("reader"))],
    responses={401: {"model": ErrorPublic}, 403: {"model": ErrorPublic}},
)


@router.get("/alerts", response_model=AlertsPublic, summary="Alerts, newest day first")
def get_alerts(
    store: StoreDep,
    limit: PageSizeDep,
    kind: AlertKind | None = None,
    severity: Severity | None = None,
    start: Annotated[Day | None, Query(description="First local day (ISO date).", examples=["2026-02-01"])] = None,
    end: Annotated[Day | None, Query(description="Day after the last day (exclusive); after start.")] = None,
) -> AlertsPublic:
    check_order(start, end, "query.end")
    rows = list_alerts(store, kind=kind, severity=severity, start=start, end=end, limit=limit)
    return AlertsPublic(items=[AlertPublic(**row) for row in rows])
