"""Running jobs from the service, and how the service shares one DuckDB file with them.

DuckDB lets one process open a database file for writing, so the design is:

* **The service process owns the DuckDB file.** It opens the ``Store`` once at start-up.
  Anything else that wants to change the data (an operator's CLI, the scheduler) goes through
  the API, or runs while the service is stopped; the CLI against a running service stops with
  a clear ``StoreError`` ("in use by another process ... send the request through its API")
  because DuckDB's file lock refuses a second writer. It never corrupts the file or waits.
* **Jobs run beside the event loop, never on it.** ``POST /runs``, ``/forecasts`` and ``/assign``
  record the job row (``pipelines.jobs.start_job``) and answer 202 with its id at once; the
  work (``pipelines.jobs.execute_job``) runs on a worker thread, one single-thread executor per
  job kind. ``start_job`` refuses (409) a job while one of the same kind, or of a kind sharing a
  stage with it (``pipelines.jobs.STAGES``: a topic run and an assignment both embed), is queued
  or running; kinds that share nothing, such as a forecast and an inbox ingest, run side by side.
* **Heavy compute holds no lock.** The pipelines split each job into: load inputs from the store
  (a read), pure compute on arrays, then one short write transaction. ``Store.transaction``
  serialises writers inside this process, and only for that last step. The topic fit (UMAP,
  HDBSCAN, c-TF-IDF: ``pipelines.topics.compute_topics``) runs in a fresh worker process
  (``pipelines.jobs`` starts one per topic job), and Prophet fits run in worker processes
  (``forecast.workers``). Embedding runs on the job's thread in ONNX Runtime or torch, which
  release the GIL while they compute, and commits one batch at a time.
* **The scheduler** (``schedule.enabled``) runs inside the service on its own thread and
  connection, through the same jobs table and locks.
* **Reads keep working while a run is in progress.** Every request and every job thread gets its
  own connection (``Store.view()``). DuckDB's MVCC gives each reader a consistent
  snapshot, so ``GET /topics`` answers from the previous run until the new run commits.
* **A crash leaves nothing "running".** On start-up the service calls
  ``pipelines.jobs.recover_crashed_jobs`` before it accepts requests, which fails the jobs, topic
  runs and ingest batches a dead process left running, with the reason. Worker processes
  (``pipelines.workers``) exit when the process that started them dies, so a killed server leaves
  no orphan fit using CPU. On shutdown the service lets running jobs finish and drops queued ones.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from pipelines.jobs import JobFunction, execute_job, start_job
from config import Settings
from service.metrics import ServiceMetrics
from store import Store

log = logging.getLogger(__name__)


class JobRunner:
    """Starts jobs (a row now, the work on a per-kind worker thread) and times them."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        metrics: ServiceMetrics,
        *,
        kinds: Mapping[str, JobFunction] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.metrics = metrics
        self.kinds = kinds
        self._executors: dict[str, ThreadPoolExecutor] = {}
        self._lock = threading.Lock()

    def submit(self, store: Store, kind: str, params: dict | None = None) -> int:
        """Record a job of ``kind`` and queue its work; raises ``JobAlreadyRunning``."""
        job_id = start_job(self.settings, store, kind, params, trigger="api", kinds=self.kinds)
        with self._lock:
            executor = self._executors.get(kind)
            if executor is None:
                executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"job-{kind}")
                self._executors[kind] = executor
        executor.submit(self._execute, kind, job_id)
        return job_id

    def _execute(self, kind: str, job_id: int) -> None:
        store = self.store.view()
        started = time.perf_counter()
        status = "failed"
        try:
            status = execute_job(self.settings, store, job_id, kinds=self.kinds)["status"]
        except Exception:  # misuse inside the runner; the thread's last chance to say so
            log.exception("job %s (%s) could not run", job_id, kind, extra={"job_id": job_id})
        finally:
            store.close()
            self.metrics.job_duration.labels(kind, status).observe(time.perf_counter() - started)

    def shutdown(self) -> None:
        """Let running jobs finish; drop the ones still queued."""
        with self._lock:
            executors = list(self._executors.values())
            self._executors.clear()
        for executor in executors:
            executor.shutdown(wait=True, cancel_futures=True)
