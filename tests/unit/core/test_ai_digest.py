"""`aiData` is stored once: the parsed copy's cut reads the same insights as the whole."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CDR
from wallboard.core.calls import Cdr, ai_insights, stored_form
from wallboard.voicenter.cdr import parse_cdr

BASE = json.loads((CDR / "incoming-queue-answer.json").read_text())
KEYS = ["summary", "insights", "questions", "key", "answer", "emotions", "sentences", "emotion"]
leaves = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=8))
values = st.recursive(
    st.one_of(leaves, st.sampled_from(["category", "angry", "calm"])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=5))
def test_the_cut_reads_the_same_insights(ai: dict[str, Any]) -> None:
    cdr = Cdr.model_validate(dict(BASE, aiData=ai))
    assert ai_insights(stored_form(cdr)) == ai_insights(cdr)


def test_a_long_call_is_stored_at_a_fraction_of_its_ai_data() -> None:
    rng = random.Random(7)
    body: dict[str, Any] = dict(BASE, aiData=_long_ai(rng))
    cdr, _ = parse_cdr(json.dumps(body).encode())
    whole = len(cdr.model_dump_json(by_alias=True))
    cut = len(stored_form(cdr).model_dump_json(by_alias=True))
    assert whole > 50_000 and cut < 3_000
    ins = ai_insights(cdr)
    assert ins is not None and ins.category and ins.emotions
    assert ai_insights(stored_form(cdr)) == ins


def _long_ai(rng: random.Random) -> dict[str, Any]:
    """A vendor-shaped aiData with a long transcript (as the simulator makes, but longer)."""
    sentences = [
        {"sentence_id": i, "emotion": rng.choice(["neutral", "satisfied"]), "confidence": 0.9}
        for i in range(40)
    ]
    transcript = [{"speaker": i % 2, "text": "word " * 200} for i in range(50)]
    return {
        "insights": {
            "questions": [{"key": "category", "answer": "billing issue", "question": "?" * 100}],
            "summary": "The caller asked about a double charge; refunded.",
        },
        "emotions": {"questions": [], "sentences": sentences},
        "transcript": transcript,
    }
