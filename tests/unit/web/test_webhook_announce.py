"""What the start-up log says about the CDR webhook: a missing secret is a WARNING that
names what to add, never an ERROR (the boards work without the webhook)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from wallboard.config import CdrSettings
from wallboard.web.webhook import announce


def test_no_secret_is_a_warning_naming_the_key_to_add(caplog: pytest.LogCaptureFixture) -> None:
    intake = SimpleNamespace(cfg=CdrSettings(), secured=False)
    with caplog.at_level(logging.INFO, logger="wallboard.web.webhook"):
        announce(intake)  # type: ignore[arg-type]
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    text = record.getMessage()
    assert "[cdr]" in text and "secret" in text and "WALLBOARD_CDR_SECRET" in text
