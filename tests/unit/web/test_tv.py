""" "Show on a TV": the kiosk address, its QR code and the kiosk PC's command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from wallboard.web.pages.tv import CHROMIUM_SWITCHES, kiosk_address, kiosk_command, qr_svg

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def test_the_address_opens_one_board_with_its_token() -> None:
    got = kiosk_address("https://wb.example.com", "front-desk", "a_b-C")
    assert got == "https://wb.example.com/kiosk?boards=front-desk&token=a_b-C"
    # The open mode (no users): no token to give.
    assert kiosk_address("http://127.0.0.1:8080", "all", None).endswith("/kiosk?boards=all")


def test_the_command_is_one_line_with_the_kiosk_units_switches() -> None:
    address = "https://wb.example.com/kiosk?boards=x&token=t"
    command = kiosk_command(address)
    assert "\n" not in command
    assert shlex.split(command) == ["chromium", *CHROMIUM_SWITCHES, address]  # quoted: `&`
    unit = (DEPLOY / "wallboard-kiosk.service").read_text(encoding="utf-8")
    (start,) = re.findall(r"^ExecStart=/usr/bin/chromium (.*)$", unit, re.M)
    # The same switches as the TV's unit, but its own profile folder (a systemd `%h`).
    unit_switches = [f for f in start.split() if f.startswith("--")]
    assert [f for f in unit_switches if not f.startswith("--user-data-dir")] == list(
        CHROMIUM_SWITCHES
    )


def test_the_qr_code_is_an_svg_of_the_address() -> None:
    svg = qr_svg("https://wb.example.com/kiosk?boards=x&token=t")
    assert svg.startswith("data:image/svg+xml")
    assert svg == qr_svg("https://wb.example.com/kiosk?boards=x&token=t")
    assert svg != qr_svg("https://wb.example.com/kiosk?boards=x&token=u")
