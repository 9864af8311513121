"""Prometheus metrics (prometheus-client), served on ZX_METRICS_PORT — a port apart from the one
merchants reach, so only the cluster's Prometheus scrapes it. Unset: no metrics server.

Each process (Rasa server, action server) serves its own; names say what is counted where.
"""

from __future__ import annotations

import logging
from typing import Optional

from prometheus_client import Counter, Histogram, start_http_server

from runtime.settings import Observability, settings

log = logging.getLogger(__name__)

# Rasa server (web channel)
TURNS = Counter("zhuxiao_turns_total", "Merchant messages handled by the web chat, by outcome", ["outcome"])
TURN_SECONDS = Histogram(
    "zhuxiao_turn_seconds",
    "Time from a merchant's message to the end of the bot's answer",
    buckets=(0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0),
)
# Action server
FALLBACKS = Counter("zhuxiao_fallbacks_total", "Messages not understood, by stage", ["stage"])
HANDOFFS = Counter("zhuxiao_handoffs_total", "Conversations queued for a person, by reason", ["reason"])
TICKETS_OPENED = Counter("zhuxiao_tickets_opened_total", "Deregistration applications submitted")
# Both
ERRORS = Counter("zhuxiao_errors_total", "Errors a merchant was told about, by kind", ["kind"])
STORE_TIMEOUTS = Counter("zhuxiao_store_timeouts_total", "Blocking calls abandoned after their time limit", ["pool"])
RATE_LIMITED = Counter("zhuxiao_rate_limited_total", "Requests refused by a rate limit, by rule", ["rule"])


def serve_metrics(config: Optional[Observability] = None) -> None:
    """Start the metrics endpoint if ZX_METRICS_PORT is set (on ZX_METRICS_HOST, default loopback)."""
    config = config or settings().observability
    if config.metrics_port is None:
        return
    start_http_server(config.metrics_port, addr=config.metrics_host)
    log.info("metrics on http://%s:%s/metrics", config.metrics_host, config.metrics_port)
