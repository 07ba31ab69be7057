"""Static SVG charts for topic reports: a topic's daily volume with its forecast band.

Charts are drawn on a ``matplotlib.figure.Figure`` with the SVG canvas attached directly, so no
pyplot state, no global backend choice and nothing fetched at render time. The SVG is
self-contained (matplotlib's default ``svg.fonttype="path"`` draws glyphs as paths), so it
displays the same offline, inline in HTML or as a ``data:`` URI in Markdown.
"""

from __future__ import annotations

import base64
import io
import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.report import TopicSection

_XML_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)

# matplotlib's text layout and font cache are not thread-safe; the service renders in a thread pool.
_DRAW_LOCK = threading.Lock()


def volume_chart_svg(section: TopicSection, *, width_in: float = 6.4, height_in: float = 3.0) -> str:
    """The topic's daily volume in the period with the band it was expected in (the backtest's as-of
    forecasts), and the forecast ahead with its interval, where those exist.

    Returns the ``<svg>`` element alone (no XML prologue), ready to inline into HTML.
    """
    # matplotlib loads (and may build its font cache) only when a chart is drawn, not when the
    # CLI or the app imports the report modules.
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    with _DRAW_LOCK:
        fig = Figure(figsize=(width_in, height_in), layout="constrained")
        FigureCanvasSVG(fig)
        ax = fig.add_subplot()
        days = [p.ds for p in section.daily]
        ax.plot(days, [p.y for p in section.daily], color="#1f77b4", linewidth=1.4, label="comments per day")
        asof = section.forecast.asof if section.forecast else []
        _band(ax, asof, color="#7f7f7f", alpha=0.2, label="expected range (backtest, from earlier data)")
        points = section.forecast.points if section.forecast else []
        if points:
            _band(ax, points, color="#ff7f0e", alpha=0.25, label="forecast interval")
            ax.plot([p.ds for p in points], [p.yhat for p in points], color="#ff7f0e", linewidth=1.2,
                    linestyle="--", label=f"forecast ({section.forecast.model})")
        ax.set_title(f"{section.topic_key} · {section.label}", loc="left")
        ax.set_ylabel("comments")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        fig.legend(loc="outside lower center", ncols=2, frameon=False, fontsize="small")
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return _XML_PROLOGUE.sub("", buffer.getvalue(), count=1)


def _band(ax, points, *, color: str, alpha: float, label: str) -> None:
    """Shade the interval [lower, upper] of forecast points, if there are any."""
    if points:
        ax.fill_between([p.ds for p in points], [p.lower for p in points], [p.upper for p in points],
                        color=color, alpha=alpha, linewidth=0, label=label)


def svg_data_uri(svg: str) -> str:
    """An SVG as a base64 ``data:`` URI, for Markdown image links that need no side files."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
