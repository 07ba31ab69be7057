"""``GET /reports/topics``: the analyst's topic report for a period, as Markdown, HTML, CSV or JSON."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from pipelines.report import MAX_SPAN_DAYS, MAX_TOP_N, MEDIA_TYPES, ReportError, build_topic_report, render_report
from service.deps import AnalystKey, SettingsDep, StoreDep
from service.params import Day

router = APIRouter(prefix="/reports", tags=["reports"])

ReportFormat = Literal["md", "html", "csv", "json"]


@router.get(
    "/topics",
    summary="Topic report for a period",
    response_class=Response,
    responses={
        200: {
            "description": "The report in the asked format. HTML inlines one SVG chart per top topic; "
            "Markdown embeds them as data: URIs. CSV has one row per topic; JSON is the full structure.",
            "content": {media: {} for media in MEDIA_TYPES.values()},
        },
        401: {"description": "Missing or invalid API key."},
        403: {"description": "The key lacks the analyst role."},
        422: {"description": "Invalid dates or format; the message names the field."},
    },
)
def topic_report(
    settings: SettingsDep,
    store: StoreDep,
    _key: AnalystKey,
    start: Annotated[Day, Query(alias="from", description="First local day of the period (ISO date).",
                                 examples=["2026-03-01"])],
    end: Annotated[Day, Query(alias="to", description="Day after the period's last day (exclusive, ISO date); "
                               f"at most {MAX_SPAN_DAYS} days after 'from'.", examples=["2026-03-08"])],
    format: Annotated[ReportFormat, Query(description="md, html, csv or json.")] = "md",
    top: Annotated[int, Query(ge=1, le=MAX_TOP_N, description="How many top topics to include.")] = 10,
) -> Response:
    """The top topics of [from, to) with label, keywords, volume and change against the previous
    period of equal length, representative comments, forecasts with their intervals and chosen
    model, and the alerts raised in the period. Needs an analyst (or admin) key.
    """
    try:
        report = build_topic_report(settings, store, start=start, end=end, top_n=top)
    except ReportError as exc:
        raise HTTPException(422, f"{exc.field}: {exc}") from exc
    headers = {}
    if format != "json":
        filename = f"topic-report-{start.isoformat()}-{end.isoformat()}.{format}"
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return Response(render_report(report, format), media_type=MEDIA_TYPES[format], headers=headers)
