"""Login rules: `next` only within the site, and the failed-login throttle."""

from __future__ import annotations

import pytest

from wallboard.web.pages.login import safe_target
from wallboard.web.throttle import LoginThrottle


@pytest.mark.parametrize(
    "target",
    [
        "/%5Cevil.example/",
        "/%09/evil.example/",
        "//evil",
        "/\\evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "/%2F/evil.example",
        "/%255Cevil.example/",
        "/board\r\nSet-Cookie: x=1",
        "",
    ],
)
def test_next_off_site_becomes_home(target: str) -> None:
    assert safe_target(target) == "/"


@pytest.mark.parametrize("target", ["/", "/board/floor", "/history?day=2026-03-02", "/agent/201"])
def test_next_on_site_is_kept(target: str) -> None:
    assert safe_target(target) == target


def test_throttle_per_key_window_and_forget() -> None:
    th = LoginThrottle(limit=3, window=60.0, max_keys=4)
    keys = ("user:lead", "addr:10.0.0.1")
    for i in range(3):
        assert th.wait(keys, 100.0 + i) == 0
        th.failed(keys, 100.0 + i)
    assert th.wait(keys, 103.0) == pytest.approx(57.0)  # the oldest failure ages out at 160
    assert th.wait(("user:other", "addr:10.0.0.1"), 103.0) > 0  # same address
    assert th.wait(("user:lead", "addr:10.0.0.2"), 103.0) > 0  # same user
    assert th.wait(keys, 160.5) == 0
    th.failed(("addr:10.0.0.3",), 110.0)
    th.undo(("addr:10.0.0.3",), 110.0)  # that attempt succeeded after all
    assert th.wait(("addr:10.0.0.3",), 111.0) == 0 and "addr:10.0.0.3" not in th._fails
    th.forget("user:lead")
    assert th.wait(("user:lead", "addr:10.0.0.9"), 103.0) == 0
    for n in range(10):  # memory stays bounded
        th.failed((f"addr:{n}",), 200.0)
    assert len(th._fails) == 4
