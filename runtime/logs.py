"""Structured logs: key=value on a terminal, one JSON object per line for a log shipper.

A log is read by more people than the API is, and kept longer: it must never hold a credential
or a caller's words. So tracebacks are plain text without local variables (a rich traceback
with locals printed the request's Authorization header), anything shaped like a credential is
masked in every field, and every field is cut to a bounded length, so one failing request can
add only a few kilobytes however often it is repeated.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

MASK = "[redacted]"
MAX_FIELD_CHARS = 2_000
MAX_EXCEPTION_CHARS = 16_000

_CREDENTIALS = re.compile(
    r"(?P<scheme>\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]+"  # an Authorization header's value
    r"|\bcqa_[A-Za-z0-9_-]+"  # a callqa API token wherever it appears
    r"|(?P<userinfo>\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+(?=@)",  # the password in a URL
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """`text` with every credential masked: header values, callqa tokens, passwords in URLs."""

    def mask(match: re.Match[str]) -> str:
        return (match.group("scheme") or match.group("userinfo") or "") + MASK

    return _CREDENTIALS.sub(mask, text)


def _bounded(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]}\n... [{len(text) - limit} characters cut] ...\n{text[-limit // 2 :]}"


def scrub(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor: every value rendered as text is redacted and cut to size."""
    for key, value in event.items():
        if key.startswith("_") or value is None or isinstance(value, bool | int | float):
            continue
        limit = MAX_EXCEPTION_CHARS if key == "exception" else MAX_FIELD_CHARS
        event[key] = _bounded(redact(value if isinstance(value, str) else repr(value)), limit)
    return event


def configure_logging(fmt: str = "console", level: str = "INFO", stream: TextIO | None = None) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                # the stack trace as plain text (no locals), in the console and in JSON alike
                structlog.processors.format_exc_info,
                scrub,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("faster_whisper", "httpx", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
