"""Owners and data-sharing agreements, end to end (issue 12 items 1 and 2).

A Manchester child's ranking uses Manchester's own placements and areas and only what
another authority shares under an agreement in force; an import writes only the importing
authority's records and refuses another's, naming the owner, with nothing written.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from tests.api.helpers import bearer, make_token
from tests.integration.builders import FUTURE, MANCHESTER, NOW, PASSWORD, SALFORD, _person, _placement
from tests.integration.decision_builders import _rank, plan_form
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.accounts.services import accounts, agreements
from web.casework.repositories import referrals, young_people
from web.matching.repositories import placements
from web.matching.services import run_exclusions
from web.matching.services.stored_cases import stored_case
from web.models import Area, AuditEvent, Decision, Group, Placement, RankingRun, Referral, SharingAgreement
from web.shared.repositories import intelligence

COOP = "COOP-GM"
TODAY = date.today()
# Manchester's own carers, with a Salford-recorded high-severity area right on top of them.
P_MAN, P_SAL, A_SAL, A_MAN = "P-OWN-M", "P-OWN-S", "A-OWN-S", "A-OWN-M"
PLACEMENTS_HEADER = "code,label,provider_name,setting,lat,lon,capacity,vacancies,status\n"
AREAS_HEADER = "code,label,kind,lat,lon,radius_km,severity,groups,source,confidence,review_by\n"


@pytest.fixture(scope="module")
def world(app: Flask) -> None:
    with app.app_context():
        for email, role, la in [
            ("sw@manchester.own", "social_worker", MANCHESTER),
            ("po@manchester.own", "placement_officer", MANCHESTER),
            ("commissioner@manchester.own", "commissioner", MANCHESTER),
            ("po@salford.own", "placement_officer", SALFORD),
            ("sw@salford.own", "social_worker", SALFORD),
            ("admin@salford.own", "admin", SALFORD),
        ]:
            accounts.create_user(email, email.split("@")[0].upper(), role, la, PASSWORD)
        for code, owner, lat, lon in [(P_MAN, MANCHESTER, 53.46, -2.20), (P_SAL, SALFORD, 53.50, -2.30)]:
            placements.add_placement(_placement(code, owner, lat, lon, owner_code=owner))
        gang = Group(code="G-OWN-S", label="Salford group", source="Police", confidence="high", review_by=FUTURE,
                     owner_code=SALFORD)  # fmt: skip
        intelligence.add(gang)
        for code, owner, lat, lon in [(A_SAL, SALFORD, 53.46, -2.20), (A_MAN, MANCHESTER, 53.60, -2.60)]:
            area = Area(code=code, label=f"Area {code}", kind="gang_territory", lat=lat, lon=lon, radius_km=0.5,
                        severity="high", source="Test", confidence="high", review_by=FUTURE, updated_at=NOW,
                        owner_code=owner)  # fmt: skip
            intelligence.add(area)
        child = _person("YP-OWN-1", MANCHESTER, 53.47, -2.24, 15)
        young_people.add_young_person(child)
        referrals.add_referral(
            Referral(reference="R-OWN-1", authority_code=MANCHESTER, needed_by="today", created_at=NOW,
                     young_people=[child])
        )  # fmt: skip
        db.commit()
        agreements.add_organisation(COOP, "Greater Manchester regional care co-operative", "cooperative")


@pytest.fixture()
def no_agreements(app: Flask, world: None) -> Iterator[None]:
    """Each test starts, and leaves, with no agreement at all."""
    _clear(app)
    yield
    _clear(app)


def _clear(app: Flask) -> None:
    with app.app_context():
        db.session().execute(delete(SharingAgreement))
        # The two placements as the world built them, and none added: a test that imports onto
        # them or adds one leaves them changed, and tests run in any order (through the ORM, so
        # the world's version moves and no ranking reads a kept world).
        for p in db.session().scalars(select(Placement).where(Placement.code.in_([P_MAN, P_SAL, "P-OWN-NEW"]))):
            if p.code == "P-OWN-NEW":
                p.status = "closed"
            else:
                p.status, p.vacancies, p.capacity = "active", 1, 2
        db.commit()


def _sign(
    app: Flask, member: str, purpose: str, ends_on: date | None = None, starts_on: date = date(2026, 1, 1)
) -> int:
    with app.app_context():
        row = agreements.add_agreement(
            None, agreements.NewAgreement(COOP, member, purpose, starts_on, ends_on, date(2027, 6, 30), "An officer")
        )
        return row.id


def _both(app: Flask, purpose: str, ends_on: date | None = None) -> tuple[int, int]:
    return _sign(app, SALFORD, purpose, ends_on), _sign(app, MANCHESTER, purpose, ends_on)


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


def _ranked(app: Flask, email: str = "sw@manchester.own") -> tuple[dict[str, list[str]], set[str], set[str], str]:
    """Rank R-OWN-1 through the pages: (excluded placement -> reasons, options, the case's areas, the page)."""
    sw = _client(app, email)
    run_id = _rank(sw, "R-OWN-1")
    page = sw.get(f"/referrals/R-OWN-1/rankings/{run_id}").get_data(as_text=True)
    with app.app_context():
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        result, case = run_exclusions.worded_result(run, json.loads(run.result_json)), stored_case(run)
    excluded = {e["placement_id"]: [r["code"] for r in e["reasons"]] for e in result["excluded"]}
    return excluded, {o["placement_id"] for o in result["options"]}, {a["id"] for a in case["areas"]}, page


def _upload(client: FlaskClient, kind: str, body: str) -> str:
    data = {"csrf_token": csrf_token(client, f"/imports/{kind}"), "file": (io.BytesIO(body.encode()), "f.csv")}
    return client.post(f"/imports/{kind}", data=data, content_type="multipart/form-data").get_data(as_text=True)


def _placement_row(app: Flask, code: str) -> tuple[int, int, str]:
    with app.app_context():
        p = db.session().scalars(select(Placement).where(Placement.code == code)).one()
        return p.vacancies, p.capacity, p.status


# --- ranking ---------------------------------------------------------------------------


def test_salfords_areas_and_placements_are_not_used_for_manchester_without_agreements(
    app: Flask, no_agreements: None
) -> None:
    excluded, options, areas, _page = _ranked(app)
    assert A_SAL not in areas and A_MAN in areas  # Manchester's own area only
    assert P_MAN in options  # Salford's area on top of it is not Manchester's to use
    assert P_SAL not in options and P_SAL not in excluded  # not shared: not in the pool at all


def test_an_intelligence_agreement_in_force_brings_salfords_area_and_names_it(app: Flask, no_agreements: None) -> None:
    salford_id, manchester_id = _both(app, "intelligence")
    excluded, options, areas, page = _ranked(app)
    assert A_SAL in areas
    assert P_MAN not in options and "in_high_severity_area" in excluded[P_MAN]
    # The options page says whose intelligence excluded it, with the area's review date.
    assert f"Salford: high-severity area (Area {A_SAL}), review by {FUTURE.isoformat()}" in page
    assert P_SAL not in options  # intelligence shares no placement
    with app.app_context():
        events = db.session().scalars(select(AuditEvent).where(AuditEvent.action == "shared_read")).all()
        assert any(e.detail == f"areas of {SALFORD} under agreement {salford_id},{manchester_id}" for e in events)


def test_the_owner_sees_in_its_own_audit_log_who_read_its_records_and_under_which_agreements(
    app: Flask, no_agreements: None
) -> None:
    """Salford's administrator sees Manchester's read of Salford's areas, with the agreements, but not
    which of Manchester's referrals it was for (that is Manchester's business)."""
    salford_id, manchester_id = _both(app, "intelligence")
    _ranked(app)
    admin = _client(app, "admin@salford.own")
    log = admin.get("/admin/audit?action=read_under_agreement").get_data(as_text=True)
    assert f"areas of {SALFORD} read by {MANCHESTER} for referral" in log
    assert f"{salford_id},{manchester_id}" in log and "R-OWN-1" not in log
    # Manchester's own log keeps its shared_read, naming its referral; Salford's does not show it.
    assert "R-OWN-1" not in admin.get("/admin/audit?action=shared_read").get_data(as_text=True)


def test_one_side_signing_shares_nothing(app: Flask, no_agreements: None) -> None:
    _sign(app, SALFORD, "intelligence")
    _sign(app, MANCHESTER, "placement_finding")
    _excluded, options, areas, _page = _ranked(app)
    assert A_SAL not in areas and P_MAN in options and P_SAL not in options


def test_a_placement_finding_agreement_brings_salfords_placements(app: Flask, no_agreements: None) -> None:
    _both(app, "placement_finding")
    _excluded, options, areas, _page = _ranked(app)
    assert P_SAL in options and A_SAL not in areas


def test_an_expired_or_ended_agreement_stops_the_sharing_at_once(app: Flask, no_agreements: None) -> None:
    _sign(app, SALFORD, "intelligence", ends_on=TODAY - timedelta(days=1))
    _sign(app, MANCHESTER, "intelligence")
    assert A_SAL not in _ranked(app)[2]  # Salford's ended yesterday
    salford_id = _sign(app, SALFORD, "intelligence")
    assert A_SAL in _ranked(app)[2]
    with app.app_context():
        agreements.end_agreement(None, salford_id, "Withdrawn")
    assert A_SAL not in _ranked(app)[2]  # ended today: already not used


def test_the_placements_and_areas_api_lists_only_what_is_shared(app: Flask, no_agreements: None) -> None:
    client = app.test_client()
    token = bearer(make_token(app, "sw@manchester.own"))
    codes = {p["code"] for p in client.get("/api/v1/placements?page_size=100", headers=token).get_json()}
    assert P_MAN in codes and P_SAL not in codes
    assert client.get(f"/api/v1/placements/{P_SAL}", headers=token).status_code == 404
    areas = {a["code"] for a in client.get("/api/v1/areas?page_size=100", headers=token).get_json()}
    assert A_MAN in areas and A_SAL not in areas
    salford_id, manchester_id = _both(app, "placement_finding")
    assert client.get(f"/api/v1/placements/{P_SAL}", headers=token).status_code == 200
    with app.app_context():  # the read of Salford's placement is audited with the agreements behind it
        event = (
            db.session()
            .scalars(select(AuditEvent).where(AuditEvent.action == "shared_read", AuditEvent.object_ref == P_SAL))
            .one()
        )
        assert event.detail == f"placements of {SALFORD} under agreement {salford_id},{manchester_id}"


def test_a_place_cannot_be_taken_once_the_sharing_has_stopped(app: Flask, no_agreements: None) -> None:
    """A run made while Salford shared its placements; the agreement ends; deciding on Salford's is refused."""
    salford_id, _manchester_id = _both(app, "placement_finding")
    sw = _client(app, "sw@manchester.own")
    run_id = _rank(sw, "R-OWN-1")
    with app.app_context():
        agreements.end_agreement(None, salford_id, "Withdrawn")
    path = f"/referrals/R-OWN-1/rankings/{run_id}/decide?placement={P_SAL}"
    support = re.findall(r'name="contact-(S-\d+)-frequency"', sw.get(path).get_data(as_text=True))
    response = sw.post(path, data={**plan_form(support), "csrf_token": csrf_token(sw, path)})
    assert response.status_code == 409
    assert "can no longer be chosen: it belongs to Salford, with no agreement in force for placement finding" in (
        response.get_data(as_text=True)
    )
    assert _placement_row(app, P_SAL)[0] == 1  # the place was not taken
    with app.app_context():
        assert db.session().scalars(select(Decision)).first() is None


# --- imports ---------------------------------------------------------------------------


def test_salfords_provider_list_is_refused_on_manchesters_placement_and_nothing_is_written(
    app: Flask, no_agreements: None
) -> None:
    _both(app, "placement_finding")  # sharing to read is never leave to write
    before = _placement_row(app, P_MAN)
    body = (
        PLACEMENTS_HEADER
        + f"{P_MAN},Carers,Agency,foster,53.46,-2.20,2,0,suspended\nP-OWN-NEW,New,Agency,foster,53.5,-2.3,1,1,active\n"
    )
    page = _upload(_client(app, "po@salford.own"), "placements_csv", body)
    assert f"placement {P_MAN} was not changed: it belongs to Manchester: only they change it" in page
    assert _placement_row(app, P_MAN) == before
    with app.app_context():  # the whole file is refused: the good row is not written either
        assert db.session().scalars(select(Placement).where(Placement.code == "P-OWN-NEW")).first() is None
    # Manchester's own officer may change it, and a new placement is owned by its importer.
    page = _upload(_client(app, "po@manchester.own"), "placements_csv", body)
    assert "was not changed" not in page
    assert _placement_row(app, P_MAN) == (0, 2, "suspended")
    with app.app_context():
        added = db.session().scalars(select(Placement).where(Placement.code == "P-OWN-NEW")).one()
        assert added.owner_code == MANCHESTER


def test_salfords_areas_file_cannot_change_manchesters_area_or_use_an_unshared_group(
    app: Flask, no_agreements: None
) -> None:
    row = f"{A_MAN},Moved,gang_territory,53.0,-2.0,1,high,,Test,high,{FUTURE.isoformat()}\n"
    page = _upload(_client(app, "po@salford.own"), "areas", AREAS_HEADER + row)
    # Unshared: Salford is not told whose area it is, only that the code is not available.
    assert f"area {A_MAN} was not changed: the code is not available; use another code" in page
    assert "Manchester" not in page.split("Problems found")[-1]
    with app.app_context():
        assert db.session().scalars(select(Area).where(Area.code == A_MAN)).one().lat == 53.60
    # Manchester may not link its area to Salford's group unless it is shared for intelligence.
    linked = f"A-OWN-M2,Area M2,gang_territory,53.4,-2.1,1,high,G-OWN-S,Test,high,{FUTURE.isoformat()}\n"
    page = _upload(_client(app, "po@manchester.own"), "areas", AREAS_HEADER + linked)
    assert "group code G-OWN-S is not available to you: use another code" in page
    assert "Salford" not in page.split("Problems found")[-1]
    _both(app, "intelligence")
    page = _upload(_client(app, "po@manchester.own"), "areas", AREAS_HEADER + linked)
    assert "cannot be used" not in page
    with app.app_context():
        area = db.session().scalars(select(Area).where(Area.code == "A-OWN-M2")).one()
        assert area.owner_code == MANCHESTER and [g.code for g in area.groups] == ["G-OWN-S"]


# --- groups ----------------------------------------------------------------------------


def test_groups_are_recorded_changed_and_retired_by_their_owner_only(app: Flask, no_agreements: None) -> None:
    po = _client(app, "po@manchester.own")
    form = {
        "code": "G-OWN-M", "label": "North crew", "source": "Police briefing", "confidence": "medium",
        "review_by-day": str(FUTURE.day), "review_by-month": str(FUTURE.month), "review_by-year": str(FUTURE.year),
    }  # fmt: skip
    added = po.post("/groups", data={**form, "csrf_token": csrf_token(po, "/groups")})
    assert added.status_code == 302
    listing = po.get("/groups").get_data(as_text=True)
    assert "North crew" in listing and "Salford group" not in listing  # Salford's is not shared
    salford = _client(app, "po@salford.own")
    assert salford.get("/groups/G-OWN-M").status_code == 404
    _both(app, "intelligence")
    assert "North crew" in salford.get("/groups").get_data(as_text=True)
    assert salford.post("/groups/G-OWN-M", data={**form, "label": "Renamed",
                        "csrf_token": csrf_token(salford, "/groups")}).status_code == 403  # fmt: skip
    changed = po.post("/groups/G-OWN-M", data={**form, "label": "North crew (north)",
                      "csrf_token": csrf_token(po, "/groups")})  # fmt: skip
    assert changed.status_code == 302
    retired = po.post("/groups/G-OWN-M/retire", data={"csrf_token": csrf_token(po, "/groups")})
    assert retired.status_code == 302
    with app.app_context():
        group = db.session().scalars(select(Group).where(Group.code == "G-OWN-M")).one()
        assert (group.label, group.owner_code, group.retired_on) == ("North crew (north)", MANCHESTER, TODAY)
        actions = [e.action for e in db.session().scalars(select(AuditEvent).where(AuditEvent.object_ref == "G-OWN-M"))]
        assert actions == ["create", "update", "retire"]


def test_groups_through_the_api_follow_the_same_rules(app: Flask, no_agreements: None) -> None:
    client = app.test_client()
    po = bearer(make_token(app, "po@salford.own"))
    body = {"code": "G-OWN-S2", "label": "South crew", "source": "Police", "confidence": "low",
            "review_by": FUTURE.isoformat()}  # fmt: skip
    created = client.post("/api/v1/groups", json=body, headers=po)
    assert created.status_code == 201 and created.get_json()["owner_code"] == SALFORD
    manchester = bearer(make_token(app, "po@manchester.own"))
    assert client.get("/api/v1/groups/G-OWN-S2", headers=manchester).status_code == 404
    _both(app, "intelligence")
    shared = client.get("/api/v1/groups/G-OWN-S2", headers=manchester).get_json()
    assert shared["shared"] == "shared by Salford for intelligence"
    edit = {k: v for k, v in body.items() if k != "code"}
    assert client.put("/api/v1/groups/G-OWN-S2", json=edit, headers=manchester).status_code == 403
    assert client.put("/api/v1/groups/G-OWN-S2", json={**edit, "label": "S"}, headers=po).status_code == 200
    commissioner = bearer(make_token(app, "commissioner@manchester.own"))
    assert client.get("/api/v1/groups", headers=commissioner).status_code == 403


# --- the matrix ------------------------------------------------------------------------

ROUTES = ("rank", "placements import", "areas import", "group edit (API)", "placement (API)")
SETUPS: dict[str, list[tuple[str, date | None]]] = {
    "none": [],
    "placement finding": [("placement_finding", None)],
    "intelligence": [("intelligence", None)],
    "expired intelligence": [("intelligence", date(2026, 11, 30))],
}


def _expected(owner: str, setup: str, role: str, route: str) -> bool:
    """What the rules table says the route allows (docs/access-rules.md)."""
    own = owner == MANCHESTER
    writes = role == "placement_officer"
    if route == "rank":  # reads the other's area: does it reach the case?
        return own or setup == "intelligence"
    if route == "placement (API)":
        return own or setup == "placement finding"
    return own and writes  # every write: the owner only, in a writing role


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["placement_officer", "social_worker"])
@pytest.mark.parametrize("setup", list(SETUPS))
@pytest.mark.parametrize("owner", [MANCHESTER, SALFORD])
def test_matrix_of_owner_agreement_role_and_route(
    app: Flask, no_agreements: None, owner: str, setup: str, role: str, route: str
) -> None:
    """A Manchester user, in `role`, on `route`, against a record `owner` holds, under `setup`."""
    for purpose, ends_on in SETUPS[setup]:
        _both(app, purpose, ends_on)
    email = {"placement_officer": "po@manchester.own", "social_worker": "sw@manchester.own"}[role]
    placement, area = (P_MAN, A_MAN) if owner == MANCHESTER else (P_SAL, A_SAL)
    group = "G-OWN-S" if owner == SALFORD else _manchester_group(app)
    client = app.test_client()
    if route == "rank":
        allowed = area in _ranked(app, email)[2]
    elif route == "placement (API)":
        allowed = (
            client.get(f"/api/v1/placements/{placement}", headers=bearer(make_token(app, email))).status_code == 200
        )
    elif route == "group edit (API)":
        fields = {"label": f"Label {setup}", "source": "Test", "confidence": "high", "review_by": FUTURE.isoformat()}
        answer = client.put(f"/api/v1/groups/{group}", json=fields, headers=bearer(make_token(app, email)))
        assert answer.status_code in (200, 403, 404)
        allowed = answer.status_code == 200
    else:
        sign_in(client, email)
        kind = "placements_csv" if route == "placements import" else "areas"
        if kind == "placements_csv":
            body = PLACEMENTS_HEADER + f"{placement},Carers {placement},Test Fostering,foster,53.46,-2.20,2,1,active\n"
        else:
            lat = 53.46 if owner == SALFORD else 53.60
            body = AREAS_HEADER + f"{area},Area {area},gang_territory,{lat},-2.20,0.5,high,,Test,high,{FUTURE}\n"
        response = client.get(f"/imports/{kind}")
        if response.status_code == 403:
            allowed = False
        else:
            page = _upload(client, kind, body)
            allowed = (
                "was not changed" not in page and re.search(r"(Placements|Areas) (updated|unchanged)", page) is not None
            )
    assert allowed == _expected(owner, setup, role, route)


def _manchester_group(app: Flask) -> str:
    with app.app_context():
        if intelligence.get_group("G-OWN-MX") is None:
            intelligence.add(Group(code="G-OWN-MX", label="M", source="T", confidence="high", review_by=FUTURE,
                                   owner_code=MANCHESTER))  # fmt: skip
            db.commit()
    return "G-OWN-MX"
