"""Names → ids for the board editor: picked by name, refused by name when unknown."""

from __future__ import annotations

import pytest

from wallboard.core.picks import UnknownNames, labels, resolve

QUEUES = {101: "Sales", 102: "Support", 103: "Billing", 104: "sales", 105: ""}


def test_labels_are_unique_and_never_empty() -> None:
    got = labels(QUEUES)
    assert got == {
        101: "Sales (101)",
        102: "Support",
        103: "Billing",
        104: "sales (104)",
        105: "#105",
    }
    assert len(set(got.values())) == len(got)


def test_names_resolve_to_ids_in_the_order_picked_whatever_the_case() -> None:
    assert resolve("queue", [" support ", "BILLING", "Support", ""], QUEUES) == [102, 103]
    assert resolve("queue", ["Sales (101)", "#105"], QUEUES) == [101, 105]
    assert resolve("team", ["Front desk"], {"front": "Front desk"}) == ["front"]


def test_an_unknown_name_is_refused_with_the_names_there_are() -> None:
    with pytest.raises(UnknownNames) as e:
        resolve("queue", ["Support", "Salse", "Retention"], QUEUES)
    text = str(e.value)
    assert text.startswith("no queue named 'Salse', 'Retention'")
    assert "there are: #105, Billing, Sales (101), sales (104), Support" in text


def test_a_name_two_things_share_must_be_picked_by_its_label() -> None:
    with pytest.raises(UnknownNames, match="'sales' names several queues"):
        resolve("queue", ["sales"], QUEUES)


def test_an_empty_list_says_so() -> None:
    with pytest.raises(UnknownNames, match=r"no agent named 'Dana' \(there are no agents\)"):
        resolve("agent", ["Dana"], {})
