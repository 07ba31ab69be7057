"""``topicpulse forecast``: forecast every topic's volume, then check for alerts."""

from __future__ import annotations

import typer

from service.cli.common import open_store, settings_of


def forecast(
    ctx: typer.Context,
    workers: int | None = typer.Option(None, "--workers", "-w", min=1, help="Processes (default: forecast.workers)."),
    alerts: bool = typer.Option(True, "--alerts/--no-alerts", help="Check for alerts after forecasting."),
) -> None:
    """Forecast each topic's daily and weekly comment volume (with whichever model won the
    backtest: seasonal naive, ETS, Theta, MSTL, Croston/ADIDA, Prophet or their combination), skipping topics whose series has not changed, then store new alerts:
    emerging, surge, fading and unassigned growth.

    Example: topicpulse forecast --workers 2
    """
    from pipelines.alerts import detect_alerts
    from pipelines.forecast import forecast_topics

    settings = settings_of(ctx)
    if workers is not None:
        settings = settings.updated("forecast", workers=workers)
    with open_store(settings) as store:
        report = forecast_topics(settings, store)
        found = detect_alerts(settings, store) if alerts else []
    if report.series == 0:
        typer.echo("No topic volumes yet: run `topicpulse topics` (and `topicpulse assign`) first.")
        return
    typer.echo(
        f"forecast run {report.run_id}: {report.series} series, {report.refitted} forecast "
        f"({report.chosen_text()}), {report.skipped} unchanged, "
        f"{len(report.failed)} failed, {report.seconds:.1f}s"
    )
    for failure in report.failed:
        typer.echo(f"  failed: {failure}")
    if alerts:
        typer.echo(f"{len(found)} new alerts")
        for alert in found:
            typer.echo(f"  [{alert.severity}] {alert.kind} {alert.day}: {alert.explanation}")
