"""Reg 11 approval (Care Planning Regulations 2010): who must approve a placement."""

from __future__ import annotations

import pytest

from planner.authorities import adjoins, approval_level, authority_name
from tests.unit.conftest import case, option, placement, rank, referral

MANCHESTER = "E08000003"
TRAFFORD = "E08000009"  # shares a land border with Manchester
DERBYSHIRE = "E10000007"  # does not border Manchester
# Opposite banks of the Tyne: no land border, but the boundary runs mid-river, so they adjoin.
NEWCASTLE = "E08000021"
SOUTH_TYNESIDE = "E08000023"


def approval_for(responsible: str | None, placed_in: str | None) -> dict:
    """The facts of the only option when a child of `responsible` is placed in `placed_in`."""
    result = rank(case(ref=referral(la_code=responsible), placements=[placement(la_code=placed_in)]))
    return option(result, "P-1")["facts"]


def test_same_authority_needs_no_approval():
    """A placement inside the responsible authority needs no reg 11 approval."""
    facts = approval_for(MANCHESTER, MANCHESTER)
    assert facts["approval"] == "none"
    assert facts["in_area"] is True


def test_adjoining_authority_needs_a_nominated_officer():
    """Manchester placing in Trafford (adjoining) needs a nominated officer."""
    facts = approval_for(MANCHESTER, TRAFFORD)
    assert facts["approval"] == "nominated_officer"
    assert facts["in_area"] is False


def test_authority_at_a_distance_needs_the_director():
    """Manchester placing in Derbyshire (not adjoining) needs the director of children's services."""
    assert not adjoins(MANCHESTER, DERBYSHIRE)
    facts = approval_for(MANCHESTER, DERBYSHIRE)
    assert facts["approval"] == "director"
    assert facts["in_area"] is False


@pytest.mark.parametrize(("responsible", "placed_in"), [(None, MANCHESTER), (MANCHESTER, None), (None, None)])
def test_unknown_authority_gives_no_approval_level(responsible, placed_in):
    """Where either authority code is missing, approval and in_area are null."""
    facts = approval_for(responsible, placed_in)
    assert facts["approval"] is None
    assert facts["in_area"] is None


def test_authorities_across_a_tidal_river_adjoin():
    """Newcastle and South Tyneside face each other across the Tyne: a nominated officer, not the director."""
    assert approval_for(NEWCASTLE, SOUTH_TYNESIDE)["approval"] == "nominated_officer"
    assert approval_for(SOUTH_TYNESIDE, NEWCASTLE)["approval"] == "nominated_officer"


@pytest.mark.parametrize(("a", "b"), [(MANCHESTER, TRAFFORD), (NEWCASTLE, SOUTH_TYNESIDE), (MANCHESTER, DERBYSHIRE)])
def test_adjoining_is_symmetric(a, b):
    """Adjoining does not depend on which authority is the responsible one."""
    assert approval_level(a, b) == approval_level(b, a)


def test_approval_is_explained_in_the_reasons():
    """The option's reasons name the host authority and who must approve."""
    result = rank(case(ref=referral(la_code=MANCHESTER), placements=[placement(la_code=DERBYSHIRE)]))
    reasons = " ".join(option(result, "P-1")["reasons"])
    assert "Derbyshire" in reasons
    assert "director of children's services" in reasons


def test_authority_names_are_known():
    """The reference table names the authorities used here."""
    assert authority_name(MANCHESTER) == "Manchester"
    assert authority_name(SOUTH_TYNESIDE) == "South Tyneside"
    assert authority_name(None) is None


def test_approval_is_null_for_a_code_outside_the_english_authorities():
    """A Welsh council's code is not guessed at: reg 11's level cannot be worked out."""
    from planner.authorities import approval_level

    assert approval_level("E08000003", "W06000015") is None
    assert approval_level("W06000015", "E08000003") is None
