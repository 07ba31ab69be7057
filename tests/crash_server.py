"""A stand-in for a server killed during a topic run: ``python -m tests.crash_server DATA_DIR PID_FILE``.

It runs a topic job the way the service does (a job row through ``JobRunner``, a topic run row
marked running, the fit in a ``worker_pool`` process), except that its fit only waits, so the
test can kill the server at a known moment. The worker writes its pid to PID_FILE once it runs.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from pipelines.jobs import JobContext
from config import Settings
from pipelines.workers import worker_pool
from service.jobs import JobRunner
from service.metrics import ServiceMetrics
from store import Store
from store import topics as topic_store


def waiting_fit(pid_file: str) -> None:
    """The fit: say which process it runs in, then wait to be killed."""
    Path(pid_file).write_text(str(os.getpid()))
    while True:
        time.sleep(0.2)


def _topics_job(pid_file: str):
    def run(settings: Settings, store: Store, job: JobContext) -> dict:
        topic_store.start_run(store, {"fit": "waiting"})
        with worker_pool(1) as pool:
            pool.submit(waiting_fit, pid_file).result()
        return {}

    return run


def main(data_dir: str, pid_file: str) -> None:
    settings = Settings(data_dir=Path(data_dir))
    store = Store(settings.store_path)
    runner = JobRunner(settings, store, ServiceMetrics(), kinds={"topics": _topics_job(pid_file)})
    runner.submit(store, "topics")
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main(*sys.argv[1:3])
