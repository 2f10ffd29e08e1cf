"""The one access rule: boards → queues and agents, numbers masked without the right."""

from __future__ import annotations

from wallboard.core.history import DayHistory, restrict
from wallboard.core.kpis import AgentTally, QueueTally, combine, service_level
from wallboard.core.scope import Role, Scope, mask_number, union, with_own_boards


def test_union_of_boards_none_means_all() -> None:
    sales = (frozenset({101}), frozenset({201, 202}))
    support = (frozenset({102}), frozenset({205}))
    assert union([sales, support]) == (frozenset({101, 102}), frozenset({201, 202, 205}))
    assert union([sales, (None, frozenset({9}))]) == (None, frozenset({201, 202, 9}))
    assert union([]) == (frozenset(), frozenset())  # no board: nothing


def test_scope_limits_queues_agents_and_numbers() -> None:
    s = Scope(Role.LEAD, "rina", frozenset({"sales"}), frozenset({101}), frozenset({201}))
    assert s.desk and not s.admin
    assert s.shows_board("sales") and not s.shows_board("floor")
    assert s.shows_queue(101) and not s.shows_queue(102) and not s.shows_queue(None)
    assert s.shows_agent(201) and not s.shows_agent(205) and not s.shows_agent(None)
    assert s.number("0501234567", 3) == "•••••••567"
    boss = Scope(Role.ADMIN, "boss", numbers=True)
    assert boss.admin and boss.shows_queue(None) and boss.number("0501234567", 3) == "0501234567"
    assert not Scope(Role.KIOSK).desk and not Scope(Role.ANONYMOUS).desk
    assert mask_number("", 3) == ""


def test_combine_adds_counts_and_keeps_the_longest_wait() -> None:
    a = QueueTally(offered=10, answered=8, answered_within_sl=6, longest_wait=40)
    b = QueueTally(offered=5, answered=5, answered_within_sl=5, longest_wait=90)
    c = combine([a, b])
    assert (c.offered, c.answered, c.answered_within_sl, c.longest_wait) == (15, 13, 11, 90)
    assert service_level(c) == service_level(
        QueueTally(offered=15, answered=13, answered_within_sl=11)
    )


def test_restrict_keeps_only_the_scope() -> None:
    d = DayHistory("2026-12-01")
    d.queues = {101: QueueTally(offered=3), 102: QueueTally(offered=7)}
    d.total = QueueTally(offered=10)
    d.queue_names = {101: "Sales", 102: "Support"}
    d.hour_queues = {(9, 101): QueueTally(offered=3), (9, 102): QueueTally(offered=7)}
    d.agents = {"s1": AgentTally(answered=2), "s2": AgentTally(answered=4)}
    d.queue_departments = {(101, "Sales"): QueueTally(offered=3), (102, ""): QueueTally(offered=7)}
    r = restrict(d, frozenset({101}), frozenset({"s1"}))
    assert r.total.offered == 3 and r.hours[9].offered == 3
    assert set(r.queues) == {101} and r.queue_names == {101: "Sales"}
    assert set(r.agents) == {"s1"}
    # Departments are sums of queues too: only hers are left.
    assert set(r.queue_departments) == {(101, "Sales")}
    assert restrict(d, None, None) is d


def test_a_leads_own_boards_join_her_scope_only_inside_it() -> None:
    rina = Scope(Role.LEAD, "rina", frozenset({"sales"}), frozenset({101, 102}), frozenset({201}))
    own = [
        ("sales-tv", frozenset({101}), frozenset({201})),  # inside: joins
        ("billing", frozenset({103}), frozenset({201})),  # a queue outside: not hers to see
        ("everyone", frozenset({101}), None),  # every agent: wider than hers
        ("every-queue", None, frozenset({201})),  # every queue: wider
    ]
    got = with_own_boards(rina, own)
    assert got.boards == frozenset({"sales", "sales-tv"})
    assert (got.queues, got.extensions) == (rina.queues, rina.extensions)  # never wider
    # A lead of every board: already sees them all.
    everything = Scope(Role.LEAD, "tal")
    assert with_own_boards(everything, own) == everything
