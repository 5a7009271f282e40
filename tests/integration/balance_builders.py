"""A world where the top option is much further from an essential person than a safe one (decision 0009).

build_world's pool and referrals, a Manchester social worker (sw@manchester.scoring), and
R-W1: a child linked to the Redline group whose essential mother (no visits recorded) lives
in Leicestershire next to a plain foster placement, P-MUM, while the specialist placement
P-FAR is next to her sister, who visits twice a week. P-FAR ranks first; P-MUM is about
37 miles closer to the mother and safe too.
"""

from __future__ import annotations

from flask import Flask

from tests.integration.builders import FUTURE, MANCHESTER, NOW, PASSWORD, _person, _placement, build_world
from web import db
from web.accounts.services import accounts
from web.casework.repositories import referrals, young_people
from web.matching.repositories import placements
from web.models import Referral, SupportLink, YoungPersonGroup
from web.shared.repositories import intelligence

LEICESTERSHIRE = "E10000018"


def build_balance_world(app: Flask, references: tuple[str, ...] = ("R-W1",)) -> None:
    """The world above; each of `references` (R-W1, R-W2, ...) is a referral of its own child, all alike."""
    build_world(app)
    with app.app_context():
        accounts.create_user("sw@manchester.scoring", "SW", "social_worker", MANCHESTER, PASSWORD)
        # In Leicestershire, but on Manchester's own list of carers, so Manchester's to rank.
        placements.add_placement(_placement("P-MUM", LEICESTERSHIRE, 52.72, -1.70, owner_code=MANCHESTER))
        redline = next(g for g in intelligence.list_groups() if g.code == "G-RED")
        for reference in references:
            child = _person(reference.replace("R-", "YP-", 1), MANCHESTER, 53.4794, -2.2453, 15)
            child.group_links = [
                YoungPersonGroup(
                    group=redline, relationship_kind="exploited_by", source="Test", confidence="high", review_by=FUTURE
                )
            ]
            child.support_links = [
                SupportLink(
                    label="Mother", kind="parent", lat=52.71, lon=-1.70, importance="essential", visits_per_month=0
                ),
                SupportLink(
                    label="Sister", kind="sibling", lat=53.23, lon=-1.42, importance="important", visits_per_month=8
                ),
            ]
            young_people.add_young_person(child)
            referrals.add_referral(
                Referral(
                    reference=reference,
                    authority_code=MANCHESTER,
                    needed_by="later",
                    created_at=NOW,
                    young_people=[child],
                )
            )
        db.commit()
