"""Logging for both servers: every record passes through masking, and ZX_LOG_FORMAT=json gives one
JSON object per line for the log pipeline.

Code logs ticket numbers and types of errors on purpose, never a merchant's words; this filter is
the safety net for what slips through (a library quoting a value, an exception message): phones,
merchant and card numbers are masked before any handler writes the line.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Optional

from runtime.settings import Observability, settings
from shapes.masking import redact


def _mask(record: logging.LogRecord) -> logging.LogRecord:
    message = record.getMessage()
    masked = redact(message)
    if masked != message:
        record.msg, record.args = masked, ()
    return record


class RedactingFilter(logging.Filter):
    """For one handler (tests); mask_all_logs() masks every record of the process instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        _mask(record)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def mask_all_logs(config: Optional[Observability] = None) -> None:
    """Mask every log record of this process as it is made, whichever logger or handler (Rasa and
    Sanic add their own later); with ZX_LOG_FORMAT=json, format the root's handlers as JSON."""
    config = config or settings().observability
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "masks", False):
        return
    masked = lambda *args, **kwargs: _mask(make_record(*args, **kwargs))  # noqa: E731
    masked.masks = True
    logging.setLogRecordFactory(masked)
    if config.log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
