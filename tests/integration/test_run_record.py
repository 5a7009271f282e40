"""A ranking run stores its exclusions as codes and words them when read (decision 0091).

On the demo world (seed 1): the drill-down pages, the options page's few under each reason
and the API's run document say exactly what the engine's worded `to_dict()` says for the
run's case, whether the ranking is still in memory, the world is rebuilt from the cached
prepared world or from the run's snapshot alone; a run stored worded (before 0091) reads
as it did; a stored record that the case no longer gives is an error, never shown.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from planner import load_policy, parse_case, prepare_world, rank
from planner.ranking import REASON_MASKS_FORM
from tests.api.helpers import bearer, make_token
from tests.integration.helpers import post, sign_in
from web import db
from web.accounts.services import accounts
from web.casework.repositories import referrals as referral_repository
from web.demo.services import world as demo_world
from web.matching.services import batch_case, options, ranking_runs, run_exclusions
from web.matching.services.stored_cases import stored_case
from web.models import RankingRun

PASSWORD = "correct horse battery staple 1"
OFFICER = "po@run-record.test"
MANCHESTER = "E08000003"
LINE = re.compile(r"<li><strong>[^<]*</strong> \(([^)]+)\): (.*?)(?: <span class=\"app-intelligence-owner\">|</li>)")


@pytest.fixture(scope="module")
def demo(app: Flask) -> Iterator[tuple[Flask, str]]:
    """The demo world on each backend, a Manchester placement officer, and one open referral."""
    with app.app_context():
        demo_world.generate(1)
        accounts.create_user(OFFICER, "Officer", "placement_officer", MANCHESTER, PASSWORD)
        db.commit()
        reference = referral_repository.list_referrals(MANCHESTER, "open")[0].reference
    yield app, reference


def _forget(world: bool = False) -> None:
    """What another process would not have: the ranking a run was made from, and the prepared world."""
    ranking_runs._results.clear()
    options._layers.clear()
    run_exclusions.forget()
    if world:
        batch_case._cache.clear()


def _ranked(app: Flask, reference: str) -> tuple[FlaskClient, int]:
    client = app.test_client()
    assert sign_in(client, OFFICER, PASSWORD).status_code == 302
    response = post(client, f"/referrals/{reference}/rankings", f"/referrals/{reference}")
    assert response.status_code == 302
    return client, int(response.headers["Location"].rsplit("/", 1)[1])


def _engine_document(app: Flask, run_id: int) -> dict[str, Any]:
    """The engine's worded document for the run's exact case, parsed and prepared from scratch."""
    with app.app_context():
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        case = parse_case(stored_case(run))
    assert case.referral is not None and case.as_of is not None
    policy = load_policy()
    world = prepare_world(case.placements, case.areas, case.groups, case.as_of, policy.use_expired_intelligence)
    return rank(world, case.referral, policy).to_dict()


def _lines_by_code(document: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for e in document["excluded"]:
        for r in e["reasons"]:
            found.setdefault(r["code"], []).append((e["placement_id"], r["detail"]))
    return found


def _drill_down(client: FlaskClient, reference: str, run_id: int, code: str) -> list[tuple[str, str]]:
    """Every line of every page of the reason's drill-down, as (placement id, sentence)."""
    lines: list[tuple[str, str]] = []
    page = 1
    while True:
        response = client.get(f"/referrals/{reference}/rankings/{run_id}/excluded/{code}?page={page}")
        if response.status_code == 404:
            return lines
        assert response.status_code == 200
        found = LINE.findall(response.get_data(as_text=True))
        assert found
        lines += [(pid, html.unescape(detail)) for pid, detail in found]
        page += 1


def _api_document(app: Flask, reference: str, run_id: int) -> dict[str, Any]:
    response = app.test_client().get(
        f"/api/v1/referrals/{reference}/ranking-runs/{run_id}", headers=bearer(make_token(app, OFFICER))
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    document: dict[str, Any] = response.get_json()
    return document


def _stored(app: Flask, run_id: int) -> dict[str, Any]:
    with app.app_context():
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        result: dict[str, Any] = json.loads(run.result_json)
        return result


def test_the_run_stores_codes_not_sentences(demo: tuple[Flask, str]) -> None:
    """The stored `excluded` is the reason masks and the few the options page shows under each reason,
    worded; the rest is the engine's document."""
    app, reference = demo
    _, run_id = _ranked(app, reference)
    stored, worded = _stored(app, run_id), _engine_document(app, run_id)
    assert stored["excluded"]["form"] == REASON_MASKS_FORM
    assert list(stored["excluded"]["masks"]) == list(worded["summary"]["excluded_by_reason"])
    assert {k: v for k, v in stored.items() if k != "excluded"} == {k: v for k, v in worded.items() if k != "excluded"}
    firsts = {p for lines in _lines_by_code(worded).values() for p, _ in lines[: run_exclusions.WORDED_PER_CODE]}
    assert stored["excluded"]["worded"] == [e for e in worded["excluded"] if e["placement_id"] in firsts]
    assert len(firsts) < len(worded["excluded"])
    with app.app_context():
        row = db.session().get(RankingRun, run_id)
        assert row is not None
        assert len(row.result_json) * 3 < len(json.dumps(worded, separators=(",", ":")))


@pytest.mark.parametrize("kept", ["ranking", "prepared world", "snapshot only"])
def test_drill_down_and_api_say_what_the_engine_says(demo: tuple[Flask, str], kept: str) -> None:
    """Every sentence on every drill-down page, and the API's whole document, equal the engine's worded
    `to_dict()`: with the ranking still kept, rebuilt on the cached world, or rebuilt from the snapshot."""
    app, reference = demo
    run_exclusions.forget()
    client, run_id = _ranked(app, reference)
    if kept != "ranking":
        _forget(world=kept == "snapshot only")
    expected = _engine_document(app, run_id)
    by_code = _lines_by_code(expected)
    assert by_code, "the demo referral excludes placements"
    for code, lines in by_code.items():
        assert _drill_down(client, reference, run_id, code) == lines, code
    assert _api_document(app, reference, run_id) == expected
    # Only a world no cached one matches is prepared again from the snapshot.
    assert bool(run_exclusions._worlds) == (kept == "snapshot only")


def test_the_options_page_lists_the_first_few_under_each_reason_in_the_engines_words(
    demo: tuple[Flask, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview under each reason is the engine's first sentences for it, in placement order,
    read from the run's record: the page ranks nothing again (with the map's excluded layer
    fetched for its view, as at regional scale)."""
    app, reference = demo
    monkeypatch.setattr(options, "INLINE_MAP_ITEMS", 0)
    client, run_id = _ranked(app, reference)
    _forget(world=True)
    page = client.get(f"/referrals/{reference}/rankings/{run_id}").get_data(as_text=True)
    assert not run_exclusions._rankings and not run_exclusions._worlds
    for code, lines in _lines_by_code(_engine_document(app, run_id)).items():
        section = page.split(f'id="excluded-{code}"', 1)[1].split("</details>", 1)[0]
        shown = [(pid, html.unescape(detail)) for pid, detail in LINE.findall(section)]
        assert shown == lines[: options.EXCLUDED_SHOWN], code


def test_a_run_stored_worded_still_reads(demo: tuple[Flask, str]) -> None:
    """A run stored before decision 0091 (its sentences in `result_json`) reads as it did."""
    app, reference = demo
    client, run_id = _ranked(app, reference)
    expected = _engine_document(app, run_id)
    with app.app_context():
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        run.result_json = json.dumps(expected, separators=(",", ":"))
        db.commit()
    _forget(world=True)
    for code, lines in _lines_by_code(expected).items():
        assert _drill_down(client, reference, run_id, code) == lines, code
    assert _api_document(app, reference, run_id) == expected
    assert client.get(f"/referrals/{reference}/rankings/{run_id}").status_code == 200


def test_stored_codes_the_case_does_not_give_are_an_error_never_shown(demo: tuple[Flask, str]) -> None:
    """A record whose codes differ from its case ranked again is an internal error, not sentences."""
    app, reference = demo
    client, run_id = _ranked(app, reference)
    stored = _stored(app, run_id)
    code, packed = next(iter(stored["excluded"]["masks"].items()))
    flipped = bytearray(base64.b64decode(packed))
    flipped[0] ^= 0x80  # the first placement of the case: excluded for `code` or not, the other way round
    stored["excluded"]["masks"][code] = base64.b64encode(bytes(flipped)).decode()
    with app.app_context():
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        run.result_json = json.dumps(stored, separators=(",", ":"))
        db.commit()
    _forget()
    with pytest.raises(run_exclusions.StoredRunMismatch):
        client.get(f"/referrals/{reference}/rankings/{run_id}/excluded/{code}")


def test_a_stored_run_reads_on_another_day(demo: tuple[Flask, str]) -> None:
    """Rebuilt from its own case and day: read a week later, the sentences are still the run's."""
    app, reference = demo
    _, run_id = _ranked(app, reference)
    expected = _engine_document(app, run_id)
    _forget(world=True)
    later = datetime.combine(date.fromisoformat(expected["as_of"]) + timedelta(days=7), time(10))
    with time_machine.travel(later, tick=True):
        client = app.test_client()
        assert sign_in(client, OFFICER, PASSWORD).status_code == 302
        for code, lines in _lines_by_code(expected).items():
            assert _drill_down(client, reference, run_id, code) == lines, code
