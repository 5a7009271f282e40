"""Importing an SSDA903 return: children, episodes with DfE's derived fields, missing episodes, problems."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.integration.builders import DERBYSHIRE, MANCHESTER
from web import db
from web.data_exchange.services.imports import Outcome, run_import, ssda903
from web.models import CareEpisode, LocalAuthority, MissingEpisode, Postcode, YoungPerson
from web.shared.repositories import postcodes

TODAY = date(2026, 11, 1)
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
MISSING = "CHILD,DOB,MISSING,MIS_START,MIS_END\n"


@pytest.fixture(scope="module")
def world(app: Flask) -> Flask:
    """Three synthetic postcodes: two in Manchester, one in Derbyshire, with made-up grid references."""
    with app.app_context():
        for code, lat, lon, east, north, la in [
            ("M11AA", 53.480, -2.240, 384_000, 398_000, MANCHESTER),
            ("M22BB", 53.490, -2.250, 383_000, 399_000, MANCHESTER),
            ("DE43CC", 53.100, -1.500, 430_000, 360_000, DERBYSHIRE),
        ]:
            postcodes.add_postcode(
                Postcode(postcode=code, lat=lat, lon=lon, easting=east, northing=north, authority_code=la)
            )
        db.commit()
    return app


def _run(app: Flask, header: str, episodes: str, missing: str | None = None, dry_run: bool = False) -> Outcome:
    files = {
        "header": ("header.csv", (HEADER + header).encode()),
        "episodes": ("episodes.csv", (EPISODES + episodes).encode()),
    }
    if missing is not None:
        files["missing"] = ("missing.csv", (MISSING + missing).encode())
    with app.app_context():
        return run_import("ssda903", files, dry_run=dry_run, authority_code=MANCHESTER, today=TODAY)


def _person(app: Flask, reference: str) -> YoungPerson | None:
    with app.app_context():
        return db.session().scalars(select(YoungPerson).where(YoungPerson.reference == reference)).first()


def _episodes(app: Flask, reference: str) -> list[CareEpisode]:
    with app.app_context():
        query = (
            select(CareEpisode)
            .join(YoungPerson, YoungPerson.id == CareEpisode.young_person_id)
            .where(YoungPerson.reference == reference)
            .order_by(CareEpisode.start)
        )
        return list(db.session().scalars(query))


def _problems(outcome: Outcome) -> set[tuple[str, int | None, str | None]]:
    return {(p.file, p.row, p.field) for p in outcome.problems}


def test_import_creates_children_episodes_and_missing_episodes(world: Flask) -> None:
    """A return imports every table; the home is the latest HOME_POST; PL_DISTANCE and PL_LOCATION are DfE's."""
    outcome = _run(
        world,
        "A100,1,01/02/2011,WBRI,,,\n",
        "A100,01/04/2025,S,C2,N4,U4,PR1,10/05/2025,X1,CARPL,M1 1AA,M2 2BB,SC100001\n"
        "A100,10/05/2025,P,C2,N4,K2,PR4,,,,M2 2BB,DE4 3CC,SC100002\n",
        "A100,01/02/2011,M,03/06/2025,05/06/2025\n",
    )
    assert outcome.ok, outcome.problems
    assert outcome.added == {"young people": 1, "care episodes": 2, "missing episodes": 1}

    person = _person(world, f"{MANCHESTER}-A100")
    assert person is not None
    assert (person.sex, person.ethnicity, person.date_of_birth) == ("1", "WBRI", date(2011, 2, 1))
    assert person.home_postcode == "M2 2BB"  # the latest episode's HOME_POST
    assert (person.home_lat, person.home_lon) == (53.490, -2.250)
    assert person.responsible_authority_code == MANCHESTER

    first, latest = _episodes(world, f"{MANCHESTER}-A100")
    assert (first.start, first.end, first.place, first.reason_place_change) == (
        date(2025, 4, 1),
        date(2025, 5, 10),
        "U4",
        "CARPL",
    )
    # 1,000 m east and north: 1,414 m is 0.9 miles; in Manchester, so IN.
    assert (first.distance_miles, first.location) == (0.9, "IN")
    # From M2 2BB, (47,000 m, 39,000 m) apart: 61.1 km is 38.0 miles on DfE's mile; Derbyshire, so OUT.
    assert (latest.distance_miles, latest.location) == (38.0, "OUT")
    assert (latest.source, latest.import_id) == ("ssda903", outcome.import_id)
    assert latest.placement_postcode == "DE4 3CC"

    with world.app_context():
        missing = db.session().scalars(select(MissingEpisode).where(MissingEpisode.young_person_id == person.id)).all()
    assert [(m.kind, m.start, m.end, m.reported_by) for m in missing] == [
        ("M", datetime(2025, 6, 3), datetime(2025, 6, 5), "ssda903 import")
    ]
    # SSDA903 gives dates only: the times are recorded as not known, never as 00:00.
    assert [(m.start_time_known, m.end_time_known) for m in missing] == [(False, False)]


def test_reimport_keeps_a_time_of_return_a_person_recorded_for_the_same_day(world: Flask) -> None:
    """A worker's time of return survives a re-import that gives only the same date; a new date replaces it."""
    header = "K900,1,01/03/2012,WBRI,,,\n"
    episodes = "K900,01/01/2025,S,C1,N1,U1,PR1,,,,M1 1AA,M1 1AA,\n"
    _run(world, header, episodes, "K900,,M,02/02/2025,03/02/2025\n")
    person = _person(world, f"{MANCHESTER}-K900")
    assert person is not None
    with world.app_context():
        episode = db.session().scalars(select(MissingEpisode).where(MissingEpisode.young_person_id == person.id)).one()
        episode.end, episode.end_time_known = datetime(2025, 2, 3, 18, 30), True
        db.commit()
    assert _run(world, header, episodes, "K900,,M,02/02/2025,03/02/2025\n").ok
    with world.app_context():
        episode = db.session().scalars(select(MissingEpisode).where(MissingEpisode.young_person_id == person.id)).one()
        assert (episode.end, episode.end_time_known) == (datetime(2025, 2, 3, 18, 30), True)
    assert _run(world, header, episodes, "K900,,M,02/02/2025,04/02/2025\n").ok
    with world.app_context():
        episode = db.session().scalars(select(MissingEpisode).where(MissingEpisode.young_person_id == person.id)).one()
        assert (episode.end, episode.end_time_known) == (datetime(2025, 2, 4), False)


def test_reimport_updates_rather_than_duplicates(world: Flask) -> None:
    """The same child and DECOM imported again updates the episode; no second child or episode appears."""
    header = "B200,2,15/08/2010,BAFR,,,\n"
    _run(world, header, "B200,01/01/2025,S,C1,N1,U1,PR1,,,,M1 1AA,M1 1AA,\n", "B200,,A,02/02/2025,\n")
    outcome = _run(
        world,
        "B200,2,15/08/2010,BCRB,,,\n",
        "B200,01/01/2025,S,C1,N1,U1,PR1,01/03/2025,E11,,M1 1AA,M1 1AA,\n",
        "B200,,A,02/02/2025,03/02/2025\n",
    )
    assert outcome.ok, outcome.problems
    person = _person(world, f"{MANCHESTER}-B200")
    assert person is not None and person.ethnicity == "BCRB"
    [episode] = _episodes(world, f"{MANCHESTER}-B200")
    assert (episode.end, episode.reason_ceased, episode.distance_miles) == (date(2025, 3, 1), "E11", 0.0)
    with world.app_context():
        count = db.session().scalar(
            select(func.count()).select_from(MissingEpisode).where(MissingEpisode.young_person_id == person.id)
        )
        people = db.session().scalar(
            select(func.count()).select_from(YoungPerson).where(YoungPerson.reference == f"{MANCHESTER}-B200")
        )
    assert (count, people) == (1, 1)


def test_only_unreadable_values_refuse_the_return(world: Flask) -> None:
    """Dates that are not dates and unknown children are named; nothing at all is written."""
    outcome = _run(
        world,
        "C300,1,01/01/2012,WBRI,,,\nC301,1,31/02/2012,WBRI,,,\nC302,1,01/01/2012,WBRI,,,\n",
        "C300,01/01/2025,S,C2,N4,U4,PR1,,,,M1 1AA,M1 1AA,\n"
        "C302,01/03/2025,S,C2,N4,U4,PR1,01/02/2025,X1,,M1 1AA,M1 1AA,\n"  # row 3: DEC before DECOM
        "C999,01/01/2025,S,C2,N4,U4,PR1,,,,M1 1AA,M1 1AA,\n",  # row 4: child not in the Header
    )
    assert not outcome.ok
    assert {("header", 3, "DOB"), ("episodes", 3, "DEC"), ("episodes", 4, "CHILD")} <= _problems(outcome)
    assert _person(world, f"{MANCHESTER}-C300") is None


def test_codes_and_postcodes_dfe_questions_load_as_flags(world: Flask) -> None:
    """Codes not valid this year and postcodes that are not postcodes load; DfE's rules flag them."""
    header = "C400,3,01/01/2012,ZZZZ,,,\n"
    episodes = (
        "C400,01/01/2025,Q,C2,N0,Z15,PR9,01/02/2025,X1,,M1 1AA,M1 1AA,\n"
        "C400,01/02/2025,S,C2,N4,U4,PR1,,,,ZZ9 9ZZ,NOT A CODE,\n"
    )
    outcome = _run(world, header, episodes, "C400,,X,01/02/2025,\n")
    assert outcome.ok, outcome.problems
    assert outcome.skipped["missing rows that are neither M nor A (DfE rule 1006)"] == 1
    first, second = _episodes(world, f"{MANCHESTER}-C400")
    assert (first.reason_new_episode, first.category_of_need, first.place) == ("Q", "N0", "Z15")
    assert (second.distance_miles, second.location) == (None, None)  # PL_DISTANCE not known

    files = {"header": (HEADER + header).encode(), "episodes": (EPISODES + episodes).encode()}
    with world.app_context():
        year, found = ssda903.findings(files, TODAY)
    assert year.label == "2024/25"
    flagged = {(f.table, f.row, f.code) for f in found}
    assert {
        ("header", 2, "101"),
        ("header", 2, "103"),
        ("episodes", 2, "143"),
        ("episodes", 2, "145"),
        ("episodes", 2, "146"),
        ("episodes", 2, "178"),
        ("episodes", 3, "392c"),
    } <= flagged


def test_a_child_with_no_home_postcode_is_recorded(world: Flask) -> None:
    """An unaccompanied asylum-seeking child with no HOME_POST: no home postcode, the authority's centre."""
    outcome = _run(world, "D400,1,01/01/2012,REFU,,,\n", "D400,01/01/2025,S,C2,N4,U4,PR1,,,,,M1 1AA,\n")
    assert outcome.ok, outcome.problems
    person = _person(world, f"{MANCHESTER}-D400")
    assert person is not None and person.home_postcode is None
    with world.app_context():
        authority = db.session().get(LocalAuthority, MANCHESTER)
        assert authority is not None
        assert (person.home_lat, person.home_lon) == (authority.lat, authority.lon)
    [episode] = _episodes(world, f"{MANCHESTER}-D400")
    assert episode.distance_miles is None


def test_new_codes_are_accepted(world: Flask) -> None:
    """K3 (supported accommodation) and Z11-Z14 are valid PLACE codes; CIN N9 too."""
    outcome = _run(
        world,
        "E500,2,01/01/2009,MWBA,,,\n",
        "E500,01/01/2025,S,C2,N9,K3,PR4,01/02/2025,X1,,M1 1AA,M2 2BB,\n"
        "E500,01/02/2025,P,C2,N9,Z12,PR4,,,,M1 1AA,M2 2BB,\n",
    )
    assert outcome.ok, outcome.problems
    assert [e.place for e in _episodes(world, f"{MANCHESTER}-E500")] == ["K3", "Z12"]


def test_custody_reason_is_stored_or_named_never_a_crash(world: Flask) -> None:
    """CUSTOD (six letters) is a valid REASON_PLACE_CHANGE: stored, or named where the database cannot hold it."""
    outcome = _run(world, "H800,1,01/01/2009,WBRI,,,\n", "H800,01/01/2025,S,C2,N4,U4,PR1,,,CUSTOD,M1 1AA,M1 1AA,\n")
    if outcome.ok:
        [episode] = _episodes(world, f"{MANCHESTER}-H800")
        assert episode.reason_place_change == "CUSTOD"
    else:
        assert _problems(outcome) == {("episodes", 2, "REASON_PLACE_CHANGE")}
        assert "upgrade the database" in outcome.problems[0].message


def test_missing_columns_and_duplicate_episodes(world: Flask) -> None:
    """A header row without a column is named; the same child and DECOM twice is refused."""
    with world.app_context():
        outcome = run_import(
            "ssda903",
            {"header": ("h.csv", b"CHILD,SEX,DOB\nF600,1,01/01/2012\n"), "episodes": ("e.csv", EPISODES.encode())},
            dry_run=False,
            authority_code=MANCHESTER,
            today=TODAY,
        )
    assert ("header", 1, None) in _problems(outcome)
    assert "ETHNIC" in outcome.problems[0].message

    outcome = _run(
        world,
        "F601,1,01/01/2012,WBRI,,,\n",
        "F601,01/01/2025,S,C2,N4,U4,PR1,,,,M1 1AA,M1 1AA,\nF601,01/01/2025,S,C2,N4,U4,PR1,,,,M1 1AA,M1 1AA,\n",
    )
    assert _problems(outcome) == {("episodes", 3, "DECOM")}


def test_dry_run_writes_nothing_and_header_only_children_are_skipped(world: Flask) -> None:
    """A check reports what would be added; a child with no episode is counted as skipped, not invented."""
    outcome = _run(
        world,
        "G700,1,01/01/2012,WBRI,,,\nG701,2,01/01/2013,WIRI,,,\n",
        "G700,01/01/2025,S,C2,N4,U4,PR1,,,,M1 1AA,M2 2BB,\n",
        "G701,01/01/2013,M,01/02/2025,02/02/2025\n",
        dry_run=True,
    )
    assert outcome.ok, outcome.problems
    assert outcome.added == {"young people": 1, "care episodes": 1, "missing episodes": 0}
    assert outcome.skipped == {
        "children with no episode (so no home to record)": 1,
        "missing episodes of those children": 1,
    }
    assert _person(world, f"{MANCHESTER}-G700") is None


def test_another_authoritys_children_never_clash(world: Flask) -> None:
    """The same CHILD id from two authorities becomes two young people."""
    with world.app_context():
        outcome = run_import(
            "ssda903",
            {
                "header": ("h.csv", (HEADER + "A100,2,01/01/2012,WBRI,,,\n").encode()),
                "episodes": ("e.csv", (EPISODES + "A100,01/01/2025,S,C2,N4,U4,PR1,,,,M1 1AA,DE4 3CC,\n").encode()),
            },
            dry_run=False,
            authority_code=DERBYSHIRE,
            today=TODAY,
        )
    assert outcome.ok, outcome.problems
    derbyshire_child = _person(world, f"{DERBYSHIRE}-A100")
    assert derbyshire_child is not None and derbyshire_child.responsible_authority_code == DERBYSHIRE
    [episode] = _episodes(world, f"{DERBYSHIRE}-A100")
    assert episode.location == "IN"


def test_terminated_postcodes_resolve_and_are_not_flagged(world: Flask) -> None:
    """Old returns carry terminated postcodes (AB1 0AA ended in 1996): they resolve, so PL_DISTANCE is known."""
    header = "T100,1,01/01/2012,WBRI,,,\n"
    episodes = "T100,01/01/2025,S,C2,N4,U4,PR1,,,,AB1 0AA,E1W 1UU,\n"
    outcome = _run(world, header, episodes)
    assert outcome.ok, outcome.problems
    [episode] = _episodes(world, f"{MANCHESTER}-T100")
    assert episode.distance_miles is not None and episode.distance_miles > 350
    assert episode.location == "OUT"
    with world.app_context():
        _year, found = ssda903.findings(
            {"header": (HEADER + header).encode(), "episodes": (EPISODES + episodes).encode()}, TODAY
        )
    assert [f.code for f in found if f.code.startswith("392")] == []
