"""The real webhook in a real `cdr-server` process against arbitrary bodies (hypothesis).

Whatever arrives, the reply is in the request's own encoding with an `Err`, never a bare
500, and the next valid CDR is acknowledged (so stored) promptly.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import time
import urllib.request
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.cdr_intake import SECRET, Server, free_port, make_cdr

pytestmark = pytest.mark.integration

JSON, FORM, XML = "application/json", "application/x-www-form-urlencoded", "text/xml"
FIELDS = ["ivruniqueid", "time", "type", "status", "queueid", "duration", "aiData", "price"]


def wait_ready(port: int, log: Path, timeout: float = 60.0) -> None:
    """Until the server answers HTTP at all (503 while the vendor link is down is fine)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    d = tmp_path_factory.mktemp("hostile")
    srv = Server(d / "db.sqlite", free_port(), d / "server.log")
    srv.start()
    try:
        wait_ready(srv.port, srv.log)
        yield srv
    finally:
        srv.stop()


class Poster:
    """One keep-alive connection to the webhook, as the vendor would hold."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.slowest_next = 0.0
        self.acked: set[str] = set()

    def post(self, body: bytes, ctype: str) -> tuple[int, str, bytes]:
        for attempt in (0, 1):
            try:
                self.conn.request(
                    "POST", f"/vendor/cdr/{SECRET}", body=body, headers={"Content-Type": ctype}
                )
                r = self.conn.getresponse()
                return r.status, r.getheader("Content-Type") or "", r.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()  # the server may close after a refused body: reconnect
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def next_valid(self, n: int) -> None:
        cdr = make_cdr(n, int(time.time()))
        t0 = time.monotonic()
        status, rtype, reply = self.post(json.dumps(cdr).encode(), JSON)
        self.slowest_next = max(self.slowest_next, time.monotonic() - t0)
        assert (status, err_of(reply, rtype)) == (200, 0)
        self.acked.add(str(cdr["ivruniqueid"]))


def err_of(reply: bytes, rtype: str) -> int:
    """The `Err` of a reply, read in the encoding its content type names."""
    kind = rtype.split(";")[0]
    if kind == "text/xml":
        return int(xmlrpc.client.loads(reply.decode())[0][0]["Err"])
    if kind == JSON:
        return int(json.loads(reply)["Err"])
    assert kind == FORM, rtype
    return int(dict(parse_qsl(reply.decode()))["Err"])


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(exclude_categories=()), max_size=40)  # lone surrogates too
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
keys = st.sampled_from(FIELDS) | st.text(max_size=12)
json_bodies = st.dictionaries(keys, values, max_size=8).map(
    lambda d: json.dumps(d).encode()
) | st.binary(max_size=200)
form_bodies = st.dictionaries(
    keys, st.text(st.characters(exclude_categories=["Cs"]), max_size=30), max_size=8
).map(lambda d: urlencode(d).encode()) | st.binary(max_size=200)
xml_scalars = (
    st.integers(min_value=-(2**31), max_value=2**31 - 1)
    | st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
)
xml_values = st.recursive(
    xml_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("abc", max_size=4), inner),
    max_leaves=12,
)
xml_bodies = st.dictionaries(
    st.sampled_from(FIELDS) | st.text("xyz", max_size=5), xml_values, max_size=6
).map(lambda d: xmlrpc.client.dumps((d,), methodname="cdr").encode()) | st.binary(max_size=200)
# The deep-nesting bodies that gave a bare 500 before: always among the examples.
DEEP = b'{"ivruniqueid":"d","time":1,"aiData":' + b'{"a":' * 300 + b"1" + b"}" * 301


@pytest.fixture(scope="module")
def poster(server: Server) -> Iterator[Poster]:
    p = Poster(server.port)
    yield p
    p.conn.close()


def _check(poster: Poster, body: bytes, ctype: str) -> None:
    status, rtype, reply = poster.post(body, ctype)
    want = {JSON: JSON, FORM: FORM, XML: "text/xml"}[ctype]
    assert rtype.split(";")[0] == want, (status, rtype, reply[:200])
    assert status in (200, 413), (status, reply[:200])  # 500 only with Err 2 (a failing store)
    assert err_of(reply, rtype) in (0, 1)
    poster.next_valid(len(poster.acked) + 1_000_000)


_FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_FAST
@given(body=json_bodies)
def test_arbitrary_json(poster: Poster, body: bytes) -> None:
    _check(poster, body, JSON)


@_FAST
@given(body=form_bodies)
def test_arbitrary_form(poster: Poster, body: bytes) -> None:
    _check(poster, body, FORM)


@_FAST
@given(body=xml_bodies)
def test_arbitrary_xmlrpc(poster: Poster, body: bytes) -> None:
    _check(poster, body, XML)


def test_known_killers_then_everything_acknowledged_is_stored(poster: Poster, server: Server):
    for body, ctype in (
        (b'{"ivruniqueid":"p","time":1796139442,"queueid":9223372036854775808}', JSON),
        (DEEP, JSON),
        (b'{"ivruniqueid":"s","time":1,"type":"\\ud800"}', JSON),
        (b"ivruniqueid=s&time=1&type=%ED%A0%80", FORM),
        (b"[" * 500_000, JSON),
    ):
        _check(poster, body, ctype)
    print(f"slowest next valid CDR: {poster.slowest_next * 1000:.0f} ms")
    conn = sqlite3.connect(server.db)
    try:
        stored = {r[0] for r in conn.execute("SELECT ivruniqueid FROM cdr")}
    finally:
        conn.close()
    assert poster.acked <= stored
