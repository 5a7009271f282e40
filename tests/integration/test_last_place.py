"""Twenty people try to take the last place at once: exactly one gets it, and nothing else is written."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from flask import Flask

from tests.integration.builders import MANCHESTER, NOW, PASSWORD, _person, _placement
from tests.integration.decision_builders import plan_form
from web import db
from web.accounts.services import accounts
from web.accounts.services.accounts import SignedInUser
from web.casework.repositories import referrals, young_people
from web.matching.repositories import placements
from web.matching.services import decisions, ranking_runs
from web.models import CarePlanVersion, Decision, Placement, Referral
from web.shared.services.errors import Conflict

RACERS = 20


@pytest.fixture(scope="module")
def race(app: Flask) -> tuple[SignedInUser, list[tuple[str, int]]]:
    """One placement with one vacancy; twenty referrals, each with a run that offers it."""
    with app.app_context():
        user = accounts.create_user("racer@manchester.test", "Racer", "social_worker", MANCHESTER, PASSWORD)
        db.commit()
        signed_in = SignedInUser(user.id, user.name, user.email, user.role, MANCHESTER, "Manchester")
        placements.add_placement(_placement("P-LAST", MANCHESTER, 53.45, -2.25, vacancies=1))
        for i in range(RACERS):
            child = _person(f"YP-RACE{i:02d}", MANCHESTER, 53.48, -2.24, 14)
            young_people.add_young_person(child)
            referrals.add_referral(
                Referral(
                    reference=f"R-RACE{i:02d}",
                    authority_code=MANCHESTER,
                    needed_by="today",
                    created_at=NOW,
                    young_people=[child],
                )
            )
        db.commit()
        runs = [(f"R-RACE{i:02d}", ranking_runs.run_ranking(signed_in, f"R-RACE{i:02d}")) for i in range(RACERS)]
    return signed_in, runs


def test_exactly_one_of_twenty_takes_the_last_place(
    app: Flask, race: tuple[SignedInUser, list[tuple[str, int]]]
) -> None:
    user, runs = race
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(reference: str, run_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                decisions.decide(user, reference, run_id, "P-LAST", date.today().isoformat(), True, plan_form([]))
                result = "took it"
            except Conflict as error:
                result = "told: " + str(error)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=run) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(outcomes) == RACERS
    assert outcomes.count("took it") == 1
    losers = [o for o in outcomes if o != "took it"]
    assert all("no longer has a place" in o and "Nothing was saved" in o for o in losers)
    with app.app_context():
        session = db.session()
        assert session.query(Placement).filter_by(code="P-LAST").one().vacancies == 0
        race_decisions = session.query(Decision).join(Referral).filter(Referral.reference.like("R-RACE%")).all()
        assert len(race_decisions) == 1
        assert session.query(CarePlanVersion).filter_by(decision_id=race_decisions[0].id).count() == 1
