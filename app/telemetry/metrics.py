"""The process's Prometheus metrics (``prometheus_client``'s default registry).

Counters and histograms live for the process and are written where the work happens: the
HTTP middleware (requests), the search route (its stages), the embedding worker (notes and
rounds), the webhook worker (deliveries). What is read from the database or the pool at scrape
time (queue depth and age, pending deliveries, connections in use) is gathered per scrape by
``app.http.telemetry``. Labels are route templates, methods, statuses and fixed names: never
an id, a query or a user.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Sub-second buckets where an API answers, a long tail for imports and briefs under load.
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("tacit_http_requests", "HTTP requests answered.", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "tacit_http_request_duration_seconds",
    "Time to answer an HTTP request, from its first byte in to its last byte out.",
    ["method", "route"],
    buckets=_LATENCY,
)
SEARCH_STAGE_SECONDS = Histogram(
    "tacit_search_stage_duration_seconds",
    "Time spent in each stage of a search (understanding, embedding, retrieval, ranking, shaping).",
    ["stage"],
    buckets=_LATENCY,
)
EMBEDDED_NOTES = Counter("tacit_embedded_notes", "Notes the embedding worker embedded.")
EMBEDDING_ROUND_SECONDS = Histogram(
    "tacit_embedding_round_duration_seconds",
    "Time for one round of the embedding worker (claim, embed, store).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
WEBHOOK_DELIVERIES = Counter(
    "tacit_webhook_deliveries", "Webhook delivery attempts, by outcome.", ["outcome"]
)
