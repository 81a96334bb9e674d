"""Prometheus metrics of the HTTP layer and the queue."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()
HTTP_REQUESTS = Counter(
    "retouch_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
HTTP_LATENCY = Histogram(
    "retouch_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120),
)
JOBS = Gauge("retouch_jobs", "Jobs by status", ["status"], registry=REGISTRY)
WORKERS_BUSY = Gauge("retouch_workers_busy", "Worker threads running a job", registry=REGISTRY)
