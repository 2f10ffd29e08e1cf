"""A kiosk behind nginx (Debian's, with the deploy/cluster sticky-session upstream) whose
web node dies: the browser reconnects through nginx to the other node and shows the
board again, with no one touching it."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.integration.cluster.env import Account, Cluster, nginx_conf
from tests.integration.vendor_env import free_port

pytestmark = pytest.mark.e2e

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "cluster" / "nginx.conf"


def _example_proxy_lines() -> str:
    """The `proxy_*` lines of the example's `location /` but `proxy_pass`: the test runs the
    headers operators copy (the live socket's origin check depends on them)."""
    block = re.search(r"location / \{(.*?)\n\s*\}", EXAMPLE.read_text(), re.S)
    assert block, EXAMPLE
    lines = [ln.split("#")[0].strip() for ln in block.group(1).splitlines()]
    picked = [ln for ln in lines if ln.startswith("proxy_") and not ln.startswith("proxy_pass")]
    return "\n".join(f"            {ln}" for ln in picked)


def _nginx_conf(workdir: Path, port: int, nodes: list[int]) -> Path:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in nodes)
    return nginx_conf(
        workdir,
        f"""    log_format upstream '$request_uri $upstream_addr';
    access_log {workdir}/nginx-access.log upstream;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream board {{
        hash $remote_addr consistent;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://board;
{_example_proxy_lines()}
        }}
    }}""",
    )


def _wait_http(url: str, timeout: float = 120) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                r.read()
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


def _agents_accounted(page: Any) -> int:
    """Every agent on the kiosk: a tile, counted in "+N more", or in the logged-out count
    (the kiosk collapses logged-out agents into one count); 0 while the page is reloading
    (the kiosk reloads itself when its node is gone: no document to ask meanwhile)."""
    try:
        counts = page.evaluate(
            "(() => { const e = document.querySelector('.wb-kagents'); return e ?"
            " ['shown', 'more', 'out'].map(k => Number(e.dataset[k] || 0)) : [0, 0, 0]; })()"
        )
    except PlaywrightError as e:
        if "context was destroyed" not in str(e):
            raise
        return 0
    return int(sum(counts))


def _upstreams(log: Path) -> list[str]:
    return re.findall(r"^/kiosk\S* (\S+)$", log.read_text(), re.M)


def test_a_kiosk_survives_its_web_node(tmp_path: Path, browser):
    if not Path(NGINX).exists():
        pytest.fail("nginx is required: `make lb` installs Debian's nginx-light")
    acme = Account("acme", agents=10, queues=2, seed=5)
    cluster = Cluster(tmp_path, [acme], 2, None)
    cluster.start()
    port = free_port()
    conf = _nginx_conf(tmp_path, port, [acme.web_port, acme.web_port + 1])
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"])
    try:
        for n in (0, 1):
            _wait_http(f"{acme.web(n)}/healthz")
        _wait_http(f"http://127.0.0.1:{port}/healthz", timeout=20)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"http://127.0.0.1:{port}/kiosk?token=kiosk-acme")
        page.locator(".wb-tile").first.wait_for(timeout=30_000)
        assert _agents_accounted(page) == acme.agents
        first = _upstreams(tmp_path / "nginx-access.log")[-1]
        node = 0 if first.endswith(f":{acme.web_port}") else 1
        cluster.kill(f"web{node}")
        t0 = time.monotonic()
        # The page notices, reconnects through nginx to the other node, reloads its board.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            served = _upstreams(tmp_path / "nginx-access.log")
            if served and served[-1] != first and _agents_accounted(page) == acme.agents:
                break
            page.wait_for_timeout(250)
        else:
            raise AssertionError(f"the kiosk never came back; nginx served {served}")
        page.screenshot(path=str(tmp_path / "after-failover.png"))
        print(f"\nkiosk back on the other web node {time.monotonic() - t0:.1f} s after the kill")
        page.close()
    finally:
        nginx.terminate()
        nginx.wait(10)
        cluster.stop()


def test_a_web_node_that_lost_nats_names_the_cluster_link(tmp_path: Path, browser):
    """NATS gone: the web node's kiosks keep the last board under a banner that names the
    link to the cluster (not the telephony, which may be fine), in the board's language;
    NATS back: the banner goes by itself."""
    acme = Account("acme", agents=6, queues=2, seed=5)
    cluster = Cluster(tmp_path, [acme], 1, None)
    cluster.start()
    try:
        _wait_http(f"{acme.web(0)}/healthz")
        pages = {}
        for lang in ("en", "he"):
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"{acme.web(0)}/kiosk?token=kiosk-acme&lang={lang}")
            page.locator(".wb-tile").first.wait_for(timeout=60_000)
            pages[lang] = page
        cluster.nats.stop()
        words = {"en": "Connection to the wallboard cluster", "he": "החיבור לאשכול השרתים"}
        for lang, page in pages.items():
            banner = page.locator(".wb-banner")
            banner.filter(has_text=words[lang]).wait_for(timeout=30_000)
            assert "Telephony" not in banner.inner_text() and "מרכזייה" not in banner.inner_text()
            assert page.locator(".wb-tile").count() > 0  # the last board stays on screen
        pages["he"].screenshot(path=str(tmp_path / "cluster-link-lost-he.png"))
        cluster.nats.start()
        for page in pages.values():
            page.locator(".wb-banner").wait_for(state="detached", timeout=60_000)
            page.close()
    finally:
        cluster.stop()
