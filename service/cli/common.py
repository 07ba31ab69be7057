"""What every command shares: the settings from the root callback, and the store it opens."""

from __future__ import annotations

import click
import typer

from config import Settings
from store import Store, StoreError


def settings_of(ctx: typer.Context) -> Settings:
    return ctx.find_root().obj


def open_store(settings: Settings) -> Store:
    """Open the configured store, or stop the command with a message that says what to do."""
    try:
        return Store(settings.store_path)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
