"""The machine-wide model cache: prepared models built once per machine, safe to build from two processes.

Converting the offline default and exporting it to int8 ONNX cost about half a minute each, the
same on every data folder. Both are named by a checksum of what they are made from, so they
live in one cache shared by every store of the user (``default_cache_dir``: ``$XDG_CACHE_HOME``
or ``~/.cache``, then ``topicpulse``). ``prepare_once`` builds an entry under an exclusive file
lock into a staging name beside it and renames it into place, so a second process waits and then
finds it ready, a reader never sees half a model, and a build killed halfway leaves only a
staging folder that the next build removes.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """Where prepared models live unless ``embedding.cache_dir`` says otherwise."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "topicpulse"


@contextmanager
def _exclusive(target: Path) -> Iterator[None]:
    """Hold the lock file beside ``target``; the kernel releases it if the process dies."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another process preparing %s", target)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def prepare_once(
    target: Path, build: Callable[[Path], object], *, ready: Callable[[Path], bool], force: bool = False
) -> Path:
    """``target``, built by ``build(staging_path)`` unless ``ready(target)`` already holds.

    Only one process builds a given target at a time; the others wait for its lock and reuse
    the result. ``force`` rebuilds even a ready target (replacing it when the build is done).
    """
    if ready(target) and not force:
        return target
    with _exclusive(target):
        if ready(target) and not force:
            return target
        for stale in target.parent.glob(f".{target.name}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            staged = work / target.name
            build(staged)
            if not ready(staged):
                raise RuntimeError(f"preparing {target} produced no usable result at {staged}")
            if target.exists():
                _remove(target)
            os.replace(staged, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target
