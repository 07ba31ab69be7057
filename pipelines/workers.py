"""Worker processes that die with the process that started them.

Topic fits (UMAP, HDBSCAN) and forecast fits run in spawned worker processes. When their parent
is killed (kill -9, the OOM killer) nothing tells a busy worker: it would compute on as an orphan,
holding CPU and memory for a result nobody will read. Each worker therefore runs a watchdog
thread that ends the process as soon as its parent is gone (its parent pid changes when it is
re-parented). Polling works on every platform, unlike Linux's parent-death signal, which fires
when the parent *thread* that started the worker ends rather than the parent process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

WATCH_SECONDS = 0.5
"""How often a worker checks that its parent is alive; an orphan lives at most about this long."""


def worker_pool(max_workers: int) -> ProcessPoolExecutor:
    """A pool of ``max_workers`` spawned processes that exit when this process dies.

    ``spawn`` rather than ``fork``: the parent holds DuckDB and thread pools that must not be copied.
    """
    return ProcessPoolExecutor(
        max_workers=max_workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=watch_parent,
        initargs=(os.getpid(),),
    )


def watch_parent(parent_pid: int) -> None:
    """Start the watchdog in this worker (the pool's initializer)."""
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), name="parent-watchdog", daemon=True).start()


def _exit_when_orphaned(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCH_SECONDS)
    os._exit(1)
