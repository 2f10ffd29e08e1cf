"""The simulator's model: deterministic, vendor-shaped, and it does what a floor does."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from wallboard.errors import ConfigError
from wallboard.runtime.hub import Hub
from wallboard.sim.model import CallCentre, Frame, ModelConfig
from wallboard.sim.scenario import bundled_names, load_scenario, parse_scenario
from wallboard.voicenter.ingest import FrameParser

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "realtime"
START = 1_763_888_400.0  # a weekday morning in Israel


def _run(config: ModelConfig, seconds: float, step: float = 1.0) -> list[Frame]:
    model = CallCentre(config)
    frames: list[Frame] = []
    t, end = config.start, config.start + seconds
    while t < end:
        t = min(t + step, end)
        frames.extend(model.advance(t))
    return frames


def _digest(frames: list[Frame]) -> str:
    h = hashlib.sha256()
    for f in frames:
        h.update(json.dumps([f.name, f.payload], sort_keys=True).encode())
    return h.hexdigest()


def test_same_seed_same_stream() -> None:
    cfg = ModelConfig(agents=25, queues=4, seed=5, start=START)
    a = _run(cfg, 1800)
    b = _run(cfg, 1800, step=7.3)  # how time is sliced does not matter either
    assert len(a) > 500
    assert _digest(a) == _digest(b)


def test_other_seed_other_stream() -> None:
    a = _run(ModelConfig(agents=25, queues=4, seed=5, start=START), 600)
    b = _run(ModelConfig(agents=25, queues=4, seed=6, start=START), 600)
    assert _digest(a) != _digest(b)


def _keys(obj: Any) -> set[str]:
    return set(obj) if isinstance(obj, dict) else set()


def test_events_have_the_fixtures_shapes() -> None:
    frames = _run(ModelConfig(agents=30, queues=4, seed=2, start=START), 3600)
    by_reason: dict[str, dict[str, Any]] = {}
    for f in frames:
        reason = f.payload.get("reason") or f.payload.get("data", {}).get("reason")
        by_reason.setdefault(f"{f.name}:{reason}", f.payload)
    fixture = {
        "QueueEvent:JOIN": "03-QueueEvent-JOIN.json",
        "ExtensionEvent:NEWCALL": "06-ExtensionEvent-incoming-NEWCALL.json",
        "ExtensionEvent:ANSWER": "07-ExtensionEvent-incoming-ANSWER.json",
        "ExtensionEvent:HANGUP": "08-ExtensionEvent-incoming-HANGUP.json",
        "ExtensionEvent:userStatusUpdate": "14-ExtensionEvent-userStatusUpdate.json",
    }
    for key, name in fixture.items():
        _, want = json.loads((FIXTURES / name).read_text())
        got = by_reason[key]
        assert _keys(want) <= _keys(got), key
        assert _keys(want["data"]) <= _keys(got["data"]), key
        if "currentCall" in want["data"]:
            assert _keys(want["data"]["currentCall"]) <= _keys(got["data"]["currentCall"])
    for reason in ("EXIT", "ABANDONED"):
        assert f"QueueEvent:{reason}" in by_reason
    for reason in ("HOLD", "UNHOLD"):
        assert f"ExtensionEvent:{reason}" in by_reason


def test_floor_behaviour_over_an_hour() -> None:
    """Ring-all groups, missed rings, click-to-call legs, breaks: all there, all parseable."""
    cfg = ModelConfig(agents=40, queues=4, seed=3, start=START)
    model = CallCentre(cfg)
    hub = Hub()
    FrameParser(hub).feed_frame(json.dumps(["loginStatus", model.login_status()]), None)
    FrameParser(hub).feed_frame(json.dumps(["AllExtensionsStatus", model.all_extensions()]), None)
    causes: Counter[str] = Counter()
    c2c_legs: set[str] = set()
    statuses: Counter[int] = Counter()
    t = START
    while t < START + 3600:
        t += 2
        for f in model.advance(t):
            assert FrameParser(hub).feed_frame(json.dumps([f.name, f.payload]), None) is not None
            data = f.payload["data"]
            if f.name == "ExtensionEvent" and "cause" in data:
                causes[data["cause"]] += 1
            if f.name == "ExtensionEvent" and "c2cdirection" in data.get("currentCall", {}):
                c2c_legs.add(data["currentCall"]["c2cdirection"])
            if f.payload.get("reason") == "userStatusUpdate":
                statuses[data["representativeStatus"]] += 1
    assert not hub.malformed_events
    assert causes["Answered elsewhere"] > 0 and causes["Normal hangup"] > 0
    assert c2c_legs == {"1", "2"}
    assert statuses[1] > 0 and any(code not in (1, 2) for code in statuses)
    cdrs = model.take_cdrs()
    kinds = Counter(c["type"] for c in cdrs)
    assert kinds["Queue"] > 0 and kinds["Click2Call leg1"] == kinds["Click2Call leg2"] > 0
    assert any("aiData" in c for c in cdrs)
    truth = model.truth()
    assert sum(q["answered"] for q in truth["queues"].values()) > 100


def test_queue_calls_carry_queue_id_and_ivrid() -> None:
    frames = _run(ModelConfig(agents=20, queues=3, seed=4, start=START), 900)
    joins = {
        f.payload["ivruniqueid"]: f.payload["data"]["QueueID"]
        for f in frames
        if f.name == "QueueEvent" and f.payload["reason"] == "JOIN"
    }
    answered = [
        f.payload["data"]["currentCall"]
        for f in frames
        if f.name == "ExtensionEvent" and f.payload["data"].get("reason") == "ANSWER"
    ]
    incoming = [c for c in answered if c["direction"] == "Incoming"]
    assert incoming
    for c in incoming:
        assert joins[c["ivrid"]] == c["queueID"]


def test_scenarios_change_the_floor() -> None:
    base = ModelConfig(agents=40, queues=4, seed=9, start=START)
    plain = CallCentre(base)
    plain.advance(START + 1800)
    surge = CallCentre(
        ModelConfig(agents=40, queues=4, seed=9, start=START, scenario=load_scenario("surge"))
    )
    surge.advance(START + 1800)
    offered = lambda m: sum(q.offered for q in m.queues)  # noqa: E731
    assert offered(surge) > 1.5 * offered(plain)

    lunch = CallCentre(
        ModelConfig(agents=40, queues=4, seed=9, start=START, scenario=load_scenario("lunch"))
    )
    lunch.advance(START + 15 * 60)
    assert sum(a.status == 3 for a in lunch.agents) >= 10

    empty = CallCentre(
        ModelConfig(agents=40, queues=4, seed=9, start=START, scenario=load_scenario("empty-queue"))
    )
    empty.advance(START + 1800)
    first = empty.queues[0]
    assert first.answered == 0 and first.abandoned > 0


def test_bundled_scenarios_load_and_bad_ones_name_the_key() -> None:
    assert {"surge", "lunch", "empty-queue"} <= set(bundled_names())
    for name in bundled_names():
        load_scenario(name)
    with pytest.raises(ConfigError, match=r"surge\[0\]\.factor"):
        parse_scenario('[[surge]]\nfactor = "lots"\n', "x.toml")
    with pytest.raises(ConfigError, match="nonsense"):
        parse_scenario("nonsense = 1\n", "x.toml")


def test_cdrs_have_the_fixtures_fields() -> None:
    model = CallCentre(ModelConfig(agents=30, queues=3, seed=2, start=START))
    model.advance(START + 2 * 3600)  # long enough for a click-to-call with this seed
    by_type: dict[str, dict[str, Any]] = {}
    for c in model.take_cdrs():
        by_type.setdefault(c["type"], c)
    cdr_dir = FIXTURES.parent / "cdr"
    queue = json.loads((cdr_dir / "incoming-queue-answer.json").read_text())
    outgoing = json.loads((cdr_dir / "outgoing-answer.json").read_text())
    assert set(queue) <= set(by_type["Queue"])
    assert set(outgoing) <= set(by_type["Extension Outgoing"])
    assert by_type["Queue"]["seconds_waiting_in_queue"] >= 0
    assert {"Click2Call leg1", "Click2Call leg2"} <= set(by_type)


def test_start_time_forms() -> None:
    from wallboard.sim.server import start_time

    now = 1_763_888_400.0  # 11:00 in Israel
    assert start_time("now", now + 0.7) == now
    assert start_time("1700000000", now) == 1_700_000_000.0
    assert start_time("08:30", now) == now - 2.5 * 3600
    assert start_time("2025-11-23T09:00:00+00:00", now) == now
    with pytest.raises(ConfigError, match=r"simulator\.start"):
        start_time("teatime", now)


def test_hebrew_floor_same_stream_shape() -> None:
    """Hebrew names change the text, not the floor: same seed, same calls and statuses."""
    en = CallCentre(ModelConfig(agents=12, queues=3, seed=8, start=START))
    he = CallCentre(ModelConfig(agents=12, queues=3, seed=8, start=START, language="he"))
    assert he.agents[0].name != en.agents[0].name
    assert any("\u0590" <= ch <= "\u05ff" for ch in he.agents[0].name + he.queues[0].name)
    assert he.agents[0].email == en.agents[0].email  # logins stay Latin
    a, b = en.advance(START + 1200), he.advance(START + 1200)
    assert [(f.name, f.extension, f.queue) for f in a] == [
        (f.name, f.extension, f.queue) for f in b
    ]
