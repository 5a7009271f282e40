"""Importing Placements Standard v2 referral records onto referrals."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from flask import Flask

from tests.integration.builders import MANCHESTER, NOW, SALFORD, _person
from web import db
from web.casework.repositories import referrals, young_people
from web.data_exchange.services.imports import Outcome, run_import
from web.models import Postcode, Referral
from web.shared.repositories import postcodes

TODAY = date(2026, 11, 1)


@pytest.fixture(scope="module")
def world(app: Flask) -> Flask:
    """Synthetic young people: two Manchester siblings (one imported from SSDA903), one more, one in Salford."""
    with app.app_context():
        for reference, la in [
            (f"{MANCHESTER}-7001", MANCHESTER),
            ("YP-PS2", MANCHESTER),
            ("YP-PS3", MANCHESTER),
            ("YP-PS4", MANCHESTER),
            ("YP-PS5", MANCHESTER),
            ("YP-PS-ON-REFERRAL", MANCHESTER),
            ("YP-SALFORD", SALFORD),
        ]:
            person = _person(reference, la, 53.48, -2.24, 14)
            person.risks = []
            young_people.add_young_person(person)
        db.session().flush()
        busy = young_people.get_by_reference("YP-PS-ON-REFERRAL")
        assert busy is not None
        referrals.add_referral(
            Referral(
                reference="R-BUSY", authority_code=MANCHESTER, needed_by="later", created_at=NOW, young_people=[busy]
            )
        )
        postcodes.add_postcode(Postcode(postcode="M11AA", lat=53.47, lon=-2.23))
        db.commit()
    return app


def _record(child: Any = 7001, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "PlacementAvailability": {"childId": child, "neededBy": "in less than 5 days", "siblingCount": 0},
        "PlacementRequirements": {"livingCompanions": "Solo placement recommended", "pets": "Yes - can"},
        "PlacementRecommendation": {
            "fosterCareSuitability": "Preferred",
            "residentialCareSuitability": "Suitable but not preferred",
            "supportedAccommodationSuitability": "Unsuitable",
        },
        "Risks": {
            "riskCriminalExploitation": "Risk Present",
            "riskSelfHarm": "No known risk",
            "riskMissing": "Risk Present",
        },
        "QualityAssurance": {"referralDate": "2026-10-30"},
    }
    record.update(overrides)
    return record


def _run(app: Flask, document: Any, authority: str = MANCHESTER, dry_run: bool = False) -> Outcome:
    data = json.dumps(document).encode()
    with app.app_context():
        return run_import(
            "placements_standard",
            {"file": ("referrals.json", data)},
            dry_run=dry_run,
            authority_code=authority,
            today=TODAY,
        )


def _fields(outcome: Outcome) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.field) for p in outcome.problems}


def test_record_becomes_an_open_referral_in_our_words(world: Flask) -> None:
    """Urgency, suitability, solo, risks and locations to avoid land where the planner reads them."""
    record = _record(
        referralId="PS-REF-1",
        locationsToAvoid=[
            {"description": "Park where the child was found", "lat": 53.50, "lon": -2.20, "radiusKm": 1.0},
            {"description": "Shop near school", "postcode": "M1 1AA"},
            "The town centre",
        ],
    )
    outcome = _run(world, {"records": [record]})
    assert outcome.ok, outcome.problems
    assert outcome.added["referrals added"] == 1
    with world.app_context():
        referral = referrals.get_referral(MANCHESTER, "PS-REF-1")
        assert referral is not None
        assert (referral.status, referral.needed_by, referral.solo) == ("open", "within_5_days", True)
        assert referral.settings == {
            "foster": "preferred",
            "residential": "suitable",
            "supported": "unsuitable",
            "secure": "unsuitable",
        }
        assert [p.reference for p in referral.young_people] == [f"{MANCHESTER}-7001"]
        assert "Can live with pets: Yes - can" in referral.notes
        assert "The town centre" in referral.notes
        child = young_people.get_by_reference(f"{MANCHESTER}-7001")
        assert child is not None
        assert sorted(child.risks) == ["criminal_exploitation", "going_missing"]
        assert [(r.label, r.lat, r.lon, r.radius_km) for r in child.risk_locations] == [
            ("Park where the child was found", 53.50, -2.20, 1.0),
            ("Shop near school", 53.47, -2.23, 0.0),
        ]


def test_reimport_updates_the_same_referral(world: Flask) -> None:
    """The same referralId again changes the referral; risk locations are not doubled."""
    record = _record(
        referralId="PS-REF-2",
        child="YP-PS5",
        locationsToAvoid=[
            {"description": "Park where the child was found", "lat": 53.50, "lon": -2.20, "radiusKm": 1.0}
        ],
    )
    # Its own first import, so the test does not rely on another test having made the referral.
    first = _run(world, [record])
    assert first.ok, first.problems
    assert (first.added["referrals added"], first.added["risk locations"]) == (1, 1)
    record["PlacementAvailability"]["neededBy"] = "Today"
    outcome = _run(world, [record])
    assert outcome.ok, outcome.problems
    assert (outcome.added["referrals added"], outcome.added["referrals updated"], outcome.added["risk locations"]) == (
        0,
        1,
        0,
    )
    with world.app_context():
        referral = referrals.get_referral(MANCHESTER, "PS-REF-2")
        assert referral is not None and referral.needed_by == "today"


def test_siblings_join_one_referral_and_flat_records_are_read(world: Flask) -> None:
    """A record without sections, with siblingIds, makes one referral for both children."""
    flat = {
        "referralId": "PS-SIBS",
        "childId": "YP-PS2",
        "siblingIds": ["YP-PS3"],
        "siblingCount": 1,
        "neededBy": "in more than 5 days",
        "fosterCareSuitability": "Not specified",
    }
    outcome = _run(world, [flat])
    assert outcome.ok, outcome.problems
    with world.app_context():
        referral = referrals.get_referral(MANCHESTER, "PS-SIBS")
        assert referral is not None
        assert [p.reference for p in referral.young_people] == ["YP-PS2", "YP-PS3"]
        assert referral.needed_by == "later"
        assert referral.settings["foster"] == "suitable"


def test_missing_child_and_bad_values_are_problems_and_nothing_is_written(world: Flask) -> None:
    """An unknown child, another authority's child, bad urgency and bad suitability are named per record."""
    records = [
        _record(referralId="PS-GOOD", child="YP-PS4"),
        _record(referralId="PS-NOBODY", child=999999),
        _record(referralId="PS-OTHER-LA", child="YP-SALFORD"),
        {
            "referralId": "PS-BAD",
            "childId": "YP-PS4",
            "neededBy": "next week",
            "fosterCareSuitability": "Maybe",
            "riskSelfHarm": "Perhaps",
        },
        _record(referralId="PS-BUSY", child="YP-PS-ON-REFERRAL"),
    ]
    outcome = _run(world, records)
    assert not outcome.ok
    assert {
        (2, "childId"),
        (3, "childId"),
        (4, "neededBy"),
        (4, "fosterCareSuitability"),
        (4, "riskSelfHarm"),
        (5, "childId"),
    } <= _fields(outcome)
    with world.app_context():
        assert referrals.get_referral(MANCHESTER, "PS-GOOD") is None


def test_not_json_and_wrong_shape(world: Flask) -> None:
    """A file that is not JSON, or JSON of the wrong shape, is refused with a plain message."""
    with world.app_context():
        outcome = run_import(
            "placements_standard",
            {"file": ("referrals.json", b"{not json")},
            dry_run=False,
            authority_code=MANCHESTER,
            today=TODAY,
        )
    assert not outcome.ok and "not JSON" in outcome.problems[0].message
    outcome = _run(world, {"something": 1})
    assert not outcome.ok and "list of records" in outcome.problems[0].message


def test_dry_run_writes_nothing(world: Flask) -> None:
    """Check only: the counts are reported, the referral is not stored."""
    outcome = _run(world, [_record(referralId="PS-DRY", child="YP-PS4")], dry_run=True)
    assert outcome.ok, outcome.problems
    assert outcome.added["referrals added"] == 1
    with world.app_context():
        assert referrals.get_referral(MANCHESTER, "PS-DRY") is None


def test_another_authoritys_reference_is_neither_revealed_nor_touched(world: Flask) -> None:
    """Issue 14: a refusal must not reveal that another authority's referral reference exists.

    Salford holds referral PS-SALFORD-SECRET. Manchester importing the same reference gets
    exactly what a reference nobody holds gets (a new Manchester referral), and Salford's
    referral is unchanged.
    """
    with world.app_context():
        salford_child = young_people.get_by_reference("YP-SALFORD")
        assert salford_child is not None
        for reference in ("YP-LEAK-A", "YP-LEAK-B"):
            person = _person(reference, MANCHESTER, 53.48, -2.24, 14)
            person.risks = []
            young_people.add_young_person(person)
        referrals.add_referral(
            Referral(
                reference="PS-SALFORD-SECRET",
                authority_code=SALFORD,
                needed_by="later",
                created_at=NOW,
                young_people=[salford_child],
            )
        )
        db.commit()
    taken = _run(world, {"records": [_record("YP-LEAK-A", referralId="PS-SALFORD-SECRET")]})
    fresh = _run(world, {"records": [_record("YP-LEAK-B", referralId="PS-NOBODY-HOLDS")]})
    assert taken.ok and fresh.ok, (taken.problems, fresh.problems)
    assert taken.added == fresh.added
    assert [p.message for p in taken.problems] == [p.message for p in fresh.problems]
    with world.app_context():
        ours = referrals.get_referral(MANCHESTER, "PS-SALFORD-SECRET")
        theirs = referrals.get_referral(SALFORD, "PS-SALFORD-SECRET")
        assert ours is not None and [p.reference for p in ours.young_people] == ["YP-LEAK-A"]
        assert theirs is not None and [p.reference for p in theirs.young_people] == ["YP-SALFORD"]
        assert theirs.needed_by == "later" and theirs.status == "open"
