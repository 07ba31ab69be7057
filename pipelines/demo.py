"""The end-to-end demo: generate the seeded demo data, run every stage on it, and summarise.

The stages are the product's own pipeline, in order: ingest → embed → topics → forecast →
alerts → report. Each adds one line to the summary.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from pipelines.alerts import detect_alerts
from pipelines.demo_data import DemoTruth, write_demo_data
from pipelines.embed import embed_comments, load_embedder
from pipelines.forecast import forecast_topics
from pipelines.ingest import IngestReport, ingest_file
from pipelines.report import write_recent_reports
from config import Settings
from pipelines.topics import run_topics
from store import Store
from store.comments import comment_overview

log = logging.getLogger(__name__)

DEMO_DIR = Path("demo")


@dataclass
class DemoSummary:
    """What the demo loaded and found, for the CLI to print and tests to check."""

    data_dir: Path
    truth: DemoTruth
    ingest: list[IngestReport]
    overview: dict
    stages: list[str] = field(default_factory=list)  # one line per later stage

    def lines(self) -> list[str]:
        o, t = self.overview, self.truth
        languages = ", ".join(f"{k} {v}" for k, v in o["languages"].items())
        sources = ", ".join(f"{k} {v}" for k, v in o["sources"].items())
        lines = [f"demo data: {len(t.files)} files in {self.data_dir} ({t.rows_written} rows, {t.start} to {t.end})"]
        lines += [f"  {report.summary()}" for report in self.ingest]
        lines += [
            f"store: {o['comments']} comments over {o['days']} days ({o['first']:%Y-%m-%d} to {o['last']:%Y-%m-%d}), "
            f"{o['rejected']} rejected rows, {o['batches']} batches",
            f"  languages: {languages}",
            f"  sources: {sources}",
            f"planted: emerging '{t.emerging_topic}' from {t.emerging_start}, fading '{t.fading_topic}', "
            f"surge of '{t.surge_topic}' on {t.surge_date}, Tết {t.tet_dates[0]} to {t.tet_dates[-1]}",
        ]
        return lines + self.stages


def run_demo(settings: Settings, store: Store, *, n_comments: int = 24000) -> DemoSummary:
    """Write the demo files (deterministic: the same bytes every time) and run every stage on them.

    Re-running adds no comments (ingestion recognises files it has already loaded) and embeds
    nothing twice; it fits a new topic run, which lineage matches to the previous one.
    """
    out_dir = settings.resolve(DEMO_DIR)
    truth = write_demo_data(out_dir, n_comments=n_comments)
    log.info("demo data written to %s", out_dir)
    reports = [ingest_file(settings, store, path) for path in truth.files]
    summary = DemoSummary(data_dir=out_dir, truth=truth, ingest=reports, overview=comment_overview(store))

    embedder = load_embedder(settings)
    embedded = embed_comments(settings, store, embedder)
    summary.stages.append(
        f"embed: {embedded.texts_embedded} texts embedded, {embedded.texts_cached} already cached "
        f"({embedded.model}, {embedded.dim} dimensions, {embedded.seconds:.0f}s)"
    )
    run = run_topics(settings, store, embedder)
    summary.stages.append(f"topics: {run.summary()}")
    forecast = forecast_topics(settings, store)
    alerts = detect_alerts(settings, store)
    kinds = Counter(alert.kind for alert in alerts)
    summary.stages.append(
        f"forecast: {forecast.refitted} of {forecast.series} series forecast ({forecast.chosen_text()}); "
        f"alerts: {len(alerts)} new"
        + (f" ({', '.join(f'{kind} {n}' for kind, n in sorted(kinds.items()))})" if kinds else "")
    )
    # The report is the last stage: later stages go above it.
    report_paths = write_recent_reports(settings, store, end=truth.end + timedelta(days=1), days=28)
    summary.stages.append(f"report (last 28 days): {', '.join(str(path) for path in report_paths)}")
    return summary
