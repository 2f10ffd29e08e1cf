"""The set-up files in deploy/: parsed, and their promises checked (the tools that run
them, systemd, nginx, Caddy, promtool, nats-server, check them in
tests/integration/ops/test_deploy_tools.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wallboard.web.pages.tv import CHROMIUM_SWITCHES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# The units that serve boards (Type=notify, a watchdog, 1,000+ open tabs).
SERVERS = [
    "wallboard.service",
    "cluster/wallboard-web.service",
    "cluster/wallboard-ingest@.service",
]
SYSTEM_UNITS = [*SERVERS, "wallboard-backup.service", "cluster/nats.service"]
# The TV's switches, one definition: "Show on a TV" gives the same one-line command.
KIOSK_FLAGS = CHROMIUM_SWITCHES


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
    assert svc["ExecStart"][0].split()[1:3] == ["run", "--config"]
    assert svc["Restart"] == ["always"]


@pytest.mark.parametrize("name", SERVERS)
def test_every_role_is_notify_with_a_watchdog_its_state_kept_and_many_tabs(name: str):
    svc = unit(name)["Service"]
    assert svc["Type"] == ["notify"] and svc["NotifyAccess"] == ["main"]
    assert int(svc["WatchdogSec"][0]) > 0
    assert svc["Restart"] == ["always"]
    # Sessions and the store under ProtectSystem=strict: the state directory, made by systemd.
    assert svc["ProtectSystem"] == ["strict"] and svc["StateDirectory"] == ["wallboard"]
    assert "WALLBOARD_DATA_DIR=/var/lib/wallboard" in svc["Environment"]
    assert "/var/lib/wallboard" not in svc.get("ReadWritePaths", [])  # StateDirectory does it
    assert int(svc["LimitNOFILE"][0]) >= 8192  # a websocket a tab, 1,000+ tabs


def test_units_start_the_venv_the_install_steps_create():
    steps = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "python3 -m venv /opt/wallboard/venv" in steps
    for name in [*SYSTEM_UNITS, "wallboard-kiosk.service"]:
        lines = (DEPLOY / name).read_text(encoding="utf-8").splitlines()
        text = "\n".join(ln for ln in lines if not ln.startswith("#"))
        assert ".venv" not in text, name
        for path in re.findall(r"/opt/wallboard/\S*", text):
            assert path.startswith("/opt/wallboard/venv/bin/"), (name, path)


def sysusers() -> set[str]:
    names = set()
    for conf in (DEPLOY / "sysusers.d").glob("*.conf"):
        for line in conf.read_text(encoding="utf-8").splitlines():
            if line.startswith("u "):
                names.add(line.split()[1])
    return names


@pytest.mark.parametrize("name", SYSTEM_UNITS)
def test_every_unit_runs_as_a_user_that_sysusers_creates(name: str):
    svc = unit(name)["Service"]
    assert svc.get("DynamicUser") == ["yes"] or (
        len(svc["User"]) == 1 and svc["User"][0] in sysusers() and svc["Group"] == svc["User"]
    )


def test_backup_unit_makes_the_folder_it_writes_to():
    svc = unit("wallboard-backup.service")["Service"]
    (pre,) = svc["ExecStartPre"]
    assert pre.startswith("+/usr/bin/install -d ")  # as root: /var/backups is root's
    assert pre.split()[-1] == "/var/backups/wallboard" and "-o wallboard" in pre
    assert "/var/backups/wallboard/wallboard-" in svc["ExecStart"][0]
    assert svc["ReadWritePaths"] == ["/var/backups/wallboard"]
    assert svc["StateDirectory"] == ["wallboard"]  # SQLite reads a live database via -shm


def test_nats_runs_with_a_token_from_its_environment():
    svc = unit("cluster/nats.service")["Service"]
    assert svc["ExecStart"][0].split()[:3] == [
        "/opt/wallboard/venv/bin/nats-server",
        "-c",
        "/etc/wallboard/nats.conf",
    ]
    assert svc["StateDirectory"] == ["nats"] and "-sd /var/lib/nats" in svc["ExecStart"][0]
    assert svc["EnvironmentFile"] == ["/etc/wallboard/nats.env"]
    conf = (DEPLOY / "cluster" / "nats.conf").read_text(encoding="utf-8")
    assert re.search(r"authorization \{\s*(#.*\n\s*)*token: \$NATS_TOKEN\s*\}", conf)
    cluster = (DEPLOY / "cluster" / "cluster.toml").read_text(encoding="utf-8")
    assert "nats://<NATS_TOKEN>@10.0.0.5:4222" in cluster


def test_kiosk_unit_has_the_flags_waits_for_the_server_and_keeps_the_screen_on():
    svc = unit("wallboard-kiosk.service")["Service"]
    (start,) = svc["ExecStart"]
    assert start.startswith("/usr/bin/chromium ")
    for flag in KIOSK_FLAGS:
        assert flag in start.split(), flag
    assert "--disable-session-crashed-bubble" not in start  # gone from Chromium
    assert svc["Restart"] == ["always"]
    pre = svc["ExecStartPre"]
    assert "until curl" in pre[0] and "/healthz" in pre[0]  # first: wait for the server
    assert {"-/usr/bin/xset s off", "-/usr/bin/xset -dpms", "-/usr/bin/xset s noblank"} <= set(pre)


def test_backup_unit_uses_the_backup_command_on_a_timer():
    svc = unit("wallboard-backup.service")["Service"]
    assert "wallboard backup" in svc["ExecStart"][0]
    assert unit("wallboard-backup.timer")["Timer"]["OnCalendar"]


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
        "listen 443 ssl http2;",
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
    # `http2 on;` is nginx 1.25's; Debian 12's 1.22 refuses it (`listen ... http2` it takes).
    assert not [ln for ln in body if ln.startswith("http2 ")]
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


def test_metrics_are_behind_the_token_in_every_example():
    """Each proxy keeps /metrics in (the monitoring network, or nowhere for the cluster,
    scraped per node), each example's settings or scrape config carry the token."""
    single = (DEPLOY / "nginx" / "wallboard.conf").read_text(encoding="utf-8")
    block = re.search(r"location = /metrics \{(.*?)\}", single, re.S)
    assert block and "deny all;" in block.group(1)
    cluster = (DEPLOY / "cluster" / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(r"location = /metrics \{\s*return 403;\s*\}", cluster)
    caddy = (DEPLOY / "caddy" / "Caddyfile").read_text(encoding="utf-8")
    assert "respond @metrics_outside 403" in caddy
    caddy_cluster = (DEPLOY / "cluster" / "Caddyfile").read_text(encoding="utf-8")
    assert re.search(r"handle /metrics \{\s*respond 403\s*\}", caddy_cluster)
    for account in ("acme", "globex"):
        text = (DEPLOY / "cluster" / f"{account}.toml").read_text(encoding="utf-8")
        assert re.search(r'^\[metrics\]\n(#.*\n)*token = "', text, re.M), account
    prom = (DEPLOY / "prometheus" / "prometheus.yml").read_text(encoding="utf-8")
    jobs = re.findall(r"- job_name: (\S+)\n(.*?)(?=\n  - job_name|\Z)", prom, re.S)
    assert {j for j, _ in jobs} == {"wallboard", "wallboard-ingest", "wallboard-web"}
    assert all("credentials_file: wallboard.token" in body for _, body in jobs)


def test_make_test_installs_the_deploy_tools():
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_deps = re.search(r"^test: (.+)$", make, re.M)
    assert test_deps is not None and "deploy-tools" in test_deps.group(1).split()
    target = make.split("\ndeploy-tools:", 1)[1].split("\n\n", 1)[0]
    assert "--no-install-recommends" in target
    for package in ("caddy", "prometheus", "systemd"):
        assert package in target, package


def test_make_demo_installs_only_what_the_demo_needs():
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo_deps = re.search(r"^demo: (.+)$", make, re.M)
    assert demo_deps is not None and demo_deps.group(1).split() == ["$(BIN)/.runtime"]
    runtime = make.split("$(BIN)/.runtime: pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert "@$(PIP) -e ." in runtime and "[test]" not in runtime
    # Quiet: `make demo` ends with the address to open, no pip notice above it.
    assert "PIP := $(BIN)/pip install -qq --disable-pip-version-check" in make
