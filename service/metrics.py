"""Prometheus metrics for one app: each app owns its registry, so tests and workers never collide."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_JOB_BUCKETS = (1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400)


class ServiceMetrics:
    """Request counts and latencies by route template, job durations and comments ingested."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "topicpulse_http_requests",
            "HTTP requests by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "topicpulse_http_request_duration_seconds",
            "HTTP request latency by method and route template.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.job_duration = Histogram(
            "topicpulse_job_duration_seconds",
            "Wall time of background jobs by kind and final status.",
            ["kind", "status"],
            buckets=_JOB_BUCKETS,
            registry=self.registry,
        )
        self.comments_ingested = Counter(
            "topicpulse_comments_ingested",
            "Comments accepted through the API, by outcome (accepted, duplicate, rejected).",
            ["outcome"],
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def observe_ingest(self, *, accepted: int, duplicates: int, rejected: int) -> None:
        self.comments_ingested.labels("accepted").inc(accepted)
        self.comments_ingested.labels("duplicate").inc(duplicates)
        self.comments_ingested.labels("rejected").inc(rejected)

    def render(self) -> bytes:
        return generate_latest(self.registry)
