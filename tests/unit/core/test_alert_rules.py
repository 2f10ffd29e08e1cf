"""The alert rule editor's checks (`core.alert_rules.check_rule`): each mistake named by its
field, a lead kept to her boards and queues."""

from __future__ import annotations

import math

import pytest

from wallboard.core.alert_rules import Problem, RuleDraft, RuleRights, check_rule

ADMIN = RuleRights(
    known_queues={101, 102},
    known_boards={"sales", "support", "floor"},
    fixed_names={"sl"},
    taken_names={"long-wait"},
)
LEAD = RuleRights(
    known_queues={101, 102},
    known_boards={"sales", "support", "floor"},
    boards=frozenset({"sales"}),
    queues=frozenset({101}),
)


def _draft(**kw: object) -> RuleDraft:
    base: dict[str, object] = {
        "name": "busy",
        "metric": "waiting",
        "fire": 5.0,
        "clear": 2.0,
        "queues": (101,),
        "boards": ("sales",),
    }
    return RuleDraft(**{**base, **kw})  # type: ignore[arg-type]


def _codes(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in problems]


def test_a_good_rule_has_no_problems() -> None:
    assert check_rule(_draft(), ADMIN) == []
    assert check_rule(_draft(), LEAD) == []
    sl = _draft(metric="service_level", fire=80.0, clear=85.0, min_sample=10.0)
    assert check_rule(sl, ADMIN) == []


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"name": "Busy Queue"}, [("name", "name_form")]),
        ({"name": ""}, [("name", "name_form")]),
        ({"name": "sl"}, [("name", "name_fixed")]),
        ({"name": "long-wait"}, [("name", "name_taken")]),
        ({"metric": "mood"}, [("metric", "metric_unknown")]),
        ({"fire": None}, [("fire", "required")]),
        ({"clear": math.nan}, [("clear", "required")]),
        ({"fire": -1.0, "clear": -2.0}, [("fire", "negative"), ("clear", "negative")]),
        # Waiting fires above its level: clearing above it would never let it settle.
        ({"fire": 5.0, "clear": 7.0}, [("clear", "clear_above")]),
        (
            {"metric": "service_level", "fire": 80.0, "clear": 70.0},
            [("clear", "clear_below")],
        ),
        (
            {"metric": "service_level", "fire": 120.0, "clear": 130.0},
            [
                ("fire", "over"),
                ("clear", "over"),
            ],
        ),
        (
            {"metric": "service_level", "fire": 80.0, "clear": 85.0, "min_sample": 2.5},
            [("min_sample", "whole_number")],
        ),
        ({"queues": (101, 999)}, [("queues", "unknown_queues")]),
        ({"boards": ("nowhere",)}, [("boards", "unknown_boards")]),
        ({"message": "x" * 201}, [("message", "too_long")]),
        ({"message_he": "א" * 201}, [("message_he", "too_long")]),
    ],
)
def test_each_mistake_is_named_by_its_field(kw: dict[str, object], expected: list[object]) -> None:
    assert _codes(check_rule(_draft(**kw), ADMIN)) == expected


def test_the_problem_says_which() -> None:
    (p,) = check_rule(_draft(queues=(101, 999, 998)), ADMIN)
    assert p.args == {"which": "999, 998"}
    (p,) = check_rule(_draft(fire=5.0, clear=9.0), ADMIN)
    assert p.args == {"fire": "5"}


def test_a_lead_names_only_her_boards_and_queues() -> None:
    assert _codes(check_rule(_draft(boards=()), LEAD)) == [("boards", "boards_needed")]
    assert _codes(check_rule(_draft(boards=("sales", "support")), LEAD)) == [
        ("boards", "not_your_boards")
    ]
    assert _codes(check_rule(_draft(queues=(102,)), LEAD)) == [("queues", "not_your_queues")]
    # An admin may leave boards empty (every kiosk) and name any queue.
    assert check_rule(_draft(boards=(), queues=(102,)), ADMIN) == []


def test_min_sample_only_matters_for_service_level() -> None:
    assert check_rule(_draft(min_sample=None), ADMIN) == []
    assert _codes(
        check_rule(_draft(metric="service_level", fire=80.0, clear=90.0, min_sample=None), ADMIN)
    ) == [("min_sample", "whole_number")]
