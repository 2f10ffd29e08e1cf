"""Log lines: text or JSON, and configured secrets never in either."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from wallboard.config import load_settings, secrets_of
from wallboard.runtime.logs import REDACTED, setup_logging

ENV = {
    "WALLBOARD_VENDOR_PASSWORD": "hunter2-vendor",
    "WALLBOARD_VENDOR_TOKEN": "tok-9c1e7",
    "WALLBOARD_CDR_SECRET": "cdr-secret-55",
    "WALLBOARD_WEB_STORAGE_SECRET": "storage-secret-77",
    "WALLBOARD_API_CODE": "api-code-31",
}


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _log_everything(log: logging.Logger) -> None:
    log.warning("login with %s failed", "hunter2-vendor")
    log.info("GET /socket.io/?token=tok-9c1e7&EIO=3 cdr=cdr-secret-55")
    log.error("session secret storage-secret-77 and api code api-code-31")
    try:
        raise RuntimeError("refused: hunter2-vendor")
    except RuntimeError:
        log.exception("with a traceback")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_are_redacted_in_both_formats(fmt, restore_root):
    settings = load_settings(None, env=ENV)
    assert len(secrets_of(settings)) == 5
    out = io.StringIO()
    setup_logging(fmt, "INFO", secrets_of(settings), stream=out)
    _log_everything(logging.getLogger("aiohttp.client"))  # any logger, not only ours
    text = out.getvalue()
    for secret in ENV.values():
        assert secret not in text
    assert text.count(REDACTED) >= 6
    lines = text.splitlines()
    if fmt == "json":
        records = [json.loads(line) for line in lines if line.startswith("{")]
        assert [r["level"] for r in records] == ["WARNING", "INFO", "ERROR", "ERROR"]
        assert records[0]["message"] == f"login with {REDACTED} failed"
        assert records[0]["logger"] == "aiohttp.client"
        assert "RuntimeError" in records[3]["exception"]
        assert records[0]["time"].endswith("+00:00")
    else:
        assert f"WARNING aiohttp.client: login with {REDACTED} failed" in lines[0]


def test_cli_takes_the_log_format_from_flag_or_config(tmp_path, capsys, restore_root):
    from wallboard.cli import main

    cfg = tmp_path / "wb.toml"
    cfg.write_text('[log]\nformat = "json"\n', encoding="utf-8")
    missing = str(tmp_path / "nope.jsonl")
    assert main(["--config", str(cfg), "replay", missing]) == 2
    assert isinstance(logging.getLogger().handlers[0].formatter, logging.Formatter)
    logging.getLogger("x").warning("hello")
    assert json.loads(capsys.readouterr().err.splitlines()[-1])["message"] == "hello"
    assert main(["replay", missing, "--log-format", "text"]) == 2
    logging.getLogger("x").warning("plain")
    assert capsys.readouterr().err.splitlines()[-1].endswith("WARNING x: plain")


def test_every_metric_is_documented_for_operators():
    from pathlib import Path

    from prometheus_client.parser import text_string_to_metric_families

    from wallboard.runtime import metrics

    doc = (Path(__file__).resolve().parents[3] / "docs" / "operations.md").read_text("utf-8")
    names = [
        f.name + ("_total" if f.type == "counter" else "")
        for f in text_string_to_metric_families(metrics.exposition().decode())
        if f.name.startswith("wallboard_")
    ]
    assert len(names) == 17
    for name in names:
        assert f"`{name}`" in doc, name


def test_a_kiosk_token_nobody_configured_is_redacted_too(restore_root):
    # Tokens made in /admin/tokens are stored hashed: the filter cannot know them, so any
    # `token=` value in an address goes, as uvicorn's access line would print it.
    out = io.StringIO()
    setup_logging("text", secrets=[], stream=out)
    made = "Xq3_made-in-the-ui-7Hf0aZ"
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5555",
        "GET",
        f"/kiosk?boards=vip&token={made}&lang=he",
        "1.1",
        200,
    )
    text = out.getvalue()
    assert made not in text and f"token={REDACTED}&lang=he" in text
