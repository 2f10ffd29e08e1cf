"""The connector's pure parts: backoff, URLs, frame slicing, login replies, redaction, recorder."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.conftest import realtime
from wallboard.commands.replay import frames, replay_all
from wallboard.config import VendorSettings, load_settings
from wallboard.errors import ConfigError, VendorAuthError
from wallboard.runtime.hub import Hub
from wallboard.voicenter.connector import Backoff
from wallboard.voicenter.eio3 import _event_frame, socket_url
from wallboard.voicenter.login import _legacy_session, monitor_servers, parse_expiry, redact
from wallboard.voicenter.recording import RecordedFrame, Recorder


def test_backoff_grows_is_jittered_and_capped() -> None:
    lows = Backoff(2.0, 120.0, rng=lambda: 0.0)
    highs = Backoff(2.0, 120.0, rng=lambda: 1.0)
    low = [lows.next() for _ in range(10)]
    high = [highs.next() for _ in range(10)]
    assert high[:4] == [2.0, 4.0, 8.0, 16.0]
    assert low[:4] == [1.0, 2.0, 4.0, 8.0]  # jitter: between half and the whole
    assert max(high) == 120.0 and high[-1] == 120.0
    highs.reset()
    assert highs.next() == 2.0


def test_backoff_never_hammers_even_at_its_shortest() -> None:
    b = Backoff(2.0, 120.0)
    assert all(b.next() >= 1.0 for _ in range(50))


def test_socket_url_for_each_scheme() -> None:
    assert socket_url("https://m1.example.com", "t", 3) == (
        "wss://m1.example.com/socket.io/?EIO=3&transport=websocket&token=t"
    )
    assert socket_url("http://127.0.0.1:81/ignored", "a b", 3).startswith(
        "ws://127.0.0.1:81/socket.io/?EIO=3&transport=websocket&token=a+b"
    )
    assert socket_url("m2.example.com", "t", 4).startswith("wss://m2.example.com/socket.io/?EIO=4")


@pytest.mark.parametrize(
    ("packet", "frame"),
    [
        ('42["loginSuccess",{}]', '["loginSuccess",{}]'),
        ('4212["x",1]', '["x",1]'),  # with an ack id
        ('42/monitor,["x",1]', '["x",1]'),  # with a namespace
    ],
)
def test_event_frame_is_sliced_from_the_packet(packet: str, frame: str) -> None:
    assert _event_frame(packet) == frame


def test_legacy_reply_starts_on_url_then_keeps_url_list_order() -> None:
    reply = {
        "Data": {
            "Socket": {
                "Token": "secret-token",
                "TokenExpiry": 1_900_000_000,
                "RefreshToken": "r",
                "Url": "https://b",
                "URLList": ["https://a", "https://b"],
                "Version": "3",
            }
        }
    }
    s = _legacy_session(reply, "u", "login", VendorSettings())
    assert s.servers == ("https://b", "https://a")  # `Url` is where the SDK connects
    assert s.expires_at == 1_900_000_000 and s.expiry_known
    assert "secret-token" not in repr(s)


def test_legacy_reply_without_token_is_refused_with_the_vendor_message() -> None:
    with pytest.raises(VendorAuthError, match="Wrong password"):
        _legacy_session(
            {"Data": {"ErrorMessage": "Wrong password"}}, "u", "login", VendorSettings()
        )


def test_monitor_list_is_sorted_by_falling_priority() -> None:
    # As the SDK's default list: the highest Priority is the main server, 0 the fallback.
    data = {
        "MonitorList": [
            {"Domain": "m0.example.com", "Priority": 0},
            {"Domain": "https://m5.example.com", "Priority": 5},
            {"Domain": "m3.example.com", "Priority": 3},
            {"Domain": "m3b.example.com", "Priority": 3},  # a tie keeps the list's order
            {"Priority": 4},  # no domain: ignored
        ]
    }
    assert monitor_servers(data) == [
        "https://m5.example.com",
        "https://m3.example.com",
        "https://m3b.example.com",
        "https://m0.example.com",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2030-01-02T03:04:05Z", 1893553445.0),
        ("2030-01-02T03:04:05.1234567+00:00", 1893553445.1234),  # .NET's 7 digits
        ("2030-01-02T05:04:05+02:00", 1893553445.0),
        ("2030-01-02T03:04:05", 1893553445.0),  # no zone: UTC
        ("2030-01-02 03:04:05", 1893553445.0),
        (1893553445, 1893553445.0),
        (1893553445123, 1893553445.123),  # milliseconds
        ("1893553445", 1893553445.0),
        ("/Date(1893553445000)/", 1893553445.0),
        ("next tuesday", None),
        ("", None),
        (3600, None),  # a duration is no date
        (None, None),
        (True, None),
        ({"when": 1}, None),
    ],
)
def test_expiry_is_read_as_the_sdks_date(value: object, expected: float | None) -> None:
    got = parse_expiry(value)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1e-3)


def test_an_unreadable_expiry_is_a_safe_default_never_never() -> None:
    reply = {"Data": {"Socket": {"Token": "t", "TokenExpiry": "soon", "Url": "https://a"}}}
    settings = VendorSettings(expiry_fallback_seconds=120)
    s = _legacy_session(reply, "u", "login", settings)
    assert not s.expiry_known
    left = s.expires_in()
    assert left is not None and 115 < left <= 120


def test_redact_hides_every_secret() -> None:
    text = "wss://h/socket.io/?token=abc123&x=1 refused abc123, pw hunter2"
    assert (
        redact(text, ["abc123", "hunter2", ""])
        == "wss://h/socket.io/?token=***&x=1 refused ***, pw ***"
    )


def test_new_vendor_keys_load_and_validate(tmp_path: Path) -> None:
    f = tmp_path / "w.toml"
    f.write_text(
        '[vendor]\nservers = ["https://m1"]\nping_interval_seconds = 5\n'
        '[vendor.server_protocols]\n"m1" = "eio4"\n'
    )
    s = load_settings(f, env={})
    assert s.vendor.servers == ["https://m1"]
    assert s.vendor.server_protocols == {"m1": "eio4"}
    f.write_text("[vendor]\npong_timeout_seconds = 0\n")
    with pytest.raises(ConfigError, match="pong_timeout_seconds"):
        load_settings(f, env={})


def test_example_config_loads() -> None:
    example = Path(__file__).resolve().parents[3] / "config.example.toml"
    s = load_settings(example, env={})
    assert s.vendor.keepalive_seconds == 60
    assert s.vendor.ping_interval_seconds + s.vendor.pong_timeout_seconds < 20


def test_recorder_lines_replay_through_the_fold(tmp_path: Path) -> None:
    rec = Recorder(tmp_path, max_bytes=10_000_000, file_max_bytes=1_000_000)
    t = time.time()
    for i, name in enumerate(("00", "01", "02", "06")):
        rec.write(t + i, json.dumps(json.loads(realtime(name)), separators=(",", ":")))
    rec.close()
    got = [f for f in frames(tmp_path) if isinstance(f, RecordedFrame)]
    assert [json.loads(f.frame)[0] for f in got] == [
        "loginSuccess",
        "loginStatus",
        "AllExtensionsStatus",
        "ExtensionEvent",
    ]
    assert got[0].received == pytest.approx(t, abs=0.001)
    hub = Hub()
    assert replay_all(hub, tmp_path) == 0
    assert hub.state.agents and hub.state.queues


def test_recorder_rotates_by_day_and_size_and_stays_under_the_cap(tmp_path: Path) -> None:
    frame = '["ExtensionEvent",' + json.dumps({"data": {"number": 1, "pad": "x" * 900}}) + "]"
    rec = Recorder(tmp_path, max_bytes=60_000, file_max_bytes=10_000)
    day1 = 1_800_000_000.0
    for i in range(30):
        rec.write(day1 + i, frame)
    rec.write(day1 + 86_400, frame)  # the next UTC day starts a new file
    for i in range(200):
        rec.write(day1 + 86_401 + i, frame)
    rec.close()
    files = sorted(p.name for p in tmp_path.glob("events-*.jsonl"))
    assert len(files) >= 3
    assert sum(os.path.getsize(tmp_path / f) for f in files) <= 60_000 + 10_000
    days = {f.split("-")[1] for f in files}
    assert time.strftime("%Y%m%d", time.gmtime(day1 + 86_400)) in days
    assert files == sorted(files)  # names sort in time order


def test_the_identity_login_body_spells_the_kind_as_the_sdk() -> None:
    """VoicenterEventsSDK (`next`): `identityType` is its `LoginType` enum, "User"/"Token"."""
    from pydantic import SecretStr

    from wallboard.voicenter.login import _identity_body

    user = VendorSettings(login_type="user", email="a@b.example", password=SecretStr("pw"))
    assert _identity_body(user) == {
        "identityType": "User",
        "username": "a@b.example",
        "password": "pw",
    }
    token = VendorSettings(login_type="token", token=SecretStr("t0k"))
    assert _identity_body(token) == {"identityType": "Token", "token": "t0k"}
    account = VendorSettings(login_type="account", username="acme", password=SecretStr("pw"))
    assert _identity_body(account)["identityType"] == "Account"
