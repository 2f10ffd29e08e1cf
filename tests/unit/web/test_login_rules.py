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


def test_throttle_per_name_and_address_with_growing_delays() -> None:
    th = LoginThrottle(limit=3, base=60.0, cap=600.0, max_keys=6)
    keys = th.keys("lead", "10.0.0.1")
    for i in range(3):
        assert th.wait(keys, 100.0 + i) == 0
        th.failed(keys, 100.0 + i)
    assert th.wait(keys, 103.0) == pytest.approx(59.0)  # a minute after the third
    # The name from another address, and another name from this one: not held back.
    assert th.wait(th.keys("lead", "10.0.0.2"), 103.0) == 0
    assert th.wait(th.keys("other", "10.0.0.1"), 103.0) == 0
    th.failed(keys, 170.0)  # once the minute is over, one more failure: two minutes
    assert th.wait(keys, 170.0) == pytest.approx(120.0)
    th.failed(keys, 300.0)
    assert th.wait(keys, 300.0) == pytest.approx(240.0)
    for _ in range(10):  # ever longer, but never past the cap
        th.failed(keys, 600.0)
    assert th.wait(keys, 600.0) == pytest.approx(600.0)
    assert th.wait(keys, 600.0 + 600 + 60) == 0  # quiet for the wait and a minute: forgotten
    # The address over all names: four times the limit, then it waits for any name.
    for i in range(12):
        th.failed(th.keys(f"user{i}", "10.0.0.3"), 700.0)
    assert th.wait(th.keys("fresh", "10.0.0.3"), 701.0) == pytest.approx(59.0)
    assert th.wait(th.address("10.0.0.3"), 701.0) > 0  # the gate in front of the form too
    assert th.wait(th.keys("fresh", "10.0.0.4"), 701.0) == 0


def test_throttle_undo_forget_and_bounded_memory() -> None:
    th = LoginThrottle(limit=3, base=60.0, max_keys=4)
    keys = th.keys("lead", "10.0.0.3")
    th.failed(keys, 110.0)
    th.undo(keys)  # that attempt succeeded after all
    assert th.wait(keys, 111.0) == 0 and not th._fails
    for _ in range(3):
        th.failed(keys, 120.0)
    th.undo(keys)
    th.forget(keys[0])
    assert th.wait(keys, 121.0) == 0
    for n in range(10):  # memory stays bounded
        th.failed(th.address(f"10.1.0.{n}"), 200.0)
    assert len(th._fails) == 4
