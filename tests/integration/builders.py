"""A small, exact world for integration tests, written through the data layer."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask

from web import db
from web.accounts.services import accounts
from web.casework.repositories import referrals, young_people
from web.matching.repositories import placements
from web.models import (
    Area,
    CooperativeMember,
    CurrentResident,
    Group,
    Organisation,
    Placement,
    Referral,
    Rivalry,
    SharingAgreement,
    SupportLink,
    YoungPerson,
    YoungPersonGroup,
)
from web.shared.repositories import agreements, authorities, intelligence

PASSWORD = "correct horse battery staple"
MANCHESTER, SALFORD, DERBYSHIRE = "E08000003", "E08000006", "E10000007"
NOW = datetime(2026, 11, 1, 9, 0)
FUTURE = date.today() + timedelta(days=365)


def add_users() -> None:
    for email, role, la in [
        ("po@manchester.test", "placement_officer", MANCHESTER),
        ("sw@manchester.test", "social_worker", MANCHESTER),
        ("commissioner@manchester.test", "commissioner", MANCHESTER),
        ("po@salford.test", "placement_officer", SALFORD),
    ]:
        accounts.create_user(email, email.split("@")[0].upper(), role, la, PASSWORD)


def _placement(code: str, la: str | None, lat: float, lon: float, **kw: object) -> Placement:
    values: dict[str, object] = dict(
        code=code,
        label=f"Carers {code}",
        provider_name="Test Fostering",
        setting="foster",
        authority_code=la,
        owner_code=la,  # listed by the authority it stands in (decision 0080)
        lat=lat,
        lon=lon,
        vacancies=1,
        capacity=2,
        specialisms=[],
        ofsted_rating="good",
        weekly_cost=800.0,
        updated_at=NOW,
    )
    values.update(kw)
    return Placement(**values)


TEST_COOPERATIVE = "COOP-TEST"


def add_cooperative() -> None:
    """The test world's authorities as one co-operative sharing placements and intelligence, as
    the consortium did before owners: so the world's rankings are what they were."""
    authorities.add_organisation(Organisation(code=TEST_COOPERATIVE, name="Test co-operative", kind="cooperative"))
    for member in (MANCHESTER, SALFORD, DERBYSHIRE):
        agreements.add_member(
            CooperativeMember(cooperative_code=TEST_COOPERATIVE, member_code=member, joined_on=date(2026, 1, 1))
        )
        for purpose in ("placement_finding", "intelligence"):
            agreements.add_agreement(
                SharingAgreement(
                    cooperative_code=TEST_COOPERATIVE, member_code=member, purpose=purpose,
                    starts_on=date(2026, 1, 1), ends_on=None, review_by=FUTURE, signed_by="Test", created_at=NOW,
                )
            )  # fmt: skip


def _person(reference: str, la: str, lat: float, lon: float, age: int) -> YoungPerson:
    return YoungPerson(
        reference=reference,
        date_of_birth=date(date.today().year - age, 1, 1),
        sex="1",
        ethnicity="WBRI",
        home_lat=lat,
        home_lon=lon,
        responsible_authority_code=la,
        risks=["criminal_exploitation"],
        created_at=NOW,
    )


def build_world(app: Flask) -> None:
    """Two authorities' referrals against a pool where each hard rule has something to do."""
    with app.app_context():
        add_users()
        add_cooperative()
        # Manchester's intelligence, shared with the co-operative's members for intelligence.
        redline = Group(
            code="G-RED", label="Redline", source="Test", confidence="high", review_by=FUTURE, owner_code=MANCHESTER
        )
        arrow = Group(
            code="G-ARROW", label="Blue Arrow", source="Test", confidence="medium", review_by=FUTURE,
            owner_code=MANCHESTER,
        )  # fmt: skip
        for g in (redline, arrow):
            intelligence.add(g)
        intelligence.add(
            Rivalry(
                group=redline, rival=arrow, source="Test", confidence="high", review_by=FUTURE, owner_code=MANCHESTER
            )
        )
        area = Area(
            code="A-CITY",
            label="Area 01 (Manchester)",
            kind="gang_territory",
            lat=53.4808,
            lon=-2.2426,
            radius_km=2.0,
            severity="high",
            source="Test",
            confidence="high",
            review_by=FUTURE,
            updated_at=NOW,
            owner_code=MANCHESTER,
        )
        area.groups = [redline]
        intelligence.add(area)

        for p in [
            _placement("P-NEAR", MANCHESTER, 53.45, -2.25),
            _placement("P-FAR", DERBYSHIRE, 53.23, -1.42, specialist=True, specialisms=["criminal_exploitation"]),
            _placement("P-FULL", DERBYSHIRE, 53.20, -1.50, vacancies=0),
            _placement("P-SUP", DERBYSHIRE, 53.10, -1.40, setting="supported", age_min=16, place_code="K3"),
        ]:
            placements.add_placement(p)
        resident_home = _placement("P-RES", DERBYSHIRE, 53.0, -1.6)
        resident_home.residents = [CurrentResident(person_reference="YP-OTHER", since=date(2026, 1, 1))]
        placements.add_placement(resident_home)

        child = _person("YP-T1", MANCHESTER, 53.4794, -2.2453, 15)
        child.group_links = [
            YoungPersonGroup(
                group=redline, relationship_kind="exploited_by", source="Test", confidence="high", review_by=FUTURE
            )
        ]
        child.support_links = [
            SupportLink(label="Mother", kind="parent", lat=53.4794, lon=-2.2453, importance="essential"),
        ]
        young_people.add_young_person(child)
        referrals.add_referral(
            Referral(
                reference="R-T1", authority_code=MANCHESTER, needed_by="today", created_at=NOW, young_people=[child]
            )
        )
        other = _person("YP-S1", SALFORD, 53.4875, -2.2901, 14)
        young_people.add_young_person(other)
        referrals.add_referral(
            Referral(reference="R-S1", authority_code=SALFORD, needed_by="later", created_at=NOW, young_people=[other])
        )
        db.commit()
