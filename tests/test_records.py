"""The plain values between stages: the estimator's mutable records behave like the dataclasses they were."""

from __future__ import annotations

import pytest

from aiopt_hooks.records import Change, ChangeEstimate, Estimate, Finding, Result, Verdict

CHANGE = Change("config/llm.yaml", "summarize", "model", "gpt-4o-mini", "gpt-4o")


def _estimate() -> Estimate:
    return Estimate(["usage.jsonl"], 10, 7.0, 30.0, 12.5, changes=[ChangeEstimate(CHANGE, 10, delta_monthly_usd=3.0)])


def test_fields_compare_by_value() -> None:
    assert _estimate() == _estimate()
    assert ChangeEstimate(CHANGE) != ChangeEstimate(CHANGE, priced=False)
    assert ChangeEstimate(CHANGE) != CHANGE


def test_list_fields_are_not_shared() -> None:
    first, second = ChangeEstimate(CHANGE), ChangeEstimate(CHANGE)
    first.notes.append("a note")
    assert second.notes == []
    assert Estimate([], 0, 1.0, 30.0, 0.0).findings is not Estimate([], 0, 1.0, 30.0, 0.0).findings


def test_replace_copies_with_changes() -> None:
    est = _estimate()
    part = est._replace(changes=[], findings=[Finding("info", "x", "y")])

    assert (part.changes, part.baseline_monthly_usd, part.delta) == ([], 12.5, 0)
    assert est.delta == 3.0  # the original is unchanged
    with pytest.raises(TypeError, match="no field"):
        est._replace(changez=[])


def test_repr_names_the_fields() -> None:
    assert repr(ChangeEstimate(CHANGE)).startswith("ChangeEstimate(change=Change(file='config/llm.yaml'")


def test_the_mutable_records_are_not_hashable() -> None:
    with pytest.raises(TypeError):
        hash(ChangeEstimate(CHANGE))


def test_a_result_is_changed_by_copy() -> None:
    result = Result(Verdict("pass", 0))
    assert result._replace(summary_line="x").summary_line == "x"
    assert result.summary_line == "" and result.findings == [] and result.all_findings == []
