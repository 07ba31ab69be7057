"""Rendering a ``TopicReport`` as Markdown, HTML, CSV or JSON.

Markdown and HTML carry one chart per top topic (daily volume with the forecast band, see
``pipelines.report_charts``). HTML inlines each chart as an ``<svg>`` element; Markdown embeds it
as a ``data:image/svg+xml`` URI, so both are single self-contained files that need no side files
and fetch nothing. CSV has one row per top topic with its figures; JSON is the full structure.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from pipelines.report_charts import svg_data_uri, volume_chart_svg

if TYPE_CHECKING:
    from pipelines.report import ForecastSummary, TopicReport, TopicSection

FORMATS = ("md", "html", "csv", "json")
MEDIA_TYPES = {"md": "text/markdown", "html": "text/html", "csv": "text/csv", "json": "application/json"}
"""Media type per format; all text is UTF-8."""
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_METRIC_NAMES = {"mae": "MAE", "smape": "sMAPE", "mase": "MASE", "coverage": "coverage"}
CSV_COLUMNS = (
    "rank", "topic_key", "label", "keywords", "volume", "previous_volume", "change_pct", "share_pct",
    "alerts", "forecast_model", "forecast_reason", "forecast_days", "forecast_sum",
    "forecast_lower_sum", "forecast_upper_sum", "backtest_mase", "backtest_coverage",
    "negative_pct", "previous_negative_pct",
)


def render_report(report: TopicReport, fmt: str) -> str:
    """The report in one of ``FORMATS``; ValueError for any other format."""
    renderers: dict[str, Callable[[TopicReport], str]] = {
        "md": _markdown, "html": _html, "csv": _csv, "json": _json,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
    return renderers[fmt](report)


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__} in a report")


def _json(report: TopicReport) -> str:
    return json.dumps(dataclasses.asdict(report), default=_json_default, ensure_ascii=False, indent=2)


def _title(report: TopicReport) -> str:
    return f"TopicPulse topic report: {report.start.isoformat()} to {report.end.isoformat()}"


def _period_line(report: TopicReport) -> str:
    last_day = date.fromordinal(report.end.toordinal() - 1)
    return (
        f"Period {report.start.isoformat()} – {last_day.isoformat()} ({report.timezone}), compared with "
        f"{report.previous_start.isoformat()} – {date.fromordinal(report.start.toordinal() - 1).isoformat()}. "
        f"Generated {report.generated_at}."
    )


def _run_line(report: TopicReport) -> str:
    if report.run is None:
        return "Topic run: none yet."
    return f"Topic run {report.run.run_id} ({report.run.created_at or 'time unknown'}), {report.run.topic_count} topics."


def _volume_line(report: TopicReport) -> str:
    return (
        f"Comments in topics: {report.total_volume} (previous period {report.previous_total_volume}); "
        f"{report.unassigned_volume} more matched no topic."
    )


def _change_text(section: TopicSection) -> str:
    if section.change_pct is None:
        return "new" if section.volume else "–"
    return f"{section.change_pct:+.1f}%"


def _negative_text(section: TopicSection) -> str:
    """One sentence on the topic's negative share, or '' when no comment of it was scored."""
    if section.negative_pct is None:
        return ""
    before = "" if section.previous_negative_pct is None else f" (previous period {section.previous_negative_pct:.1f}%)"
    return f"Negative comments: {section.negative_pct:.1f}%{before}."


def _forecast_text(forecast: ForecastSummary | None) -> str:
    """One paragraph: which model, why, what it expects, and how it did in the backtest.

    The expected range adds up the daily interval bounds, a deliberately wide range for the total.
    """
    if forecast is None:
        return "No forecast yet."
    text = f"Forecast by {forecast.model}" + (f": {forecast.reason}." if forecast.reason else ".")
    if forecast.points:
        width = f"{forecast.interval_width:.0%} " if forecast.interval_width else ""
        first, last = forecast.points[0].ds.isoformat(), forecast.points[-1].ds.isoformat()
        text += (
            f" {first} to {last}: {_total(forecast, 'yhat'):.0f} comments expected (daily {width}bounds add up "
            f"to {_total(forecast, 'lower'):.0f}–{_total(forecast, 'upper'):.0f})."
        )
    else:
        text += " It has no points in or just after this period."
    if forecast.coverage is not None and forecast.interval_width:
        text += (
            f" Its {forecast.interval_width:.0%} interval held {forecast.coverage:.0%} of the backtest days"
            " (measured on forecasts made before them)."
        )
    backtest = _backtest_text(forecast)
    return text + (f" Backtest: {backtest}." if backtest else "")


def _backtest_text(forecast: ForecastSummary) -> str:
    parts = []
    for model, figures in sorted(forecast.backtest.items()):
        shown = ", ".join(f"{_METRIC_NAMES.get(name, name)} {value:.2f}" for name, value in figures.items() if value is not None)
        if shown:
            parts.append(f"{model} {shown}")
    return "; ".join(parts)


def _total(forecast: ForecastSummary, column: str) -> float:
    return sum(getattr(point, column) for point in forecast.points)


def _chosen_mase(forecast: ForecastSummary | None) -> float | None:
    if forecast is None:
        return None
    return (forecast.backtest.get(forecast.model) or {}).get("mase")


# ---- Markdown ---------------------------------------------------------------------------------

def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _markdown(report: TopicReport) -> str:
    lines = [f"# {_title(report)}", "", _period_line(report), "", _run_line(report), ""]
    lines += [_volume_line(report), ""]
    lines += [f"> {_md_cell(note)}" for note in report.notes]
    if report.notes:
        lines.append("")
    if report.topics:
        lines += ["## Top topics", "", "| # | Topic | Label | Volume | Previous | Change | Share | Alerts |",
                  "|---:|---|---|---:|---:|---:|---:|---:|"]
        lines += [
            f"| {s.rank} | {s.topic_key} | {_md_cell(s.label)} | {s.volume} | {s.previous_volume} | "
            f"{_change_text(s)} | {s.share_pct:.1f}% | {s.alert_count} |"
            for s in report.topics
        ]
        lines.append("")
    for section in report.topics:
        lines += [f"### {section.rank}. {section.topic_key} — {_md_cell(section.label)}", ""]
        lines += [f"Keywords: {_md_cell(', '.join(section.keywords)) or '–'}", ""]
        if section.provenance:
            lines += [f"_{_md_cell('; '.join(section.provenance))}._", ""]
        lines += [f"Volume {section.volume} (previous {section.previous_volume}, {_change_text(section)}).", ""]
        if section.negative_pct is not None:
            lines += [_negative_text(section), ""]
        lines += [_md_cell(_forecast_text(section.forecast)), ""]
        chart = svg_data_uri(volume_chart_svg(section))
        lines += [f"![Daily volume of {section.topic_key} with forecast band]({chart})", ""]
        if section.representative_comments:
            lines += ["Representative comments:", ""]
            lines += [f"- {_md_cell(text)}" for text in section.representative_comments]
            lines.append("")
    lines += ["## Alerts", ""]
    if report.alerts:
        lines += ["| Day | Kind | Severity | Topic | Explanation |", "|---|---|---|---|---|"]
        lines += [
            f"| {a.day.isoformat()} | {a.kind} | {a.severity} | {a.topic_key or '–'} | {_md_cell(a.explanation)} |"
            for a in report.alerts
        ]
    else:
        lines.append("No alerts in this period.")
    return "\n".join(lines) + "\n"


# ---- HTML -------------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
td.n{text-align:right}.note{background:#fff8e1;padding:.5rem 1rem;border-left:4px solid #f0b400}
figure{margin:1rem 0}svg{max-width:100%;height:auto}blockquote{color:#444;margin:.3rem 0 .3rem 1rem}
"""


def _html(report: TopicReport) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(_title(report))}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(_title(report))}</h1>", f"<p>{e(_period_line(report))}</p>", f"<p>{e(_run_line(report))}</p>",
        f"<p>{e(_volume_line(report))}</p>",
    ]
    parts += [f'<p class="note">{e(note)}</p>' for note in report.notes]
    if report.topics:
        parts.append("<h2>Top topics</h2><table><tr><th>#</th><th>Topic</th><th>Label</th><th>Volume</th>"
                     "<th>Previous</th><th>Change</th><th>Share</th><th>Alerts</th></tr>")
        parts += [
            f'<tr><td class="n">{s.rank}</td><td>{e(s.topic_key)}</td><td>{e(s.label)}</td>'
            f'<td class="n">{s.volume}</td><td class="n">{s.previous_volume}</td>'
            f'<td class="n">{e(_change_text(s))}</td><td class="n">{s.share_pct:.1f}%</td>'
            f'<td class="n">{s.alert_count}</td></tr>'
            for s in report.topics
        ]
        parts.append("</table>")
    for section in report.topics:
        parts += [
            f'<section id="{e(section.topic_key)}"><h3>{section.rank}. {e(section.topic_key)} — {e(section.label)}</h3>',
            f"<p>Keywords: {e(', '.join(section.keywords)) or '–'}</p>",
            *([f"<p><em>{e('; '.join(section.provenance))}.</em></p>"] if section.provenance else []),
            f"<p>Volume {section.volume} (previous {section.previous_volume}, {e(_change_text(section))}).</p>",
            *([f"<p>{e(_negative_text(section))}</p>"] if section.negative_pct is not None else []),
            f"<p>{e(_forecast_text(section.forecast))}</p>",
            f"<figure>{volume_chart_svg(section)}<figcaption>Daily volume of {e(section.topic_key)} "
            "with forecast band</figcaption></figure>",
        ]
        if section.representative_comments:
            parts.append("<p>Representative comments:</p>")
            parts += [f"<blockquote>{e(text)}</blockquote>" for text in section.representative_comments]
        parts.append("</section>")
    parts.append("<h2>Alerts</h2>")
    if report.alerts:
        parts.append("<table><tr><th>Day</th><th>Kind</th><th>Severity</th><th>Topic</th><th>Explanation</th></tr>")
        parts += [
            f"<tr><td>{e(a.day.isoformat())}</td><td>{e(a.kind)}</td><td>{e(a.severity)}</td>"
            f"<td>{e(a.topic_key or '–')}</td><td>{e(a.explanation)}</td></tr>"
            for a in report.alerts
        ]
        parts.append("</table>")
    else:
        parts.append("<p>No alerts in this period.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# ---- CSV --------------------------------------------------------------------------------------

def _csv(report: TopicReport) -> str:
    """One row per top topic. Text cells that a spreadsheet would run as a formula are quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in report.topics:
        forecast = s.forecast
        writer.writerow([
            s.rank, s.topic_key, _text_cell(s.label), _text_cell("; ".join(s.keywords)), s.volume, s.previous_volume,
            "" if s.change_pct is None else s.change_pct, s.share_pct, s.alert_count,
            forecast.model if forecast else "", (forecast.reason or "") if forecast else "",
            len(forecast.points) if forecast else "",
            *(round(_total(forecast, c), 1) if forecast else "" for c in ("yhat", "lower", "upper")),
            _blank_if_none(_chosen_mase(forecast)),
            _blank_if_none(forecast.coverage if forecast else None),
            _blank_if_none(s.negative_pct), _blank_if_none(s.previous_negative_pct),
        ])
    return buffer.getvalue()


def _text_cell(text: str) -> str:
    """Comment-derived text, defused for spreadsheets (a leading = + - @ would start a formula)."""
    return f"'{text}" if text[:1] in _FORMULA_STARTS else text


def _blank_if_none(value: float | None) -> object:
    return "" if value is None else round(value, 3)
