"""Reg 11(4): a placement exempt from reg 11 approval is not asked for reg 11's host consultation."""

from __future__ import annotations

from datetime import date

import pytest

from web.matching.services.decisions import deadlines
from web.models import Decision


@pytest.mark.parametrize(
    ("rule", "reg11_steps"),
    [("at_a_distance", 2), ("reg_11_4_connected_person", 0), ("reg_11_4_own_foster_carer", 0), (None, 2)],
)
def test_reg11_deadlines_follow_the_rule_that_applied(rule: str | None, reg11_steps: int) -> None:
    """At a distance, reg 11's consultation and care-plan steps apply unless reg 11(4) exempted it; reg 13(4) always."""
    decision = Decision(
        start_date=date(2027, 1, 4), emergency=False, out_of_area=True, at_a_distance=True, approval_rule=rule
    )
    found = deadlines(decision, {})
    assert sum(1 for d in found if d.law == "reg 11") == reg11_steps
    assert any(d.law == "reg 13(4)" for d in found)
