"""The live state survives the trip through key-value entries, key by key."""

from __future__ import annotations

from tests.floor import floor_events
from wallboard.cluster import codec
from wallboard.core.view import state_view
from wallboard.runtime.hub import Hub


def _hub() -> Hub:
    hub = Hub()
    for e in floor_events({7: ["a.1", "b/2 é"], 8: []}, {101: "c-9"}):
        hub.feed(e)
    return hub


def test_agents_queues_calls_link_and_day_round_trip():
    hub = _hub()
    s = hub.state
    assert s.day is not None
    for ext, a in s.agents.items():
        back, tally, ev = codec.decode_agent(codec.encode_agent(a, s.day.agents.get(ext), 9.5))
        assert ev == 9.5
        t = s.day.agents.get(ext)
        assert back == a and tally is not None and t is not None
        # What a board shows; the fold's own bookkeeping (calls seen) stays with the fold.
        shown = ("answered", "missed", "outgoing", "talk_seconds", "status_seconds")
        assert [getattr(tally, f) for f in shown] == [getattr(t, f) for f in shown]
    for qid, q in s.queues.items():
        back_q, qt, _, _ = codec.decode_queue(qid, codec.encode_queue(q, s.day.queues.get(qid)))
        assert (back_q.queue_id, back_q.name) == (q.queue_id, q.name) and qt == s.day.queues.get(
            qid
        )
        for cid, c in q.waiting.items():
            key = codec.call_key(qid, cid)
            assert codec.split_call_key(key) == (qid, cid)
            assert all(ch.isalnum() or ch in "-_." for ch in key)  # NATS key characters
            assert codec.decode_call(codec.encode_call(c, 5)) == (c, 5)
    conn, clock, at = codec.decode_link(codec.encode_link(s, 123.5))
    assert conn == s.connection and clock == s.clock and at == 123.5
    assert codec.decode_day(codec.encode_day(s.day)).bounds == s.day.bounds
    assert state_view(s, 0.0)["agents"]  # the view the web node serves is built from these


def test_the_simulators_address_travels_bare_or_not_at_all():
    for url in ("http://127.0.0.1:8301", "http://sim.example:8301/", "https://[::1]:9"):
        assert codec.decode_sim_url(codec.encode_sim_url(url)) == url.rstrip("/")
    # A web node sends the simulator's API code there: nothing but scheme, host and port.
    for bad in (
        "http://127.0.0.1",  # no port
        "http://u:pw@127.0.0.1:8301",
        "http://127.0.0.1:8301/elsewhere",
        "http://127.0.0.1:8301/?code=x",
        "http://127.0.0.1:8301/#x",
        "file://127.0.0.1:8301",
        "http://127.0.0.1:99999",
        "not a url",
    ):
        assert codec.decode_sim_url(codec.encode_sim_url(bad)) is None, bad
    for junk in (b"", b"\xff", b"[]", b'"http://127.0.0.1:1"', b'{"url": 5}', b"{}"):
        assert codec.decode_sim_url(junk) is None, junk


def test_a_queues_minutes_round_trip_for_the_rolling_windows():
    hub = _hub()
    day = hub.state.day
    assert day is not None
    day.minute(7, 600.0).offered = 3
    newest = day.minute(7, 660.0)
    newest.offered, newest.answered, newest.answered_within_sl = 2, 1, 1
    minutes = day.recent[7]
    assert codec.decode_recent(codec.encode_recent(minutes)) == minutes
    q = hub.state.queues[7]
    *_, minute = codec.decode_queue(7, codec.encode_queue(q, None, None, (11, newest)))
    assert minute == (11, newest)
    *_, none = codec.decode_queue(7, codec.encode_queue(q, None))
    assert none is None  # a queue with no minute yet carries none
