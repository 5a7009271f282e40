"""The DfE-comparable figures page, its downloads and command: the shared SSDA903 sample, counted independently."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from planner.dfe import placement_distance_miles
from planner.disclosure import total
from tests.integration.builders import MANCHESTER, build_world
from tests.integration.helpers import sign_in
from tests.unit.test_dfe_figures import SAMPLE, _grid
from web import db
from web.capacity.services.capacity_figures import protection
from web.models import AuditEvent, CareEpisode, YoungPerson

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason=f"{SAMPLE} is not here: the shared data is not mounted")


def _reference(child: str) -> str:
    return f"903-{child}"


@pytest.fixture(scope="module")
def world(app: Flask) -> Iterator[tuple[Flask, pd.DataFrame, dict[str, tuple[float, float, str]]]]:
    """The builders' world and the shared sample's 5,050 episodes, as Manchester's return."""
    build_world(app)
    raw = pd.read_csv(SAMPLE, dtype=str)
    grid = _grid([p for p in pd.concat([raw["HOME_POST"], raw["PL_POST"]]).dropna()])
    with app.app_context():
        people = {
            child: YoungPerson(
                reference=_reference(child),
                date_of_birth=date(2008, 1, 1),
                sex="1",
                ethnicity="WBRI",
                home_lat=53.48,
                home_lon=-2.24,
                responsible_authority_code=MANCHESTER,
                risks=[],
                created_at=datetime(2026, 1, 1),
            )
            for child in sorted(raw["CHILD"].unique())
        }
        db.session().add_all(people.values())
        db.session().flush()
        for r in raw.to_dict("records"):
            home, placed = grid.get(r["HOME_POST"]), grid.get(r["PL_POST"])
            db.session().add(
                CareEpisode(
                    young_person_id=people[r["CHILD"]].id,
                    authority_code=MANCHESTER,
                    start=datetime.strptime(r["DECOM"], "%d/%m/%Y").date(),
                    end=datetime.strptime(r["DEC"], "%d/%m/%Y").date() if isinstance(r["DEC"], str) else None,
                    reason_new_episode=r["RNE"],
                    legal_status=r["LS"],
                    place=r["PLACE"],
                    distance_miles=placement_distance_miles(home[0], home[1], placed[0], placed[1])
                    if home and placed
                    else None,
                    location=None if placed is None else ("IN" if placed[2] == MANCHESTER else "OUT"),
                    source="ssda903",
                )
            )
        db.commit()
    yield app, raw, grid


def _expected_children(raw: pd.DataFrame, grid: dict[str, tuple[float, float, str]], year: int) -> dict[str, set[str]]:
    """DfE's count at 31 March, done independently: the references in each cell."""
    day = pd.Timestamp(year, 3, 31)
    frame = raw.assign(
        start=pd.to_datetime(raw["DECOM"], format="%d/%m/%Y"), end=pd.to_datetime(raw["DEC"], format="%d/%m/%Y")
    )
    live = frame[(frame.start <= day) & (frame.end.isna() | (frame.end > day))]
    latest = live.sort_values(["CHILD", "start"]).groupby("CHILD").tail(1)
    counted = latest[~latest["LS"].isin(["V3", "V4"])]
    cells: dict[str, set[str]] = {k: set() for k in ("all", "near", "far", "unknown", "in", "out", "where_unknown")}
    for _, row in counted.iterrows():
        ref = _reference(row["CHILD"])
        cells["all"].add(ref)
        home, placed = grid.get(row["HOME_POST"]), grid.get(row["PL_POST"])
        if home and placed:
            cells["far" if np.hypot(home[0] - placed[0], home[1] - placed[1]) / 1609.3 >= 20.05 else "near"].add(ref)
        else:
            cells["unknown"].add(ref)
        cells["where_unknown" if placed is None else ("in" if placed[2] == MANCHESTER else "out")].add(ref)
    return cells


def _expected_starts(
    raw: pd.DataFrame, year: int, episode_ids: dict[tuple[str, date], int]
) -> tuple[list[int], list[int]]:
    """Placement starts counted independently: each child's episodes in order, moves around T0-T4 left out."""
    first, last = date(year - 1, 4, 1), date(year, 3, 31)
    every, started = [], []
    for child, rows in raw.groupby("CHILD"):
        previous = None
        for _, e in rows.assign(d=pd.to_datetime(rows["DECOM"], format="%d/%m/%Y").dt.date).sort_values("d").iterrows():
            move = e["RNE"] in ("P", "T", "B", "U") and not {e["PLACE"], previous} & {"T0", "T1", "T2", "T3", "T4"}
            if (e["RNE"] == "S" or move) and first <= e["d"] <= last and e["LS"] not in ("V3", "V4"):
                every.append(episode_ids[(_reference(str(child)), e["d"])])
                if e["RNE"] == "S":
                    started.append(every[-1])
            previous = e["PLACE"]
    return every, started


def _rows(text: str) -> dict[str, list[str]]:
    return {row[0]: row for row in csv.reader(io.StringIO(text)) if row and row[0].startswith(("31 March", "1 April"))}


def test_the_figures_are_dfe_counts_of_the_sample_protected_as_everywhere_else(
    world: tuple, client: FlaskClient
) -> None:
    app, raw, grid = world
    sign_in(client, "commissioner@manchester.test")
    page = client.get(f"/capacity/dfe?authority={MANCHESTER}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Children looked after at 31 March" in html and "short-term placements" in html
    distance = _rows(client.get(f"/capacity/download/dfe/dfe_distance.csv?authority={MANCHESTER}").get_data(True))
    location = _rows(client.get(f"/capacity/download/dfe/dfe_location.csv?authority={MANCHESTER}").get_data(True))
    starts = _rows(client.get(f"/capacity/download/dfe/dfe_starts.csv?authority={MANCHESTER}").get_data(True))
    assert sorted(distance) == [f"31 March {y}" for y in (2015, 2016, 2017, 2018)]
    with app.app_context():
        dz = protection()

        def shown(refs: set[str] | set[int], kind: str = "young_person") -> str:
            return dz.text(total(dz.one(kind, r) for r in refs))

        episode_ids = {
            (ref, start): i
            for i, start, ref in db.session().execute(
                select(CareEpisode.id, CareEpisode.start, YoungPerson.reference).join(YoungPerson)
            )
        }
    assert len(episode_ids) >= len(raw)
    for year in (2015, 2016, 2017, 2018):
        cells = _expected_children(raw, grid, year)
        row = distance[f"31 March {year}"]
        assert row[1:5] == [shown(cells["all"]), shown(cells["near"]), shown(cells["far"]), shown(cells["unknown"])]
        # England as DfE published it for that year, or x where the product holds no DfE figure.
        assert row[6] == {2015: "18%", 2018: "19%"}.get(year, "x")
        row = location[f"31 March {year}"]
        assert row[1:5] == [shown(cells["all"]), shown(cells["in"]), shown(cells["out"]), shown(cells["where_unknown"])]
        # DfE's own share outside the boundary is held for 2015 and 2016 (placement-locality data set).
        assert row[6] == {2015: "40%", 2016: "40%"}.get(year, "x")
        keys, s_keys = _expected_starts(raw, year, episode_ids)
        label = f"1 April {year - 1} to 31 March {year}"
        assert starts[label][1:4] == [
            shown(set(keys), "care_episode"),
            shown(set(s_keys), "care_episode"),
            shown(set(keys) - set(s_keys), "care_episode"),
        ]


def test_the_location_page_says_who_it_counts_and_gives_englands_figure_with_its_year(
    world: tuple, client: FlaskClient
) -> None:
    sign_in(client, "commissioner@manchester.test")
    html = client.get("/capacity/location").get_data(as_text=True)
    assert "current residents" in html and "DfE-comparable figures" in html
    assert "England: 22%, 31 March 2024; DfE, Children looked after in England including adoptions" in html
    # England's latest published share outside the boundary is DfE's own, with its (old) year.
    assert "England: 40%, 31 March 2016; DfE, Children looked after: a focus on placement location" in html
    assert "(2018)" not in html and "41%" not in html


def test_the_command_line_writes_the_same_figures_and_is_audited(
    world: tuple, client: FlaskClient, tmp_path: Path
) -> None:
    app, _, _ = world
    out = tmp_path / "dfe.csv"
    result = app.test_cli_runner().invoke(
        args=["capacity-figures", "dfe", "--authority", MANCHESTER, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "4 years" in result.output
    written = out.read_bytes().decode("utf-8")
    sign_in(client, "commissioner@manchester.test")
    for key in ("dfe_distance", "dfe_location", "dfe_starts"):
        # Each table in the file is the download, line for line, after its title.
        page = client.get(f"/capacity/download/dfe/{key}.csv?authority={MANCHESTER}").get_data(True)
        assert page in written, key
    with app.app_context():
        events = db.session().scalars(select(AuditEvent).where(AuditEvent.object_ref == "dfe/all")).all()
    assert events and events[-1].authority_code == MANCHESTER
    bad = app.test_cli_runner().invoke(args=["capacity-figures", "dfe", "--authority", "E99999999", "--out", str(out)])
    assert bad.exit_code == 2 and "Choose an authority" in bad.output


def test_casework_roles_are_refused(world: tuple, client: FlaskClient) -> None:
    sign_in(client, "sw@manchester.test")
    assert client.get("/capacity/dfe").status_code == 403
    assert client.get("/capacity/download/dfe/dfe_distance.csv").status_code == 403
