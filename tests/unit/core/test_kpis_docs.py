"""Every metric's definition appears in docs/metrics.md exactly as the code states it."""

from __future__ import annotations

from pathlib import Path

from wallboard.core import kpis

DOC = (Path(__file__).resolve().parents[3] / "docs" / "metrics.md").read_text(encoding="utf-8")


def test_every_metric_is_documented_with_its_formula():
    for m in kpis.METRICS.values():
        assert f"`{m.key}`" in DOC, m.key
        assert m.formula in DOC, m.key


def test_every_metric_function_states_its_formula():
    for fn in (
        kpis.service_level,
        kpis.abandon_rate,
        kpis.average_speed_of_answer,
        kpis.average_wait,
        kpis.longest_waiting_now,
        kpis.talk_time,
        kpis.time_in_status,
        kpis.time_in_status_seen,
    ):
        assert fn.__doc__ and "=" in fn.__doc__.splitlines()[0], fn.__name__
