"""`flask import-data`: the same imports from the command line, with a row-by-row report."""

from __future__ import annotations

import csv
from pathlib import Path

from flask import Flask

from web import db
from web.models import Area, AuditEvent, ImportRun, Postcode

ESSEX = "E10000012"
ONSPD = (
    "pcds,doterm,oscty,oslaua,oseast1m,osnrth1m,osgrdind,lsoa21,lat,long\n"
    "ZZ4 4AA,,E99999999,E06000033,588500,186200,1,E01015900,51.54,0.71\n"
    "ZZ4 4AB,,E99999999,E06000033,588600,186300,1,E01015900,51.541,0.711\n"
)
AREAS_HEADER = "code,label,kind,lat,lon,radius_km,severity,groups,source,confidence,review_by\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_postcodes_import_from_the_command_line(app: Flask, tmp_path: Path) -> None:
    """Exit 0 and a one-line summary; the run is recorded with no user."""
    path = _write(tmp_path, "onspd.csv", ONSPD)
    result = app.test_cli_runner().invoke(args=["import-data", "postcodes", "--file", str(path), "--authority", ESSEX])
    assert result.exit_code == 0, result.output
    assert "Imported 2 rows: 2 postcodes." in result.output
    with app.app_context():
        assert db.session().get(Postcode, "ZZ44AA") is not None
        run = db.session().query(ImportRun).order_by(ImportRun.id.desc()).first()
        assert run is not None and run.by_id is None and run.kind == "postcodes" and run.rows == 2


def test_a_dry_run_from_the_command_line_writes_nothing(app: Flask, tmp_path: Path) -> None:
    """--dry-run: exit 0, says what would happen, stores no area."""
    path = _write(tmp_path, "areas.csv", AREAS_HEADER + "CLI-1,Area C,other,51.5,0.5,1,low,,Briefing,low,2030-01-01\n")
    result = app.test_cli_runner().invoke(
        args=["import-data", "areas", "--file", f"file={path}", "--authority", ESSEX, "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "Nothing was imported; importing would give 1 areas added" in result.output
    with app.app_context():
        assert db.session().query(Area).filter_by(code="CLI-1").count() == 0
        assert db.session().query(AuditEvent).order_by(AuditEvent.id.desc()).first().action == "import_dry_run"  # type: ignore[union-attr]


def test_problems_are_printed_row_by_row_and_exit_1(app: Flask, tmp_path: Path) -> None:
    """Each problem with its row and column; nothing imported."""
    body = AREAS_HEADER + (
        "CLI-2,Area D,other,51.5,0.5,1,low,,Briefing,low,2030-01-01\n"
        "CLI-3,Area E,other,95,0.5,1,extreme,,Briefing,low,01/01/2030\n"
    )
    path = _write(tmp_path, "areas.csv", body)
    result = app.test_cli_runner().invoke(args=["import-data", "areas", "--file", str(path), "--authority", ESSEX])
    assert result.exit_code == 1
    assert "3 problems found: nothing was imported." in result.output
    assert "file row 3, column lat: lat must be -90 or more" not in result.output
    assert "file row 3, column lat: lat must be 90 or less" in result.output
    assert "file row 3, column severity: severity must be one of: high, low, medium" in result.output
    assert "file row 3, column review_by: review_by must be a date written yyyy-mm-dd" in result.output
    with app.app_context():
        assert db.session().query(Area).filter(Area.code.in_(["CLI-2", "CLI-3"])).count() == 0


def test_an_unknown_kind_or_authority_is_a_usage_error(app: Flask, tmp_path: Path) -> None:
    """Exit 2 with the choices, before anything is read."""
    path = _write(tmp_path, "onspd.csv", ONSPD)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-data", "nonsense", "--file", str(path), "--authority", ESSEX])
    assert result.exit_code == 2 and "choose one of" in result.output and "postcodes" in result.output
    result = runner.invoke(args=["import-data", "postcodes", "--file", str(path), "--authority", "E99999998"])
    assert result.exit_code == 2 and "not the GSS code" in result.output


SSDA903_HEADER = "CHILD,SEX,DOB,ETHNIC\nS1,M,01/01/2012,WBRI\nS2,F,01/01/2013,REFU\n"
SSDA903_EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    "S1,01/05/2025,S,C2,N1,U1,PR1,,,,CM1 1AA,ZZ9 9ZZ,\n"  # 392c: not a postcode
    "S2,01/06/2025,S,C2,N1,Z1,PR1,,,,,CM1 1AA,\n"  # 146 (Z1 invalid from 2025/26), 392b: no HOME_POST
)


def test_an_ssda903_return_loads_and_its_flags_are_summarised_and_reported(app: Flask, tmp_path: Path) -> None:
    """The flags by rule first, then row by row; --report writes every one as CSV."""
    header = _write(tmp_path, "header.csv", SSDA903_HEADER)
    episodes = _write(tmp_path, "episodes.csv", SSDA903_EPISODES)
    report = tmp_path / "report.csv"
    result = app.test_cli_runner().invoke(
        args=[
            "import-data",
            "ssda903",
            "--file",
            f"header={header}",
            "--file",
            f"episodes={episodes}",
            "--authority",
            ESSEX,
            "--report",
            str(report),
        ]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Imported 4 rows: 2 young people, 2 care episodes.")
    assert lines[1] == "DfE's rules for 2025/26 (the return's latest dates are in 2025/26):"
    summary = [line.strip() for line in lines[2:5]]
    assert summary[0].startswith("1 episode: ") and all("(DfE rule " in line for line in summary)
    assert "  episodes row 2, column HOME_POST: rule 392c, " in result.output.replace(lines[0], "")
    with report.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["table"], r["row"], r["CHILD"], r["rule"], r["severity"]) for r in rows} == {
        ("episodes", "2", "S1", "392c", "flag"),
        ("episodes", "3", "S2", "146", "flag"),
        ("episodes", "3", "S2", "392b", "flag"),
    }


def test_a_refused_file_is_reported_too(app: Flask, tmp_path: Path) -> None:
    """Any import's problems go to --report, severity refused, with no rule code."""
    path = _write(tmp_path, "areas.csv", AREAS_HEADER + "CLI-9,Area F,other,95,0.5,1,low,,Briefing,low,2030-01-01\n")
    report = tmp_path / "report.csv"
    result = app.test_cli_runner().invoke(
        args=["import-data", "areas", "--file", str(path), "--authority", ESSEX, "--report", str(report)]
    )
    assert result.exit_code == 1
    with report.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["table"], r["row"], r["field"], r["rule"], r["severity"]) for r in rows] == [
        ("file", "2", "lat", "", "refused")
    ]
