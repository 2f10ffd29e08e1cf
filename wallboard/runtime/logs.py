"""Log lines: readable text or one JSON object a line, configured secrets redacted in both."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal, TextIO

__all__ = ["TEXT_FORMAT", "JsonFormatter", "RedactSecrets", "setup_logging"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"
# A kiosk token in an address (`/kiosk?token=…`), whoever made it: the configuration's
# are known here, but those made in /admin/tokens are stored hashed and never are.
_TOKEN_IN_URL = re.compile(r"([?&]token=)[^&\s\"'#]+", re.IGNORECASE)


class RedactSecrets(logging.Filter):
    """Replaces every configured secret in a record's message (and traceback) by a marker.

    A filter on the handler, not on a logger: it sees the records of every logger, also
    aiohttp's or uvicorn's, which may print a URL with a token in it.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: list[str] = []
        self.update(secrets)

    def update(self, secrets: Iterable[str]) -> None:
        """Redact these too (longest first, so a secret containing another goes whole)."""
        known = set(self.secrets) | {s for s in secrets if len(s) >= 3}
        self.secrets = sorted(known, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for s in self.secrets:
            if s in text:
                text = text.replace(s, REDACTED)
        if "token=" in text.lower():
            text = _TOKEN_IN_URL.sub(rf"\1{REDACTED}", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self._clean(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_text is None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, exception."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = record.exc_text
        if record.threadName and record.threadName != "MainThread":
            out["thread"] = record.threadName
        return json.dumps(out, ensure_ascii=False)


def setup_logging(
    fmt: Literal["text", "json"] = "text",
    level: int | str = logging.INFO,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> RedactSecrets:
    """Configure the root logger (replacing its handlers); the redaction filter it uses."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    redact = RedactSecrets(secrets)
    handler.addFilter(redact)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return redact
