"""The set-up files in deploy/: parsed, their promises checked, and verified by systemd
where this machine has `systemd-analyze` (nginx and Caddy are not installed here: their
files are checked for what the wallboard needs of them)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = ["wallboard.service", "wallboard-kiosk.service", "wallboard-backup.service"]
KIOSK_FLAGS = [
    "--kiosk",
    "--noerrdialogs",
    "--disable-session-crashed-bubble",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-features=Translate,HttpsUpgrades",
    "--check-for-update-interval=31536000",
]


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A systemd unit as section → key → values (keys may repeat, as ExecStartPre does)."""
    out: dict[str, dict[str, list[str]]] = {}
    section = None
    for raw in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            assert line.endswith("]"), line
            section = line[1:-1]
            out[section] = {}
            continue
        assert section is not None and "=" in line, f"{name}: {line}"
        key, value = line.split("=", 1)
        out[section].setdefault(key, []).append(value)
    return out


def test_server_unit_is_notify_with_a_watchdog_and_restarts():
    svc = unit("wallboard.service")["Service"]
    assert svc["Type"] == ["notify"]
    assert int(svc["WatchdogSec"][0]) > 0
    assert svc["Restart"] == ["always"]
    assert svc["ExecStart"][0].split()[1:3] == ["run", "--config"]
    assert svc["Environment"] == ["WALLBOARD_DATA_DIR=/var/lib/wallboard"]
    assert "/var/lib/wallboard" not in svc.get("ReadWritePaths", [])  # StateDirectory does it
    assert svc["StateDirectory"] == ["wallboard"] and svc["ProtectSystem"] == ["strict"]


def test_kiosk_unit_has_the_flags_waits_for_the_server_and_keeps_the_screen_on():
    svc = unit("wallboard-kiosk.service")["Service"]
    (start,) = svc["ExecStart"]
    assert start.startswith("/usr/bin/chromium ")
    for flag in KIOSK_FLAGS:
        assert flag in start.split(), flag
    assert svc["Restart"] == ["always"]
    pre = svc["ExecStartPre"]
    assert "until curl" in pre[0] and "/healthz" in pre[0]  # first: wait for the server
    assert {"-/usr/bin/xset s off", "-/usr/bin/xset -dpms", "-/usr/bin/xset s noblank"} <= set(pre)


def test_backup_unit_uses_the_backup_command_on_a_timer():
    svc = unit("wallboard-backup.service")["Service"]
    assert "wallboard backup" in svc["ExecStart"][0]
    assert unit("wallboard-backup.timer")["Timer"]["OnCalendar"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_verifies_the_units(tmp_path):
    for name in [*UNITS, "wallboard-backup.timer"]:
        shutil.copy(DEPLOY / name, tmp_path / name)  # as system units, %h and all
    out = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / n) for n in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # The one thing it may say: the wallboard is not installed under /opt on this machine.
    problems = [
        line
        for line in (out.stdout + out.stderr).splitlines()
        if line.strip() and "/opt/wallboard/venv/bin/wallboard is not executable" not in line
    ]
    assert problems == []


def _blocks_balance(text: str) -> bool:
    depth = 0
    for ch in re.sub(r"'[^']*'|\"[^\"]*\"|#.*", "", text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def test_nginx_example_terminates_tls_and_passes_websockets():
    conf = (DEPLOY / "nginx" / "wallboard.conf").read_text(encoding="utf-8")
    assert _blocks_balance(conf)
    for line in [
        "listen 443 ssl;",
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_buffering off;",
        "ssl_certificate ",
    ]:
        assert line in conf, line
    body = [ln.strip() for ln in conf.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    for ln in body:  # every directive ends in ; or opens/closes a block
        assert ln.endswith((";", "{", "}")), ln


def test_nginx_examples_tell_the_origin_check_the_site():
    # web/csrf.py compares the live socket's Origin with the site as the browser sees it;
    # `Host $host` alone drops the port and the scheme, and every board stays empty.
    for conf in (DEPLOY / "nginx" / "wallboard.conf", DEPLOY / "cluster" / "nginx.conf"):
        text = conf.read_text(encoding="utf-8")
        assert _blocks_balance(text)
        assert "proxy_set_header X-Forwarded-Host $http_host;" in text, conf
        assert "proxy_set_header X-Forwarded-Proto $scheme;" in text, conf


def test_caddy_example_proxies_to_the_wallboard():
    conf = (DEPLOY / "caddy" / "Caddyfile").read_text(encoding="utf-8")
    assert _blocks_balance(conf)
    assert "reverse_proxy 127.0.0.1:8080" in conf
    assert "flush_interval -1" in conf
    assert re.search(r"^wallboard\.example\.com \{", conf, re.M)  # a site name: automatic TLS


def test_make_demo_installs_only_what_the_demo_needs():
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo_deps = re.search(r"^demo: (.+)$", make, re.M)
    assert demo_deps is not None and demo_deps.group(1).split() == ["$(BIN)/.runtime"]
    runtime = make.split("$(BIN)/.runtime: pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert "@$(PIP) -e ." in runtime and "[test]" not in runtime
    # Quiet: `make demo` ends with the address to open, no pip notice above it.
    assert "PIP := $(BIN)/pip install -qq --disable-pip-version-check" in make
