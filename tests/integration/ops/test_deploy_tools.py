"""The files of deploy/ checked by the tools that will run them, Debian's own: systemd's
`systemd-analyze verify` and `security`, `systemd-sysusers`, `nginx -t`, `caddy validate`,
`promtool`, the nats-server of the wheel, and the installed Chromium's own switch table.

`make deploy-tools` installs what a bare Debian lacks. In CI (CI=true) a missing tool fails
the test; on a developer's machine it is skipped, saying which package brings it.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
import yaml
from nats.aio.client import Client as NatsClient
from nats.errors import Error as NatsError

from tests.conftest import cannot
from tests.integration.vendor_env import free_port
from tests.unit.test_deploy import SYSTEM_UNITS
from wallboard import cli
from wallboard.cluster.natsd import nats_server_binary

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
# Every unit; the system services among them run sandboxed (the kiosk is a desktop user's).
UNITS = [*SYSTEM_UNITS, "wallboard-backup.timer", "wallboard-kiosk.service"]
SERVERS = SYSTEM_UNITS
# Where the install steps (docs/operations.md) put the wallboard and the nats-server wheel.
PREFIX = "/opt/wallboard/venv/"
VENV = Path(sys.executable).parent.parent  # the venv running these tests: the same install


def need(tool: str, package: str) -> str:
    """The tool's path; a clear failure in CI, a skip elsewhere, when it is not installed."""
    found = shutil.which(tool) or next(
        (p for d in ("/usr/sbin", "/usr/bin") if os.access(p := f"{d}/{tool}", os.X_OK)), None
    )
    if found is not None:
        return found
    cannot(f"{tool} is not installed: `make deploy-tools` installs Debian's {package}")


def run(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=120, cwd=cwd, env={**os.environ, **env}
    )


# ------------------------------------------------------------ systemd


# What systemd (a specifier, an environment variable) and the shell fill in.
SUBSTITUTIONS = {"%i": "acme", "${WALLBOARD_NODE}": "0", "$(date +%%F)": "2026-12-06"}


@pytest.fixture
def installed_units(tmp_path: Path) -> Path:
    """The units as installed on this machine: the same text, with the install steps' venv
    (`/opt/wallboard/venv`) at the venv that runs these tests, where `pip install .[test]`
    put `wallboard` and `nats-server` exactly as the steps put them under /opt."""
    out = tmp_path / "units"
    out.mkdir()
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (out / Path(name).name).write_text(text.replace(PREFIX, f"{VENV}/"), encoding="utf-8")
    return out


def test_systemd_verifies_every_unit(installed_units: Path) -> None:
    tool = need("systemd-analyze", "systemd")
    files = sorted(str(p) for p in installed_units.iterdir())
    out = run(tool, "verify", *files)
    assert (out.returncode, out.stdout + out.stderr) == (0, "")


def test_the_units_command_lines_are_ones_the_programs_take() -> None:
    """Each `wallboard ...` of a unit parses as `wallboard` parses it (its own parser, the
    two steps of cli.main, with systemd's and the shell's substitutions made), and
    `nats-server -c` is in nats-server's --help: systemd checks only that the file runs."""
    need("systemd-analyze", "systemd")  # run beside the verify, on the same units
    checked = 0
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        for line in re.findall(rf"{re.escape(PREFIX)}bin/(\S+(?: [^'&\n]*)?)", text):
            for pattern, value in SUBSTITUTIONS.items():
                line = line.replace(pattern, value)
            program, *args = line.split()
            if program == "wallboard":
                opts, rest = cli._global_parser().parse_known_args(args)
                parsed = cli.build_parser().parse_args(rest)  # exits 2 on a wrong option
                assert parsed.command == args[0] and callable(parsed.handler), (name, args)
                assert opts.config is not None, name  # never the user's default settings
            else:
                said = run(nats_server_binary(), "--help")
                for opt in (a for a in args if a.startswith("-")):
                    assert re.search(rf"(^|[\s,]){re.escape(opt)}\b", said.stdout + said.stderr)
            checked += 1
    assert checked == 5  # run, backup, web, ingest, nats-server


def test_the_servers_are_hardened(installed_units: Path) -> None:
    """`systemd-analyze security --offline`: each server unit's exposure under 3.0 ("OK")."""
    tool = need("systemd-analyze", "systemd")
    files = [str(installed_units / Path(u).name) for u in SERVERS]
    out = run(tool, "security", "--offline=true", "--threshold=30", "--no-pager", *files)
    levels = re.findall(r"Overall exposure level for (\S+): ([\d.]+)", out.stdout + out.stderr)
    print("\n" + "\n".join(f"{unit}: exposure {level}" for unit, level in levels))
    assert len(levels) == len(SERVERS) and out.returncode == 0, out.stdout + out.stderr
    assert all(float(level) <= 3.0 for _, level in levels), levels


def test_sysusers_create_every_user_the_units_run_as(tmp_path: Path) -> None:
    tool = need("systemd-sysusers", "systemd")
    (tmp_path / "etc").mkdir()
    confs = sorted(str(p) for p in (DEPLOY / "sysusers.d").glob("*.conf"))
    out = run(tool, f"--root={tmp_path}", *confs)
    assert out.returncode == 0, out.stderr
    users = {ln.split(":")[0] for ln in (tmp_path / "etc" / "passwd").read_text().splitlines()}
    groups = {ln.split(":")[0] for ln in (tmp_path / "etc" / "group").read_text().splitlines()}
    for name in SERVERS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (user,) = re.findall(r"^User=(\S+)$", text, re.M)
        assert user in users, (name, user)
        assert set(re.findall(r"^Group=(\S+)$", text, re.M)) <= groups, name


# ------------------------------------------------------------ nginx


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    tool = need("openssl", "openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    out = run(
        tool, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "1", "-subj", "/CN=wallboard.example.com",
        "-keyout", str(key), "-out", str(cert),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return cert, key


@pytest.mark.parametrize("example", ["nginx/wallboard.conf", "cluster/nginx.conf"])
def test_nginx_accepts_the_example(
    tmp_path: Path, certificate: tuple[Path, Path], example: str
) -> None:
    """`nginx -t` on the example as /etc/nginx includes it (inside `http {}`), its
    certificate paths pointing at a throwaway certificate: nothing else changed."""
    nginx = need("nginx", "nginx-light")
    cert, key = certificate
    text = (DEPLOY / example).read_text(encoding="utf-8")
    site, n = re.subn(r"(ssl_certificate\s+)\S+;", rf"\g<1>{cert};", text)
    site, m = re.subn(r"(ssl_certificate_key\s+)\S+;", rf"\g<1>{key};", site)
    assert n == m >= 1, example
    (tmp_path / "site.conf").write_text(site)
    temp = "\n".join(
        f"    {kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n{temp}\n    include {tmp_path}/site.conf;\n}}\n"
    )
    out = run(nginx, "-t", "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(main))
    said = out.stdout + out.stderr
    assert out.returncode == 0 and "[warn]" not in said and "[emerg]" not in said, said
    assert "test is successful" in said


# ------------------------------------------------------------ Caddy


def _routes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "handle" in node:
            yield node
        for v in node.values():
            yield from _routes(v)
    elif isinstance(node, list):
        for v in node:
            yield from _routes(v)


@pytest.mark.parametrize("example", ["caddy/Caddyfile", "cluster/Caddyfile"])
def test_caddy_validates_the_example_and_keeps_metrics_in(tmp_path: Path, example: str) -> None:
    caddy = need("caddy", "caddy")
    home = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    conf = str(DEPLOY / example)
    out = run(caddy, "validate", "--config", conf, "--adapter", "caddyfile", **home)
    assert out.returncode == 0 and "Valid configuration" in out.stdout + out.stderr, out.stderr
    adapted = run(caddy, "adapt", "--config", conf, "--adapter", "caddyfile", **home)
    assert adapted.returncode == 0, adapted.stderr
    # The route Caddy made of it: /metrics answered 403 by Caddy itself, from outside the
    # monitoring network (single server) or from anywhere (the cluster: scraped per node).
    refused = [
        route
        for route in _routes(json.loads(adapted.stdout))
        if any("/metrics" in m.get("path", []) for m in route.get("match", []))
        and '"status_code": 403' in json.dumps(route["handle"])
    ]
    assert refused, adapted.stdout
    if example == "caddy/Caddyfile":
        (match,) = refused[0]["match"]
        assert match["not"] == [{"remote_ip": {"ranges": ["127.0.0.1", "10.0.0.0/8"]}}]


# ------------------------------------------------------------ Prometheus, Grafana


def test_promtool_checks_the_scrape_config_and_the_rules_pass_their_tests(tmp_path: Path) -> None:
    promtool = need("promtool", "prometheus")
    prom = DEPLOY / "prometheus"
    for f in prom.iterdir():
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "wallboard.token").write_text("token\n")  # the credentials file it names
    out = run(promtool, "check", "config", str(tmp_path / "prometheus.yml"))
    assert out.returncode == 0, out.stdout + out.stderr
    out = run(promtool, "test", "rules", "wallboard.rules.test.yml", cwd=prom)
    assert out.returncode == 0 and "SUCCESS" in out.stdout, out.stdout + out.stderr
    # Every alert has a test in which it fires.
    rules = yaml.safe_load((prom / "wallboard.rules.yml").read_text())
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"]}
    cases = yaml.safe_load((prom / "wallboard.rules.test.yml").read_text())["tests"]
    fired = {t["alertname"] for c in cases for t in c["alert_rule_test"] if t["exp_alerts"]}
    assert alerts == fired


def test_every_dashboard_query_is_promql(tmp_path: Path) -> None:
    """Prometheus' own parser (`promtool check rules`) on each of the dashboard's queries,
    with Grafana's variables as Grafana fills them in."""
    from tests.integration.ops.test_deploy_roles import dashboard_expressions

    promtool = need("promtool", "prometheus")
    exprs = dashboard_expressions()
    rules = [{"record": f"dashboard:query{i}", "expr": e} for i, e in enumerate(exprs)]
    path = tmp_path / "dashboard.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    out = run(promtool, "check", "rules", str(path))
    said = out.stdout + out.stderr
    assert out.returncode == 0 and f"{len(exprs)} rules found" in out.stdout, said


# ------------------------------------------------------------ Chromium, NATS


def test_kiosk_flags_are_switches_the_installed_chromium_knows() -> None:
    """Chromium ignores a switch it does not know, silently: read its switch table instead
    (each switch's name is a string in the binary), and the one it dropped is not there."""
    need("chromium", "chromium")
    binary = Path("/usr/lib/chromium/chromium")
    assert binary.exists(), "Debian's chromium keeps its binary there"
    unit = (DEPLOY / "wallboard-kiosk.service").read_text(encoding="utf-8")
    (start,) = re.findall(r"^ExecStart=/usr/bin/chromium (.*)$", unit, re.M)
    names: list[bytes] = []
    for flag in (f for f in start.split() if f.startswith("--")):
        name, _, value = flag[2:].partition("=")
        names.append(name.encode())
        if name == "disable-features":  # and each feature it names
            names += [v.encode() for v in value.split(",")]
        elif value and not value.isdigit() and "%" not in value:
            names.append(value.encode())
    with binary.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        missing = [n for n in names if data.find(n + b"\0") < 0]
        assert missing == []
        assert data.find(b"disable-session-crashed-bubble\0") < 0  # the check can fail
    assert b"hide-crash-restore-bubble" in names and b"password-store" in names


@contextlib.contextmanager
def _nats_from_example(tmp_path: Path, token: str) -> Iterator[int]:
    """deploy/cluster/nats.conf as nats.service runs it, on 127.0.0.1 and a free port."""
    port = free_port()
    proc = subprocess.Popen(
        [nats_server_binary(), "-c", str(DEPLOY / "cluster" / "nats.conf"),
         "-a", "127.0.0.1", "-p", str(port), "-sd", str(tmp_path / "js")],
        env={**os.environ, "NATS_TOKEN": token},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until it listens, however slow the machine
            assert proc.poll() is None, "nats-server refused the example"
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(15)


async def _connect(url: str) -> tuple[NatsClient | None, list[Exception]]:
    """One attempt, no retries: the client, or the errors the server answered."""
    errors: list[Exception] = []

    async def seen(e: Exception) -> None:
        errors.append(e)

    try:
        nc = await nats.connect(
            url, connect_timeout=2, allow_reconnect=False, max_reconnect_attempts=0,
            error_cb=seen,
        )  # fmt: skip
    except (NatsError, OSError) as e:
        return None, [*errors, e]
    return nc, errors


async def test_nats_example_lets_in_only_its_token(tmp_path: Path) -> None:
    bare = run(nats_server_binary(), "-c", str(DEPLOY / "cluster" / "nats.conf"), "-t")
    assert bare.returncode != 0 and "NATS_TOKEN" in bare.stdout + bare.stderr  # no token: no start
    token = "s3cret-nats-token"
    with _nats_from_example(tmp_path, token) as port:
        nc, errors = await _connect(f"nats://{token}@127.0.0.1:{port}")
        assert nc is not None, errors
        kv = await nc.jetstream().create_key_value(bucket="deploy-check")
        await kv.put("k", b"v")
        assert (await kv.get("k")).value == b"v"
        await nc.close()
        for wrong in (f"nats://127.0.0.1:{port}", f"nats://not-the-token@127.0.0.1:{port}"):
            nc, errors = await _connect(wrong)
            assert nc is None, wrong
            assert any("authorization" in str(e).lower() for e in errors), errors
