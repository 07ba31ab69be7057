"""What every command shares: the settings from the root callback, the store it opens, and the
one way a command fails.

A ``TopicPulseError`` (bad input, configuration or data: the user's to fix) ends a command with
``Error: <message>`` on one line of stderr and exit status 1; its traceback goes to the debug log
(``--log-level debug``). Usage errors (a bad option value) stay click's, with exit status 2.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from config import Settings, TopicPulseError

if TYPE_CHECKING:
    from store import Store

log = logging.getLogger(__name__)

Command = TypeVar("Command", bound=Callable[..., None])


def settings_of(ctx: typer.Context) -> Settings:
    return ctx.find_root().obj


def open_store(settings: Settings) -> Store:
    """Open the configured store; a file held by another process raises ``StoreError`` (a domain error)."""
    from store import Store

    return Store(settings.store_path)


def one_line(message: str) -> str:
    """A message on one line: its lines joined, blank ones dropped."""
    return " ".join(line.strip() for line in message.splitlines() if line.strip())


def fail(error: BaseException) -> typer.Exit:
    """Print the error on one line and give the exit to raise; the traceback only in the debug log."""
    log.debug("command failed", exc_info=error)
    typer.echo(f"Error: {one_line(str(error))}", err=True)
    return typer.Exit(1)


def domain_errors(command: Command) -> Command:
    """``command``, ending with ``fail`` on a ``TopicPulseError`` instead of a traceback."""

    @functools.wraps(command)
    def run(*args: object, **kwargs: object) -> None:
        try:
            command(*args, **kwargs)
        except TopicPulseError as exc:
            raise fail(exc) from exc

    return run  # type: ignore[return-value]
