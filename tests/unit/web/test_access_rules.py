"""`/api/state` as a scoped reader gets it, and the same-origin rule behind every action."""

from __future__ import annotations

from typing import Any

from wallboard.core.scope import Role, Scope
from wallboard.web.api import scoped_state
from wallboard.web.csrf import origin_allowed


def _view() -> dict[str, Any]:
    call = {"caller_number": "0501234567", "caller_name": "Moshe"}
    return {
        "queues": [
            {"queue_id": 101, "waiting": [dict(call)]},
            {"queue_id": 102, "waiting": [dict(call)]},
        ],
        "agents": [
            {"extension": 201, "calls": [dict(call)]},
            {"extension": 205, "calls": []},
        ],
        "events_applied": 7,
    }


def test_state_is_cut_to_the_scope_and_masked() -> None:
    rina = Scope(Role.LEAD, "rina", frozenset({"sales"}), frozenset({101}), frozenset({201}))
    got = scoped_state(_view(), rina, 3)
    assert [q["queue_id"] for q in got["queues"]] == [101]
    assert [a["extension"] for a in got["agents"]] == [201]
    assert got["queues"][0]["waiting"][0] == {"caller_number": "•••••••567", "caller_name": ""}
    assert "0501234567" not in repr(got) and "Moshe" not in repr(got)
    assert got["events_applied"] == 7


def test_the_right_shows_numbers() -> None:
    got = scoped_state(_view(), Scope(Role.ADMIN, "boss", numbers=True), 3)
    assert got["agents"][0]["calls"][0]["caller_number"] == "0501234567"
    assert len(got["queues"]) == 2


def test_origin_rule() -> None:
    h = {"host": "wb.local:8080"}
    assert origin_allowed(None, "http", h, ())  # not a browser
    assert origin_allowed("http://wb.local:8080", "http", h, ())
    assert not origin_allowed("http://evil.example", "http", h, ())
    assert origin_allowed("https://wb.example.com", "http", h, ["https://wb.example.com"])
    proxied = {**h, "x-forwarded-host": "wb.example.com", "x-forwarded-proto": "https"}
    assert origin_allowed("https://wb.example.com", "http", proxied, ())


def test_origin_rule_behind_a_proxy() -> None:
    # TLS ends at the proxy, which keeps Host and says the scheme (deploy/nginx, Caddy).
    tls = {"host": "wb.example.com", "x-forwarded-proto": "https"}
    assert origin_allowed("https://wb.example.com", "http", tls, ())
    assert not origin_allowed("https://evil.example", "http", tls, ())
    # nginx's `Host $host` drops a non-default port; X-Forwarded-Host carries the
    # browser's host:port (deploy/cluster/nginx.conf).
    port = {"host": "127.0.0.1", "x-forwarded-host": "127.0.0.1:8443"}
    assert origin_allowed("http://127.0.0.1:8443", "http", port, ())
    assert not origin_allowed("http://127.0.0.1:9999", "http", port, ())
    assert not origin_allowed("http://127.0.0.1:8443", "http", {"host": "127.0.0.1"}, ())


def test_the_audit_log_a_lead_reads() -> None:
    from wallboard.store.rows import AuditRow
    from wallboard.web.pages.audit import _covers, _row

    rina = Scope(Role.LEAD, "rina", frozenset({"sales"}), frozenset({101}), frozenset({201}))
    call = '{"from_extension": 209, "queue": %d, "error": "0542222222 refused"}'
    rows = {
        "hers": AuditRow(1.0, "rina", "set_status", "205", '{"error": "outside"}', False),
        "her agent": AuditRow(1.0, "boss", "set_status", "201", "{}", True),
        "other agent": AuditRow(1.0, "boss", "set_status", "205", "{}", True),
        "her caller": AuditRow(1.0, "boss", "click_to_call", "0541111111", call % 101, True),
        "other caller": AuditRow(1.0, "boss", "click_to_call", "0542222222", call % 102, False),
        "admin's edit": AuditRow(1.0, "boss", "user_create", "tal", "{}", True),
    }
    shown = {k for k, r in rows.items() if _covers(r, rina)}
    assert shown == {"hers", "her agent", "her caller"}
    assert all(_covers(r, Scope(Role.ADMIN, "boss")) for r in rows.values())
    # Numbers as she may see them, in the target and in an error that names it.
    row = _row(rows["other caller"], "UTC", "en", lambda n: rina.number(n, 3))
    assert row["target"] == "•••••••222" and "0542222222" not in str(row)
