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


CHESHIRE_WEST = "E06000050"
FLINTSHIRE = "W06000005"  # Welsh, across the border from Cheshire West and Chester
CARDIFF = "W06000015"
SCOTTISH_BORDERS = "S12000026"
NORTHUMBERLAND = "E06000057"
GLASGOW = "S12000049"


@pytest.mark.parametrize(
    ("responsible", "placed_in", "level", "rule"),
    [
        (CHESHIRE_WEST, FLINTSHIRE, "nominated_officer", "adjoining"),
        (CHESHIRE_WEST, CARDIFF, "director", "at_a_distance"),
        (NORTHUMBERLAND, SCOTTISH_BORDERS, "nominated_officer", "adjoining"),
        (MANCHESTER, GLASGOW, "director", "at_a_distance"),
    ],
)
def test_placements_in_wales_and_scotland_get_an_approval_level(responsible, placed_in, level, rule):
    """Across the border: adjoining needs the nominated officer, at a distance the director; never unknown."""
    facts = approval_for(responsible, placed_in)
    assert (facts["approval"], facts["approval_rule"]) == (level, rule)
    assert facts["in_area"] is False


def test_every_welsh_and_scottish_council_gets_a_level_from_an_english_authority():
    """All 22 Welsh and 32 Scottish councils are known; none gives an unknown level."""
    from planner.authorities import beyond_england_names

    councils = beyond_england_names()
    assert len(councils) == 54
    assert all(approval_level(MANCHESTER, code) == "director" for code in councils)


def test_cross_border_reasons_name_the_welsh_council():
    """The option's reasons name the council across the border."""
    result = rank(case(ref=referral(la_code=CHESHIRE_WEST), placements=[placement(la_code=FLINTSHIRE)]))
    reasons = " ".join(option(result, "P-1")["reasons"])
    assert "Flintshire" in reasons and "nominated officer" in reasons


def test_a_welsh_placing_authority_is_not_guessed_at():
    """Reg 11 is English law: a Welsh responsible authority gives no level."""
    assert approval_level(CARDIFF, MANCHESTER) is None


# --- reg 11(4): own approved foster carers and connected persons -------------------------------


def test_reg_11_applies_to_another_authoritys_foster_carers_at_a_distance():
    """Step 1: carers approved by another authority, at a distance: the director approves."""
    carers = placement(la_code=DERBYSHIRE, approved_by=DERBYSHIRE)
    facts = option(rank(case(ref=referral(la_code=MANCHESTER), placements=[carers])), "P-1")["facts"]
    assert (facts["approval"], facts["approval_rule"]) == ("director", "at_a_distance")


def test_own_approved_foster_carers_out_of_area_are_exempt_under_reg_11_4():
    """Step 2: the responsible authority's own approved carers, out of area: exempt, and the reasons say so."""
    result = rank(
        case(ref=referral(la_code=MANCHESTER), placements=[placement(la_code=DERBYSHIRE, approved_by=MANCHESTER)])
    )
    o = option(result, "P-1")
    assert (o["facts"]["approval"], o["facts"]["approval_rule"]) == ("none", "reg_11_4_own_foster_carer")
    assert any("reg 11(4)" in r and "own approved foster carers" in r for r in o["reasons"])


@pytest.mark.parametrize("fields", [{"connected_person": True}, {"place_code": "U1"}, {"place_code": "U3"}])
def test_connected_persons_are_exempt_under_reg_11_4(fields):
    """Step 3: a connected person (flag, or SSDA903 U1-U3) out of area, even in Wales: exempt."""
    result = rank(case(ref=referral(la_code=CHESHIRE_WEST), placements=[placement(la_code=CARDIFF, **fields)]))
    o = option(result, "P-1")
    assert (o["facts"]["approval"], o["facts"]["approval_rule"]) == ("none", "reg_11_4_connected_person")
    assert any("connected person" in r and "reg 11(4)" in r for r in o["reasons"])


def test_inside_the_area_the_rule_is_in_area_whatever_the_carers():
    """Inside the area no approval is needed; the rule says so rather than citing the exception."""
    facts = option(
        rank(case(ref=referral(la_code=MANCHESTER), placements=[placement(la_code=MANCHESTER, connected_person=True)])),
        "P-1",
    )["facts"]
    assert (facts["approval"], facts["approval_rule"]) == ("none", "in_area")


def test_own_carers_in_a_childrens_home_are_not_an_exception():
    """Reg 11(4) covers foster carers: the authority's own children's home elsewhere still needs approval."""
    home = placement(setting="residential", place_code="K2", la_code=DERBYSHIRE, approved_by=MANCHESTER)
    facts = option(rank(case(ref=referral(la_code=MANCHESTER), placements=[home])), "P-1")["facts"]
    assert facts["approval"] == "director"
