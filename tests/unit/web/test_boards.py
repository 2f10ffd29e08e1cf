"""Boards, masking, auth and the publisher, with the real fold fed recorded frames."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import realtime
from wallboard.config import Settings, load_settings
from wallboard.errors import ConfigError
from wallboard.runtime.hub import Hub
from wallboard.voicenter.ingest import FrameParser
from wallboard.web.auth import Access, hash_password, verify_password
from wallboard.web.boards import Membership, board_specs, mask_number
from wallboard.web.i18n import metric_texts, status_names
from wallboard.web.publisher import Publisher


class Tab:
    """Stands where a browser tab's board element stands: keeps what it was sent."""

    def __init__(self, board: str) -> None:
        self.board = board
        self.got: list[dict[str, object]] = []
        self.alive = True

    async def send(self, payload: str) -> bool:
        self.got.append(json.loads(payload))
        return self.alive


def _settings(tmp_path: Path, text: str) -> Settings:
    p = tmp_path / "w.toml"
    p.write_text(text, encoding="utf-8")
    return load_settings(p, env={})


def test_password_hash_round_trip_and_rejects() -> None:
    h = hash_password("s3cret")
    assert h.startswith("scrypt$") and "s3cret" not in h
    assert verify_password("s3cret", h)
    assert not verify_password("S3cret", h)
    assert not verify_password("s3cret", "plain-text")
    assert not verify_password("s3cret", "scrypt$1$2$3$!!$??")
    assert hash_password("x") != hash_password("x")  # salted


def test_access_users_file_and_kiosk_tokens(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    users.write_text(f'[users.rina]\npassword_hash = "{hash_password("pw")}"\nboards = ["a"]\n')
    s = _settings(
        tmp_path,
        f'[auth]\nusers_file = "{users}"\n[kiosk.tokens.tv]\ntoken = "tok"\nboards = ["a"]\n'
        "[boards.a]\n[boards.b]\n",
    )
    acc = Access(s)
    assert not acc.open
    assert acc.login("rina", "pw") and not acc.login("rina", "nope") and not acc.login("x", "pw")
    assert acc.may_see("rina", "a") and not acc.may_see("rina", "b")
    k = acc.kiosk("tok")
    assert k is not None and k.boards == ("a",)
    assert acc.kiosk("tok2") is None and acc.kiosk(None) is None


def test_bad_users_file_names_file_and_key(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    users.write_text("[users.rina]\nname = 'no hash'\n")
    s = _settings(tmp_path, f'[auth]\nusers_file = "{users}"\n')
    with pytest.raises(ConfigError) as e:
        Access(s)
    assert str(users) in str(e.value) and "users.rina.password_hash" in str(e.value)


def test_bad_board_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        _settings(tmp_path, '[boards.a]\nwidgets = ["clock"]\n')
    assert "boards.a.widgets" in str(e.value)


def test_board_specs_default_and_teams(tmp_path: Path) -> None:
    assert list(board_specs(Settings())) == ["all"]
    s = _settings(
        tmp_path,
        "[teams.t1]\nextensions = [1, 2]\ndepartment = 'sales'\nqueues = [9]\n"
        "[teams.t2]\nextensions = [3]\n"
        "[boards.x]\nteams = ['t2']\nextensions = [7]\n"
        "[boards.y]\ndepartments = ['sales']\nqueues = [9]\nlanguage = 'he'\n",
    )
    specs = board_specs(s)
    assert specs["x"].extensions == frozenset({3, 7}) and specs["x"].queues is None
    assert specs["y"].extensions == frozenset({1, 2}) and specs["y"].language == "he"
    assert Membership(s).members(9) == {1, 2}


def test_agents_available_is_unknown_until_a_member_is_known(tmp_path: Path) -> None:
    hub = Hub()
    for prefix in ("00", "01", "02"):
        FrameParser(hub).feed_frame(realtime(prefix), 1597945606.0)
    state = hub.state
    available = [a.extension for a in state.agents.values() if a.state.value == "available"]
    assert available  # the fixture floor has someone available
    # No team and no call seen for the queue: unknown ("—"), not a false "0 available".
    assert Membership(Settings()).available(1234567, state) is None
    # A team naming one available and one logged-out agent: exactly one is available.
    logged_out = next(a.extension for a in state.agents.values() if a.state.value == "logged_out")
    s = _settings(
        tmp_path,
        f"[teams.t]\nextensions = [{available[0]}, {logged_out}]\nqueues = [1234567]\n",
    )
    assert Membership(s).available(1234567, state) == 1


def test_demo_teams_follow_the_simulated_skills() -> None:
    from wallboard.commands.demo import demo_teams
    from wallboard.sim.model import CallCentre
    from wallboard.sim.server import model_config

    model = CallCentre(model_config(Settings().simulator))
    teams = demo_teams(model)
    assert len(teams) == len(model.queues)
    for q in model.queues:
        team = teams[f"queue-{q.queue_id}"]
        assert team.queues == [q.queue_id] and team.name == q.name
        assert set(team.extensions) == {a.extension for a in model.agents if q in a.skills}
        assert team.extensions  # every simulated queue has someone to answer it


def test_mask_number() -> None:
    assert mask_number("0501234567", 3) == "•••••••567"
    assert mask_number("12", 3) == "12"
    assert mask_number("", 3) == ""
    assert mask_number("0501234567", 0) == "••••••••••"


def test_status_names_and_metric_texts() -> None:
    s = Settings()
    he = status_names(s, "he")
    assert he["break:3"] == "הפסקת צהריים" and he["talking"] == "בשיחה"
    assert status_names(s, "en")["break:3"] == "Lunch"
    texts = metric_texts("en")
    assert "answered within threshold" in texts["service_level"]["formula"]


async def test_publisher_snapshot_then_deltas_with_masking() -> None:
    hub = Hub()
    settings = Settings()
    pub = Publisher(hub, settings)
    tab = Tab("all")
    pub.attach(tab)
    for prefix in ("01", "02"):
        FrameParser(hub).feed_frame(realtime(prefix), 1597945606.0)
    await pub.tick()
    snap = tab.got[-1]
    assert snap["full"] is True
    agents = snap["agents"]
    assert isinstance(agents, dict) and set(agents) == {"9876543", "9876542"}
    queues = snap["queues"]
    assert isinstance(queues, dict)
    waiting = queues["12345678"]["waiting"]
    assert waiting[0]["num"] == "•••••••567" and waiting[0]["name"] == ""
    assert "0501234567" not in json.dumps(snap)

    FrameParser(hub).feed_frame(
        realtime("06"), 1606908124.0
    )  # a later day: the day resets, all is resent
    await pub.tick()
    reset = tab.got[-1]
    assert reset["full"] is True
    call = reset["agents"]["1234567"]["calls"][0]  # type: ignore[index]
    assert call["dir"] == "incoming" and call["num"] == "•••••••567"

    FrameParser(hub).feed_frame(realtime("14"), 1606917164.0)  # same day: a delta of one agent
    await pub.tick()
    delta = tab.got[-1]
    assert delta["full"] is False and delta["seq"] == int(str(reset["seq"])) + 1
    changed = delta["agents"]
    assert isinstance(changed, dict) and list(changed) == ["1234567"]
    assert changed["1234567"]["s"] == "break" and changed["1234567"]["k"] == "break:3"
    assert delta["ev"] == 1606917164.0

    tab.alive = False
    FrameParser(hub).feed_frame(realtime("13"), 1606917165.0)
    await pub.tick()
    assert pub.tabs == 0  # a closed tab is dropped


async def test_board_filters_agents_and_queues(tmp_path: Path) -> None:
    s = _settings(tmp_path, "[boards.b]\nextensions = [9876542]\nqueues = [12345679]\n")
    hub = Hub()
    pub = Publisher(hub, s)
    tab = Tab("b")
    pub.attach(tab)
    for prefix in ("01", "02"):
        FrameParser(hub).feed_frame(realtime(prefix), 1597945606.0)
    await pub.tick()
    snap = tab.got[-1]
    assert list(snap["agents"]) == ["9876542"]  # type: ignore[call-overload]
    assert list(snap["queues"]) == ["12345679"]  # type: ignore[call-overload]


async def test_broadcast_sends_one_delta_per_board_and_snapshots_per_tab() -> None:
    sent: list[tuple[str, str]] = []

    async def broadcast(board: str, payload: str) -> None:
        sent.append((board, payload))

    hub = Hub()
    pub = Publisher(hub, Settings(), broadcast)
    tabs = [Tab("all") for _ in range(3)]
    for t in tabs:
        pub.attach(t)
    for prefix in ("01", "02"):
        FrameParser(hub).feed_frame(realtime(prefix), 1597945606.0)
    await pub.tick()
    assert [len(t.got) for t in tabs] == [1, 1, 1] and all(t.got[0]["full"] for t in tabs)
    FrameParser(hub).feed_frame(realtime("02"), 1597945607.0)
    await pub.tick()
    assert [b for b, _ in sent] == ["all", "all"]  # one per tick for all tabs
    assert [len(t.got) for t in tabs] == [1, 1, 1]


def test_the_default_board_title_is_translated() -> None:
    from wallboard.web.boards import board_title

    spec = board_specs(Settings())["all"]
    assert board_title(spec, "en") == "All queues"
    assert board_title(spec, "he") == "כל התורים"


def test_a_boards_own_queue_levels_win() -> None:
    from wallboard.config import BoardSettings
    from wallboard.core.picks import Lists
    from wallboard.services.editor import by_names
    from wallboard.web.boards import thresholds_json

    levels = {"waiting": {"warn": 5, "alarm": 9}, "abandon_rate_percent": {"warn": 1, "alarm": 2}}
    form = {"queues": ["VIP"], "thresholds": {"VIP": levels}}
    b = BoardSettings.model_validate(by_names(form, Lists(queues={102: "VIP"})))
    spec = board_specs(Settings(), {"vip": b})["vip"]
    got = thresholds_json(Settings(), spec)["queues"]["102"]
    assert got["waiting"] == [5, 9] and got["abandon"] == [1, 2] and got["sl"] == [80, 70]
    assert "102" not in thresholds_json(Settings())["queues"]


def test_few_calls_show_no_service_level_and_erlang_figures_come_along() -> None:
    from wallboard.core.models import Queue, State
    from wallboard.web.boards import QueueModel, floor_json, queue_json

    hub = Hub()
    FrameParser(hub).feed_frame(realtime("01"), 1597945606.0)
    state: State = hub.state
    assert state.day is not None and state.queues
    q: Queue = next(iter(state.queues.values()))
    t = state.day.queue(q.queue_id)
    t.answered, t.abandoned = 0, 1  # one caller gave up: "SL 0 %" on a sample of one
    now = float(state.day.bounds.start + 3600)
    few = queue_json(q, state, now, None, True, 3, QueueModel(min_calls=5, handle=180.0))
    assert few["few"] and few["today"]["service_level"] is None
    assert few["today"]["abandon_rate"] is None
    t.answered, t.answered_within_sl, t.offered = 9, 8, 10
    ok = queue_json(q, state, now, None, True, 3, QueueModel(5, 180.0, None, 0.8))
    assert not ok["few"] and ok["today"]["service_level"] == 0.8
    # 10 calls in the hour × 180 s = 0.5 Erlang: one agent reaches 53 % in 20 s, two 95 %.
    assert ok["need"] == 2 and ok["ar"] == 0.0025
    spec = next(iter(board_specs(Settings()).values()))
    assert floor_json(state, spec, 5)["sl"] is not None
    assert floor_json(state, spec, 50) == {"sl": None, "n": 10, "few": True}


def test_detail_pages_speak_in_words() -> None:
    from wallboard.web.pages.call import _status_words
    from wallboard.web.pages.queue import _in_words

    assert _status_words("ABANDONE", "en") == "Abandoned in the queue"
    assert _status_words("ANSWER", "he") == "נענתה"
    assert _status_words("SOMETHING_NEW", "en") == "SOMETHING_NEW"  # unknown: as sent
    assert _in_words("service_level", 1.0) == "100%"
    assert _in_words("asa", 27_852.0) == "7:44:12"
    assert _in_words("answered", 3) == 3 and _in_words("abandon_rate", None) == "—"


def test_fold_keeps_the_days_status_spans() -> None:
    hub = Hub()
    for prefix, at in (("06", 1606908124.0), ("07", 1606908130.0), ("14", 1606917164.0)):
        FrameParser(hub).feed_frame(realtime(prefix), at)
    day = hub.state.day
    assert day is not None
    spans = [s for t in day.agents.values() for s in t.spans]
    assert spans and all(a < b for _, a, b in spans)
