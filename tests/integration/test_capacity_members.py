"""The co-operative commissioner's capacity review by member: location, trends, equality, downloads.

On the demo's Greater Manchester co-operative (decisions 0082 and 0083): only members with a
sufficiency agreement in force are shown; each member's figure is the one its own commissioners
see under the authority filter; page, CSV, Excel and API give the same figures; every other
role is refused and a member whose agreement has ended drops out at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from tests.api.helpers import audit_events, bearer, make_token
from tests.integration.helpers import sign_in
from web import db
from web.accounts.services import accounts
from web.demo.services import world as demo_world
from web.demo.services.agreements import COOPERATIVE, MEMBERS
from web.models import AuditEvent, SharingAgreement

PASSWORD = "correct horse battery staple 1"
COMMISSIONER, OFFICER = "commissioner@coop.test", "officer@coop.test"
MANCHESTER, STOCKPORT = "E08000003", "E08000007"
LEFT_OUT = MEMBERS[-1]  # shares placements but not sufficiency figures in the demo
SHARING = [m for m in MEMBERS if m != LEFT_OUT]
LOCAL = {code: f"commissioner@{code.lower()}.test" for code in SHARING}  # each member's own commissioner
VIEWS = {
    "location": ["location_members", "location_members_settings"],
    "trends": [
        "trends_members_decisions",
        "trends_members_decisions_monthly",
        "trends_members_episodes",
        "trends_members_episodes_monthly",
    ],
    "equality": [f"{what}_{d}_members" for d in ("ethnicity", "sex", "age") for what in ("waiting", "placed")],
}


@pytest.fixture(scope="module")
def demo(app: Flask) -> Iterator[Flask]:
    """The demo world (seed 1) with the co-operative's commissioner and each member's own commissioner."""
    with app.app_context():
        demo_world.generate(1)
        for email, role in ((COMMISSIONER, "cooperative_commissioner"), (OFFICER, "cooperative_officer")):
            accounts.create_user(email, role, role, MANCHESTER, PASSWORD, organisation_code=COOPERATIVE)
        for code, email in LOCAL.items():
            accounts.create_user(email, "Local commissioner", "commissioner", code, PASSWORD)
        db.commit()
    yield app


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email, PASSWORD).status_code == 302
    return client


def _csv(client: FlaskClient, path: str) -> list[list[str]]:
    found = client.get(path)
    assert found.status_code == 200, found.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(found.get_data(as_text=True))))


def _names(app: Flask) -> dict[str, str]:
    with app.app_context():
        from web.shared.repositories import authorities

        return {a.gss_code: a.name for a in authorities.list_authorities()}


def _count_events(app: Flask) -> int:
    with app.app_context():
        return len(list(db.session().scalars(select(AuditEvent.id))))


def test_each_view_shows_only_the_sharing_members_with_a_sub_navigation(demo: Flask) -> None:
    """Location, trends and equality by member: every table, the sharing members only, links between the views."""
    client = _client(demo, COMMISSIONER)
    names = _names(demo)
    for view, keys in VIEWS.items():
        found = client.get(f"/capacity/members/{view}")
        page = found.get_data(as_text=True)
        assert found.status_code == 200, page[:1000]
        nav = page.split('aria-label="Capacity by member"')[1].split("</nav>")[0]
        assert 'aria-current="page"' in nav and all(
            f'href="/capacity/members/{other}' in nav for other in VIEWS if other != view
        )
        for key in keys:
            assert f'id="table-{key}"' in page
            tables = page.split(f'id="table-{key}"')[1].split("</table>")[0]
            assert names[LEFT_OUT] not in tables
            assert all(names[m] in tables for m in SHARING) or key.endswith("_monthly")
            assert f"/capacity/members/download/{view}/{key}.csv" in page
        assert "YP-" not in page and "R-0" not in page  # aggregates only: no child, no referral
        shared = audit_events(demo, "shared_read", "capacity_members", f"{COOPERATIVE}/{view}")
        assert {(e.detail or "").split()[2] for e in shared} == set(SHARING)
        assert all("under agreement" in (e.detail or "") for e in shared)


def test_each_members_figures_are_the_ones_its_own_commissioners_see(demo: Flask) -> None:
    """A member's row of placement location is the row for it in the review its own commissioners
    see; location, trends and equality are published for every child only, whatever filters are
    asked for (decision 0083), so each member's figures are cells of those unfiltered tables."""
    coop = _client(demo, COMMISSIONER)
    names = _names(demo)
    location = _csv(coop, "/capacity/members/download/location/location_members.csv")
    settings = _csv(coop, "/capacity/members/download/location/location_members_settings.csv")
    trends = _csv(coop, "/capacity/members/download/trends/trends_members_episodes_monthly.csv")
    waiting = _csv(coop, "/capacity/members/download/equality/waiting_ethnicity_members.csv")
    compared = 0
    for code in SHARING:
        own = _client(demo, LOCAL[code])
        theirs = _csv(own, "/capacity/download/location/location.csv")
        row = next(r for r in location if r[0] == names[code])
        assert row == next(r for r in theirs if r[0] == names[code])
        # Asking for one authority changes nothing in these views: the filters are not applied.
        assert _csv(own, f"/capacity/download/location/location.csv?authority={code}") == theirs
        compared += 1
    filtered = "setting=foster&band=14_15&specialism=criminal_exploitation"
    for view, key in (("location", "location_members_settings"), ("equality", "waiting_ethnicity_members")):
        everyone = _csv(coop, f"/capacity/members/download/{view}/{key}.csv")
        assert _csv(coop, f"/capacity/members/download/{view}/{key}.csv?{filtered}") == everyone
    assert compared == len(SHARING)
    # The sharing members together only as the total of a table by member, never member by group,
    # setting or month (each of those would be a new cell to difference: decision 0083).
    assert next(r for r in location if r[0] == "All")[1] not in ("", None)
    assert trends[0][1:] == [names[c] for c in sorted(SHARING, key=lambda c: names[c])]
    assert {r[0] for r in settings[1:] if len(r) > 2} == {names[c] for c in SHARING}
    assert {r[0] for r in waiting[1:] if len(r) > 2} == {names[c] for c in SHARING}


def test_page_csv_excel_and_api_give_the_same_figures_and_downloads_are_audited(demo: Flask) -> None:
    """One function builds each table: the API's JSON, the CSV and the Excel file agree, cell for cell."""
    client, api = _client(demo, COMMISSIONER), demo.test_client()
    token = bearer(make_token(demo, COMMISSIONER))
    query = "setting=foster&band=14_15&band=16_17"
    for view, keys in VIEWS.items():
        body = api.get(f"/api/v1/capacity/members/{view}?{query}", headers=token)
        assert body.status_code == 200, body.get_json()
        found = {t["key"]: t for t in body.get_json()["tables"]}
        assert list(found) == keys
        page = client.get(f"/capacity/members/{view}?{query}").get_data(as_text=True)
        for key in keys:
            published = found[key]
            rows = [published["headings"], *published["rows"]] + ([published["totals"]] if published["totals"] else [])
            from_page = _csv(client, f"/capacity/members/download/{view}/{key}.csv?{query}")
            from_api = api.get(f"/api/v1/capacity/members/{view}/tables/{key}.csv?{query}", headers=token)
            assert from_api.status_code == 200 and from_api.mimetype == "text/csv"
            assert from_page == list(csv.reader(io.StringIO(from_api.get_data(as_text=True))))
            assert from_page[: len(rows)] == rows
            # The page shows the same cells (the first data row is enough to tie it to the table).
            table_html = page.split(f'id="table-{key}"')[1].split("</table>")[0]
            assert all(f">{cell}<" in table_html for cell in rows[1])
        excel = client.get(f"/capacity/members/download/{view}/{keys[0]}.xlsx?{query}")
        assert excel.status_code == 200 and excel.mimetype.endswith("spreadsheetml.sheet")
        sheet = load_workbook(io.BytesIO(excel.data)).active
        assert sheet is not None
        values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert values[0] == list(found[keys[0]]["headings"])
        assert [r[: len(values[1])] for r in values[1:2]] == [list(found[keys[0]]["rows"][0])]
    # The demand-against-supply table downloads too, the same as the API's.
    gap = api.get(f"/api/v1/capacity/members/gap?{query}", headers=token).get_json()["tables"][0]
    from_page = _csv(client, f"/capacity/members/download/gap/gap.csv?{query}")
    assert from_page[: 1 + len(gap["rows"])] == [gap["headings"], *gap["rows"]]
    assert "/capacity/members/download/gap/gap.csv?" in client.get(f"/capacity/members/?{query}").get_data(as_text=True)
    exports = audit_events(demo, "export", "capacity_members_table")
    assert {e.object_ref for e in exports} >= {f"{COOPERATIVE}/location/location_members.csv".rsplit(".", 1)[0]}
    assert {e.detail for e in exports} == {"csv", "xlsx"}
    # The figures read for a download are audited per member too, as a page's are.
    assert audit_events(demo, "shared_read", "capacity_members", f"{COOPERATIVE}/trends")


def test_bad_requests_are_named_and_write_nothing(demo: Flask) -> None:
    """An unknown view, table, format or filter: 404 or 400/422 naming it, no export audited."""
    client, api = _client(demo, COMMISSIONER), demo.test_client()
    token = bearer(make_token(demo, COMMISSIONER))
    before = len(audit_events(demo, "export", "capacity_members_table"))
    assert client.get("/capacity/members/download/castle/location_members.csv").status_code == 404
    assert client.get("/capacity/members/download/location/location_members.pdf").status_code == 404
    missing = client.get("/capacity/members/download/location/castle.csv")
    assert missing.status_code == 400 and "There is no table called castle" in missing.get_data(as_text=True)
    bad = client.get("/capacity/members/location?setting=castle")
    assert bad.status_code == 400 and "Choose a setting from the list" in bad.get_data(as_text=True)
    assert client.get("/capacity/members/download/location/location_members.csv?months=0").status_code == 400
    assert api.get("/api/v1/capacity/members/castle", headers=token).status_code == 404
    assert api.get("/api/v1/capacity/members/trends?months=0", headers=token).status_code == 422
    refused = api.get("/api/v1/capacity/members/location?band=old", headers=token)
    assert refused.status_code == 422 and "band" in str(refused.get_json()["errors"])
    assert api.get("/api/v1/capacity/members/location/tables/castle.csv", headers=token).status_code == 422
    assert api.get("/api/v1/capacity/members/location/tables/location_members.pdf", headers=token).status_code == 404
    assert len(audit_events(demo, "export", "capacity_members_table")) == before


def test_no_other_role_and_no_member_without_an_agreement_is_shown(demo: Flask) -> None:
    """A member's own commissioner and the co-operative's officer are refused; a non-sharing member shows nothing."""
    api = demo.test_client()
    before = _count_events(demo)
    for email in (LOCAL[MANCHESTER], OFFICER):
        client = _client(demo, email)
        token = bearer(make_token(demo, email))
        for view in ("", *VIEWS):
            assert client.get(f"/capacity/members/{view}").status_code == 403
            assert api.get(f"/api/v1/capacity/members/{view or ''}".rstrip("/"), headers=token).status_code == 403
        assert client.get("/capacity/members/download/location/location_members.csv").status_code == 403
        download = api.get("/api/v1/capacity/members/location/tables/location_members.csv", headers=token)
        assert download.status_code == 403
    # Signing in and making tokens is audited; nothing about the figures is.
    with demo.app_context():
        after = list(db.session().scalars(select(AuditEvent).where(AuditEvent.id > before)))
    assert not [e for e in after if e.object_type.startswith("capacity")]
    # The member that does not share: asking for it alone on the demand view shows no figure; the
    # other views take no filter (decision 0083) and show the sharing members, never it.
    client, token = _client(demo, COMMISSIONER), bearer(make_token(demo, COMMISSIONER))
    page = client.get(f"/capacity/members/?authority={LEFT_OUT}").get_data(as_text=True)
    assert 'id="no-figures"' in page and "app-capacity-table" not in page
    left_out = _names(demo)[LEFT_OUT]
    for view in VIEWS:
        page = client.get(f"/capacity/members/{view}?authority={LEFT_OUT}").get_data(as_text=True)
        assert 'id="not-filtered"' in page
        body = api.get(f"/api/v1/capacity/members/{view}?authority={LEFT_OUT}", headers=token).get_json()
        assert body["tables"] and left_out not in {row[0] for t in body["tables"] for row in t["rows"]}


def test_an_expired_sufficiency_agreement_stops_the_sharing_at_once(demo: Flask) -> None:
    """End Stockport's sufficiency agreement yesterday: it leaves every view and download, unaudited."""
    names = _names(demo)
    with demo.app_context():
        row = db.session().scalar(
            select(SharingAgreement).where(
                SharingAgreement.member_code == STOCKPORT, SharingAgreement.purpose == "sufficiency"
            )
        )
        assert row is not None
        saved = row.ends_on
        row.ends_on = date.today() - timedelta(days=1)
        db.commit()
    try:
        client = _client(demo, COMMISSIONER)
        before = _count_events(demo)
        for view, keys in VIEWS.items():
            page = client.get(f"/capacity/members/{view}").get_data(as_text=True)
            assert f'id="member-{STOCKPORT}"' in page and "no sufficiency agreement in force" in page
            for key in keys:
                assert names[STOCKPORT] not in page.split(f'id="table-{key}"')[1].split("</table>")[0]
                rows = _csv(client, f"/capacity/members/download/{view}/{key}.csv")
                assert not any(names[STOCKPORT] in cell for row in rows for cell in row)
            # These views take no filter (decision 0083): asking for Stockport alone shows the others.
            alone = client.get(f"/capacity/members/{view}?authority={STOCKPORT}").get_data(as_text=True)
            assert 'id="not-filtered"' in alone and names[STOCKPORT] not in alone.split('id="not-filtered"')[1]
        alone = client.get(f"/capacity/members/?authority={STOCKPORT}").get_data(as_text=True)
        assert 'id="no-figures"' in alone
        with demo.app_context():
            after = list(
                db.session().scalars(
                    select(AuditEvent).where(AuditEvent.id > before, AuditEvent.action == "shared_read")
                )
            )
        # Its figures are read under no agreement now (the engine still uses placements it shares
        # for placement finding, audited as such, when judging other members' safe options).
        figures = [e for e in after if e.object_type == "capacity_members"]
        assert figures and not [e for e in figures if STOCKPORT in (e.detail or "")]
    finally:
        with demo.app_context():
            row = db.session().scalar(
                select(SharingAgreement).where(
                    SharingAgreement.member_code == STOCKPORT, SharingAgreement.purpose == "sufficiency"
                )
            )
            assert row is not None
            row.ends_on = saved
            db.commit()


def test_the_co_operative_commissioners_menu_offers_only_what_they_may_open(demo: Flask) -> None:
    """No link to casework pages that would answer 403 (Tasks, Referrals, Young people, Panel, Relocation)."""
    client = _client(demo, COMMISSIONER)
    page = client.get("/capacity/members/location").get_data(as_text=True)
    link = 'class="govuk-service-navigation__link" href="{}"'
    assert link.format("/capacity/members/") in page
    for path in ("/tasks/", "/referrals/", "/young-people/", "/panel/", "/relocation/"):
        assert link.format(path) not in page, path
        assert client.get(path).status_code == 403, path
    # The note where the filters would be points to the view that takes them, which they may open.
    assert 'href="/capacity/members/"' in page.split('id="not-filtered"')[1].split("</div>")[0]
