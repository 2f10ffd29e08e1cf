"""Alerts that leads handle, on a real SQLite store and a real hub: rules made in /alerts
(stored, in force at once, read back after a restart, a lead kept to her boards), acks and
snoozes (checked with the scope of the moment, audited, a snooze that ends by itself), and
the webhook's test post against a local receiver."""

from __future__ import annotations

import json

import pytest
from aiohttp import web

from tests.floor import floor_events
from wallboard.config import AlertRule, AlertSettings, Settings
from wallboard.core.alert_rules import RuleDraft
from wallboard.core.scope import Role, Scope
from wallboard.errors import ActionDenied
from wallboard.runtime.hub import Hub
from wallboard.services.alert_acks import AlertDesk
from wallboard.services.alert_rules import AlertRuleEditor, Known, RuleProblems
from wallboard.services.alerts import Alerts
from wallboard.store.db import Store
from wallboard.web.boards import board_specs
from wallboard.web.pages.alerts import board_alerts

pytestmark = pytest.mark.integration

ADMIN = Scope(Role.ADMIN, "boss", act=True)
RINA = Scope(Role.LEAD, "rina", frozenset({"sales"}), frozenset({7}), None, act=True)
SAM = Scope(Role.LEAD, "sam", frozenset({"support"}), frozenset({8}), None, act=True)
KNOWN = Known({7, 8}, {"sales", "support"})


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _hub() -> Hub:
    hub = Hub()
    # Queue 7: seven callers waiting; queue 8: two.
    for e in floor_events({7: [f"c{i}" for i in range(7)], 8: ["d0", "d1"]}, {}):
        hub.feed(e)
    return hub


def _settings(**kw: object) -> Settings:
    from wallboard.config import BoardSettings

    boards = {
        "sales": BoardSettings(title="Sales", queues=[7]),
        "support": BoardSettings(title="Support", queues=[8]),
    }
    return Settings(boards=boards, alerts=AlertSettings(**kw))


def _busy(name: str = "busy", **kw: object) -> RuleDraft:
    base: dict[str, object] = {
        "name": name,
        "metric": "waiting",
        "fire": 5.0,
        "clear": 2.0,
        "queues": (7,),
        "boards": ("sales",),
        "message": "too many waiting",
        "message_he": "יותר מדי ממתינים",
    }
    return RuleDraft(**{**base, **kw})  # type: ignore[arg-type]


async def test_a_rule_made_in_the_page_is_in_force_at_once_and_after_a_restart(
    store: Store,
) -> None:
    toml = AlertRule(metric="service_level", fire=80, clear=85)
    settings = _settings(rules={"sl": toml})
    hub = _hub()
    alerts = Alerts(settings, hub, store, deliver=True)
    editor = AlertRuleEditor(settings, store, alerts.set_ui_rules, clock=lambda: 500.0)
    await editor.load()
    assert await alerts.check() == []  # SL: too few calls; nothing else yet
    await editor.save("rina", RINA, _busy(), KNOWN, new=True)
    fired = await alerts.check()
    assert [(a.rule, a.queue, a.fired) for a in fired] == [("busy", 7, True)]
    assert fired[0].text == "⚠ Queue 7 תור: too many waiting (7)"
    assert set(alerts.rules) == {"sl", "busy"}
    # A restart: the rule is read back from the store, with who and when.
    again = Alerts(settings, hub, store, deliver=False)
    editor2 = AlertRuleEditor(settings, store, again.set_ui_rules)
    await editor2.load()
    assert editor2.rules["busy"].queues == [7] and editor2.updated["busy"] == ("rina", 500.0)
    assert set(again.rules) == {"sl", "busy"}
    # Deleted: its open alert goes with it, without a "back to normal".
    await editor.delete("rina", RINA, "busy")
    assert alerts.active == {} and await alerts.check() == []
    audit = [(r.actor, r.action, r.target) for r in await store.audit_rows()]
    assert audit[:2] == [
        ("rina", "alert_rule_delete", "busy"),
        ("rina", "alert_rule_create", "busy"),
    ]


async def test_a_lead_changes_only_the_rules_of_her_boards(store: Store) -> None:
    settings = _settings(rules={"sl": AlertRule(metric="service_level", fire=80, clear=85)})
    alerts = Alerts(settings, _hub(), store, deliver=False)
    editor = AlertRuleEditor(settings, store, alerts.set_ui_rules)
    await editor.load()
    with pytest.raises(RuleProblems) as e:
        await editor.save("rina", RINA, _busy(boards=("support",), queues=(8,)), KNOWN, new=True)
    assert [(p.field, p.code) for p in e.value.problems] == [
        ("boards", "not_your_boards"),
        ("queues", "not_your_queues"),
    ]
    with pytest.raises(RuleProblems, match="name_fixed"):
        await editor.save("boss", ADMIN, _busy("sl"), KNOWN, new=True)
    # Her "every queue" is every queue of hers.
    rule = await editor.save("rina", RINA, _busy(queues=()), KNOWN, new=True)
    assert rule.queues == [7]
    # Sam (another team) may neither change nor delete it; an admin may.
    with pytest.raises(ActionDenied, match="not for your boards"):
        await editor.save("sam", SAM, _busy(boards=("support",)), KNOWN, new=False)
    with pytest.raises(ActionDenied, match="not yours"):
        await editor.delete("sam", SAM, "busy")
    # A new rule under a name in use is refused (editing it is the way).
    with pytest.raises(RuleProblems, match="name_taken"):
        await editor.save("boss", ADMIN, _busy(), KNOWN, new=True)
    await editor.save("boss", ADMIN, _busy(fire=9.0, clear=3.0), KNOWN, new=False)
    assert editor.rules["busy"].fire == 9.0
    # Nobody signed in (an open desk): no change.
    with pytest.raises(ActionDenied, match="signed-in"):
        await editor.save("", Scope(Role.OPEN, act=True), _busy("x"), KNOWN, new=True)


async def _two_open(store: Store, clock: Clock) -> tuple[Alerts, AlertDesk]:
    rules = {
        "busy": AlertRule(metric="waiting", fire=5, clear=2, boards=["sales"]),
        "any": AlertRule(metric="waiting", fire=1, clear=0),
    }
    alerts = Alerts(_settings(rules=rules), _hub(), store, clock=clock, deliver=False)
    await alerts.check()
    assert sorted(alerts.active) == [("any", 7), ("any", 8), ("busy", 7)]
    return alerts, AlertDesk(alerts, store, clock=clock)


async def test_acknowledged_and_snoozed_alerts_leave_the_strip_and_a_snooze_ends(
    store: Store,
) -> None:
    clock = Clock()
    alerts, desk = await _two_open(store, clock)
    of = board_alerts(alerts, desk.quiet)
    sales = board_specs(_settings())["sales"]

    def strip() -> list[str]:
        return [a["id"] for a in of(sales) if not a["ack"]]

    assert strip() == ["busy:7", "any:7"]
    await desk.acknowledge("rina", RINA, "busy:7", "  on it  ")
    await desk.snooze("rina", RINA, "any:7", 15)
    assert strip() == [] and [a["id"] for a in of(sales)] == ["busy:7", "any:7"]  # marked
    h = desk.handled(alerts.active[("busy", 7)])
    assert h is not None and (h.by, h.note, h.until) == ("rina", "on it", None)
    clock.now += 15 * 60 - 1
    assert strip() == []
    clock.now += 1  # the snooze ends by itself: back on the strip, still open
    assert strip() == ["any:7"]
    rows = [(r.actor, r.action, r.target, json.loads(r.detail)) for r in await store.audit_rows()]
    assert rows[1][:3] == ("rina", "alert_ack", "busy:7") and rows[1][3]["note"] == "on it"
    assert rows[0][:3] == ("rina", "alert_snooze", "any:7") and rows[0][3]["minutes"] == 15


async def test_every_process_reads_an_ack_and_a_new_firing_is_shown_again(
    store: Store,
) -> None:
    clock = Clock()
    busy = AlertRule(metric="waiting", fire=5, clear=2, boards=["sales"])
    alerts = Alerts(_settings(), _hub(), store, clock=clock, deliver=False)
    desk = AlertDesk(alerts, store, clock=clock)
    alerts.set_ui_rules({"busy": busy})
    await alerts.check()
    await desk.acknowledge("rina", RINA, "busy:7")
    assert desk.quiet(alerts.active[("busy", 7)])
    # Another process of the account (a cluster's web node) judging the same rule on its
    # own beat: it reads the acknowledgement back and leaves the alert off its kiosks too.
    clock.now += 2
    other = Alerts(_settings(), _hub(), store, clock=clock, deliver=False)
    other.set_ui_rules({"busy": busy})
    await other.check()
    other_desk = AlertDesk(other, store, clock=clock)
    assert not other_desk.quiet(other.active[("busy", 7)])
    await other_desk.load()
    assert other_desk.quiet(other.active[("busy", 7)])
    # The rule taken away and made again a minute later: its alert fires anew, shown again.
    clock.now += 60
    alerts.set_ui_rules({})
    alerts.set_ui_rules({"busy": busy})
    await alerts.check()
    assert not desk.quiet(alerts.active[("busy", 7)])
    # Acknowledged, cleared and fired again a second later (inside the window that lets
    # another process's firing of the same alert count as the one acknowledged): new, shown.
    await desk.acknowledge("rina", RINA, "busy:7")
    assert desk.quiet(alerts.active[("busy", 7)])
    clock.now += 1
    alerts.set_ui_rules({})
    alerts.set_ui_rules({"busy": busy})
    await alerts.check()
    assert not desk.quiet(alerts.active[("busy", 7)])


async def test_only_a_lead_of_its_boards_handles_an_alert_as_of_now(store: Store) -> None:
    clock = Clock()
    _, desk = await _two_open(store, clock)
    with pytest.raises(ActionDenied, match="team lead of its boards"):
        await desk.acknowledge("sam", SAM, "busy:7")  # Sales' queue, not his
    # Rina narrowed to Support since her page was built: refused at the moment of the action.
    narrowed = Scope(Role.LEAD, "rina", frozenset({"support"}), frozenset({8}), None, act=True)
    with pytest.raises(ActionDenied):
        await desk.snooze("rina", narrowed, "busy:7", 30)
    # Deleted (her session's scope is nobody's now).
    with pytest.raises(ActionDenied):
        await desk.acknowledge("rina", Scope(Role.ANONYMOUS, boards=frozenset()), "busy:7")
    with pytest.raises(ActionDenied, match="15, 30, 60"):
        await desk.snooze("rina", RINA, "busy:7", 45)
    with pytest.raises(ActionDenied, match="no longer open"):
        await desk.acknowledge("rina", RINA, "busy:99")
    refused = [(r.actor, r.action, r.ok) for r in await store.audit_rows()]
    assert refused == [
        ("rina", "alert_ack", False),
        ("rina", "alert_snooze", False),
        ("sam", "alert_ack", False),
    ]


async def _receiver(status: int) -> tuple[web.AppRunner, str, list[dict[str, str]]]:
    got: list[dict[str, str]] = []

    async def hook(request: web.Request) -> web.Response:
        got.append(await request.json())
        return web.Response(status=status, text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/hook", got


async def test_the_webhooks_test_says_what_happened(store: Store) -> None:
    runner, url, got = await _receiver(200)
    bad, bad_url, _ = await _receiver(500)
    try:
        for hook_url, expected in (
            (url, None),
            (bad_url, "the webhook answered HTTP 500"),
            (None, "no webhook is set ([alerts] webhook_url)"),
        ):
            alerts = Alerts(_settings(webhook_url=hook_url), _hub(), store)
            try:
                assert await alerts.test_webhook() == expected
            finally:
                await alerts.close()
        assert len(got) == 1 and "test" in got[0]["text"]
    finally:
        await runner.cleanup()
        await bad.cleanup()
    # Nobody listening there any more: said so, without the URL (it holds the secret).
    alerts = Alerts(_settings(webhook_url=url + "?secret=s3cr3t"), _hub(), store)
    try:
        why = await alerts.test_webhook()
    finally:
        await alerts.close()
    assert why is not None and why.startswith("the webhook was not reached") and "s3cr3t" not in why
