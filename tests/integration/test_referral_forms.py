"""Making, changing, closing and finding referrals, as each kind of user meets them."""

from __future__ import annotations

import re
import threading
from datetime import date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.integration.builders import MANCHESTER, NOW, PASSWORD, SALFORD, build_world
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.accounts.services import accounts
from web.casework.repositories import referrals, young_people
from web.casework.services import referrals as referral_service
from web.casework.services.referral_form import FormInvalid, ReferralForm, clean, miles_text
from web.matching.repositories import placements
from web.models import Decision, RankingRun, Referral, YoungPerson
from web.shared.repositories import audit

# Young people this module adds, by reference: (authority, age).
PEOPLE = {
    "YP-F1": (MANCHESTER, 15),
    "YP-F2": (MANCHESTER, 12),
    "YP-F3": (MANCHESTER, 14),
    "YP-F4": (MANCHESTER, 16),
    "YP-F5": (MANCHESTER, 13),
    "YP-F6": (MANCHESTER, 11),
    "YP-F7": (MANCHESTER, 10),
    "YP-F8": (MANCHESTER, 9),
    "YP-F9": (MANCHESTER, 8),
    "YP-P1": (MANCHESTER, 14),
    "YP-C1": (MANCHESTER, 15),
    "YP-ADULT": (MANCHESTER, 19),
    "YP-S2": (SALFORD, 13),
}
SPARE = ("YP-Q1", "YP-Q2", "YP-Q3", "YP-Q4", "YP-Q5", "YP-Q6", "YP-Q7")
THREADED = ("YP-R1", "YP-R2", "YP-R3", "YP-R4", "YP-R5")


def _person(reference: str, authority: str, age: int) -> YoungPerson:
    return YoungPerson(
        reference=reference,
        date_of_birth=date(date.today().year - age, 1, 1),
        sex="2",
        ethnicity="WBRI",
        home_lat=53.46,
        home_lon=-2.23,
        responsible_authority_code=authority,
        risks=["going_missing"],
        created_at=NOW,
    )


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_world(app)
    with app.app_context():
        accounts.create_user("no@manchester.test", "NO", "nominated_officer", MANCHESTER, PASSWORD)
        people = {ref: _person(ref, la, age) for ref, (la, age) in PEOPLE.items()}
        people |= {ref: _person(ref, MANCHESTER, 14) for ref in SPARE + THREADED}
        for person in people.values():
            young_people.add_young_person(person)
        referrals.add_referral(
            Referral(
                reference="R-P1",
                authority_code=MANCHESTER,
                status="placed",
                needed_by="within_5_days",
                created_at=NOW,
                young_people=[people["YP-P1"]],
            )
        )
        referrals.add_referral(
            Referral(
                reference="R-C1",
                authority_code=MANCHESTER,
                status="closed",
                needed_by="later",
                created_at=NOW,
                young_people=[people["YP-C1"]],
            )
        )
        db.commit()


FormValues = dict[str, str | list[str]]


def _form(**changes: str | list[str]) -> FormValues:
    values: FormValues = {
        "young_people": ["YP-F1"],
        "needed_by": "within_5_days",
        "setting_foster": "preferred",
        "setting_residential": "suitable",
        "setting_supported": "unsuitable",
        "setting_secure": "unsuitable",
        "required_specialisms": ["criminal_exploitation"],
        "preferred_specialisms": ["going_missing", "therapeutic"],
        "max_miles": "20",
        "notes": "Keep school place if possible.",
    }
    values.update(changes)
    return values


def _submit(client: FlaskClient, path: str, data: FormValues, token_from: str | None = None) -> TestResponse:
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**data, "csrf_token": token})


def _referral(app: Flask, reference: str) -> Referral:
    with app.app_context():
        found = referrals.get_referral(MANCHESTER, reference)
        assert found is not None
        return found


def _events(app: Flask, reference: str) -> list[tuple[str, str, str, str | None]]:
    with app.app_context():
        return [
            (e.action, e.object_type, e.object_ref, e.detail) for e in audit.list_events() if e.object_ref == reference
        ]


def _created_reference(response: TestResponse) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/referrals/(R-\d{4,})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _count_referrals(app: Flask) -> int:
    with app.app_context():
        return sum(len(referrals.list_referrals(la, None)) for la in (MANCHESTER, SALFORD))


# Creating


def test_form_offers_own_authoritys_young_people_under_18(client: FlaskClient) -> None:
    """One list shows reference and age; another authority's and adults are not offered."""
    sign_in(client, "po@manchester.test")
    page = client.get("/referrals/new").get_data(as_text=True)
    assert "YP-F1, aged 15" in page
    assert "YP-S1" not in page and "YP-S2" not in page
    assert "YP-ADULT" not in page
    assert "YP-T1, aged 15 (already on open referral R-T1)" in page  # with the warning
    # A plain <select> (a search when JavaScript runs), so it works without JavaScript.
    assert 'id="young_people" name="young_people" data-app-autocomplete' in page
    assert 'name="setting_foster" type="radio" value="suitable" checked' in page


def test_start_a_referral_from_a_young_persons_page(client: FlaskClient) -> None:
    """The young person's page offers "Start a referral", which opens the form with them chosen."""
    sign_in(client, "po@manchester.test")
    # YP-Q6: a spare no other test puts on a referral (YP-F1 is on one once a referral is created).
    person = client.get("/young-people/YP-Q6").get_data(as_text=True)
    assert 'href="/referrals/new?young_person=YP-Q6"' in person and "Start a referral" in person
    page = client.get("/referrals/new?young_person=YP-Q6").get_data(as_text=True)
    assert 'name="young_people" type="checkbox" value="YP-Q6" checked' in page
    assert '<option value="YP-Q6">' not in page  # not offered twice
    # Someone already on an open referral is pointed to it instead.
    other = client.get("/young-people/YP-T1").get_data(as_text=True)
    assert "Start a referral" not in other and "use open referral" in other
    # Another authority's young person is not chosen by naming them in the address.
    assert 'value="YP-S1"' not in client.get("/referrals/new?young_person=YP-S1").get_data(as_text=True)


def test_add_a_second_young_person_without_creating_the_referral(app: Flask, client: FlaskClient) -> None:
    """'Add this young person' shows the form again with both chosen; nothing is created until the end."""
    sign_in(client, "po@manchester.test")

    def referrals_naming_them() -> int:
        with app.app_context():
            return sum(
                1
                for r in db.session().query(Referral).all()
                if {"YP-F2", "YP-F3"} & {p.reference for p in r.young_people}
            )

    before = referrals_naming_them()  # another test may have made one for them already
    data = _form(young_people=["YP-F2", "YP-F3"], add_person="yes")
    response = _submit(client, "/referrals/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" not in page
    for ref in ("YP-F2", "YP-F3"):
        assert f'name="young_people" type="checkbox" value="{ref}" checked' in page
    assert "Add another young person (optional)" in page
    assert referrals_naming_them() == before


def test_create_a_referral_for_one_young_person(app: Flask, client: FlaskClient) -> None:
    """A valid form stores the referral with a generated reference, audited, and opens its page."""
    sign_in(client, "po@manchester.test")
    reference = _created_reference(_submit(client, "/referrals/new", _form()))
    referral = _referral(app, reference)
    assert referral.status == "open" and referral.authority_code == MANCHESTER
    assert [p.reference for p in referral.young_people] == ["YP-F1"]
    assert referral.needed_by == "within_5_days"
    assert referral.settings == {
        "foster": "preferred",
        "residential": "suitable",
        "supported": "unsuitable",
        "secure": "unsuitable",
    }
    assert referral.required_specialisms == ["criminal_exploitation"]
    assert referral.preferred_specialisms == ["going_missing", "therapeutic"]
    assert referral.solo is False
    assert referral.max_km_from_home == pytest.approx(32.187, abs=0.001)  # 20 miles
    assert referral.notes == "Keep school place if possible."
    assert referral.created_by_id is not None
    assert ("create", "referral", reference, "young people: 1") in _events(app, reference)
    with app.app_context():
        added = [(e.action, e.object_ref, e.detail) for e in audit.list_events() if e.action == "add_to_referral"]
    assert ("add_to_referral", "YP-F1", reference) in added

    page = client.get(f"/referrals/{reference}").get_data(as_text=True)
    assert f"Referral {reference} created." in page
    assert "20.0 miles" in page and "going missing, therapeutic" in page
    assert "Edit referral" in page and "Close referral" in page


def test_create_a_sibling_group(app: Flask, client: FlaskClient) -> None:
    """A social worker can refer several young people together; the list marks them as siblings."""
    sign_in(client, "sw@manchester.test")
    data = _form(young_people=["YP-F2", "YP-F3"], needed_by="today", solo="yes", max_miles="")
    data.pop("required_specialisms")
    reference = _created_reference(_submit(client, "/referrals/new", data))
    referral = _referral(app, reference)
    assert [p.reference for p in referral.young_people] == ["YP-F2", "YP-F3"]
    assert referral.solo is True and referral.max_km_from_home is None
    assert referral.required_specialisms == []
    listing = client.get("/referrals/").get_data(as_text=True)
    row = listing.split(f">{reference}</a>", 1)[1].split("</tr>", 1)[0]
    assert "(siblings)" in row and "12, 14" in row


def test_a_created_referral_ranks(client: FlaskClient) -> None:
    """The form makes referrals the engine accepts: finding options succeeds and shows them."""
    sign_in(client, "po@manchester.test")
    data = _form(young_people=["YP-F5"], setting_secure="suitable", required_specialisms=[])
    reference = _created_reference(_submit(client, "/referrals/new", data))
    response = _submit(client, f"/referrals/{reference}/rankings", {}, token_from=f"/referrals/{reference}")
    assert response.status_code == 302
    assert re.fullmatch(rf"/referrals/{reference}/rankings/\d+", response.headers["Location"])
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_sibling_group_ranks(client: FlaskClient) -> None:
    """A sibling group from the form ranks too."""
    sign_in(client, "po@manchester.test")
    data = _form(young_people=["YP-F8", "YP-F9"], max_miles="60.5", required_specialisms=[])
    reference = _created_reference(_submit(client, "/referrals/new", data))
    response = _submit(client, f"/referrals/{reference}/rankings", {}, token_from=f"/referrals/{reference}")
    assert response.status_code == 302


# Bad input


def test_empty_form_names_the_required_fields(app: Flask, client: FlaskClient) -> None:
    """Nothing chosen: 400, an error summary linking each field, nothing written."""
    sign_in(client, "po@manchester.test")
    before = _count_referrals(app)
    response = _submit(client, "/referrals/new", {})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert 'href="#young_people"' in page and 'href="#needed_by"' in page
    assert 'href="#setting_foster"' in page
    assert "<title>Error:" in page
    assert _count_referrals(app) == before


def test_bad_input_keeps_everything_typed(app: Flask, client: FlaskClient) -> None:
    """Errors name the fields; what was typed and ticked is still there."""
    sign_in(client, "po@manchester.test")
    before = _count_referrals(app)
    data = _form(
        young_people=["YP-F6"],
        required_specialisms=["therapeutic", "remand"],
        preferred_specialisms=["therapeutic"],
        max_miles="far away",
        notes="Prefers a quiet home.",
        solo="yes",
    )
    response = _submit(client, "/referrals/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#preferred_specialisms"' in page and "cannot be both required and preferred" in page
    assert 'href="#max_miles"' in page and "must be a number of miles" in page
    assert 'value="far away"' in page
    assert "Prefers a quiet home.</textarea>" in page
    assert re.search(r'value="YP-F6"\s+checked', page)
    assert re.search(r'name="required_specialisms" type="checkbox" value="remand"\s+checked', page)
    assert re.search(r'name="solo" type="checkbox" value="yes"\s+checked', page)
    assert re.search(r'name="needed_by" type="radio" value="within_5_days"\s+checked', page)
    assert re.search(r'name="setting_foster" type="radio" value="preferred"\s+checked', page)
    assert _count_referrals(app) == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"max_miles": "0"}, "max_miles", "more than 0 miles"),
        ({"max_miles": "-3"}, "max_miles", "more than 0 miles"),
        ({"max_miles": "nan"}, "max_miles", "a number of miles"),
        ({"max_miles": "١٢"}, "max_miles", "a number of miles"),
        ({"max_miles": "1_000"}, "max_miles", "a number of miles"),
        ({"max_miles": "5000"}, "max_miles", "1000 miles or less"),
        (
            {f"setting_{s}": "unsuitable" for s in ("foster", "residential", "supported", "secure")},
            "setting_foster",
            "At least one setting",
        ),
        ({"setting_secure": "maybe"}, "setting_secure", "secure children"),
        ({"needed_by": "yesterday"}, "needed_by", "Select when"),
        ({"required_specialisms": ["flying"]}, "required_specialisms", "from the list"),
        ({"notes": "x" * 4001}, "notes", "4000 characters"),
    ],
)
def test_each_bad_field_is_named(client: FlaskClient, changes: FormValues, field: str, message: str) -> None:
    """Each kind of bad value answers 400 with the field linked from the summary."""
    sign_in(client, "po@manchester.test")
    response = _submit(client, "/referrals/new", _form(young_people=["YP-F6"], **changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'href="#{field}"' in page and message in page


def test_a_young_person_on_another_open_referral_is_refused(app: Flask, client: FlaskClient) -> None:
    """YP-T1 is on open referral R-T1: the form refuses a second one and says which."""
    sign_in(client, "po@manchester.test")
    before = _count_referrals(app)
    response = _submit(client, "/referrals/new", _form(young_people=["YP-F6", "YP-T1"]))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "YP-T1 is already on open referral R-T1" in page
    assert _count_referrals(app) == before


def test_another_authoritys_young_person_cannot_be_chosen(app: Flask, client: FlaskClient) -> None:
    """A Salford reference posted by a Manchester user is refused without saying whose it is."""
    sign_in(client, "po@manchester.test")
    before = _count_referrals(app)
    response = _submit(client, "/referrals/new", _form(young_people=["YP-S2"]))
    assert response.status_code == 400
    assert "Choose young people from the list" in response.get_data(as_text=True)
    assert _count_referrals(app) == before


def test_more_than_six_young_people_are_refused() -> None:
    """The case format takes at most six young people on one referral."""
    refs = [f"YP-{n}" for n in range(7)]
    with pytest.raises(FormInvalid) as raised:
        clean(ReferralForm(young_people=refs, needed_by="later"), refs, {})
    assert "young_people" in raised.value.errors


def test_miles_shown_and_kept() -> None:
    """A stored distance shows in miles; sending the same figure back keeps the stored km exactly."""
    assert miles_text(40.0) == "24.9"
    assert miles_text(32.18688) == "20"
    assert miles_text(None) == ""
    form = ReferralForm(young_people=["A"], needed_by="later", max_miles="24.9")
    assert clean(form, ["A"], {}, stored_km=40.0).max_km_from_home == 40.0
    form.max_miles = "25"
    assert clean(form, ["A"], {}, stored_km=40.0).max_km_from_home == pytest.approx(40.234, abs=0.001)


# Editing


def test_edit_form_is_pre_filled(app: Flask, client: FlaskClient) -> None:
    """The edit form shows the referral as stored, and opening it is audited as a view."""
    sign_in(client, "po@manchester.test")
    reference = _created_reference(_submit(client, "/referrals/new", _form(young_people=["YP-F4"])))
    page = client.get(f"/referrals/{reference}/edit").get_data(as_text=True)
    assert re.search(r'value="YP-F4"\s+checked', page)
    assert re.search(r'name="needed_by" type="radio" value="within_5_days"\s+checked', page)
    assert re.search(r'name="setting_supported" type="radio" value="unsuitable"\s+checked', page)
    assert re.search(r'name="preferred_specialisms" type="checkbox" value="therapeutic"\s+checked', page)
    assert 'value="20"' in page and "Keep school place if possible.</textarea>" in page
    assert "YP-F4" in page and "Already on open referral" not in page.split("YP-F4", 1)[1].split("</div>", 1)[0]
    assert ("view", "referral", reference, "edit form") in _events(app, reference)


def test_edit_saves_and_audits_the_fields_changed(app: Flask, client: FlaskClient) -> None:
    """Changing urgency, specialisms and young people is saved; the audit names the fields only."""
    sign_in(client, "sw@manchester.test")
    reference = _created_reference(_submit(client, "/referrals/new", _form(young_people=["YP-F7"])))
    edit = f"/referrals/{reference}/edit"
    version = re.search(r'name="version" value="([^"]+)"', client.get(edit).get_data(as_text=True))
    assert version
    data = _form(
        young_people=["YP-F7", "YP-F6"],
        needed_by="today",
        preferred_specialisms=["going_missing"],
        notes="Keep school place if possible. Sister to join.",
        version=version.group(1),
    )
    response = _submit(client, edit, data)
    assert response.status_code == 302 and response.headers["Location"] == f"/referrals/{reference}"
    referral = _referral(app, reference)
    assert referral.needed_by == "today"
    assert referral.preferred_specialisms == ["going_missing"]
    assert [p.reference for p in referral.young_people] == ["YP-F6", "YP-F7"]
    assert referral.max_km_from_home == pytest.approx(32.187, abs=0.001)
    assert referral.updated_at is not None
    assert (
        "edit",
        "referral",
        reference,
        "changed: young_people, needed_by, notes, preferred_specialisms",
    ) in _events(app, reference)
    with app.app_context():
        added = {(e.action, e.object_ref, e.detail) for e in audit.list_events()}
    assert ("add_to_referral", "YP-F6", reference) in added
    assert f"Referral {reference} updated." in client.get(f"/referrals/{reference}").get_data(as_text=True)

    # Saving again without changes writes nothing.
    version = re.search(r'name="version" value="([^"]+)"', client.get(edit).get_data(as_text=True))
    assert version
    response = _submit(client, edit, {**data, "version": version.group(1)})
    assert response.status_code == 302
    assert sum(1 for e in _events(app, reference) if e[0] == "edit") == 1
    assert "No changes were made." in client.get(f"/referrals/{reference}").get_data(as_text=True)


def test_edit_with_bad_input_keeps_the_referral_as_it_was(app: Flask, client: FlaskClient) -> None:
    """A bad edit answers 400 with the typed values; the stored referral is untouched."""
    sign_in(client, "po@manchester.test")
    edit = "/referrals/R-T1/edit"
    version = re.search(r'name="version" value="([^"]+)"', client.get(edit).get_data(as_text=True))
    assert version
    data = _form(young_people=["YP-T1"], needed_by="later", max_miles="-1", version=version.group(1))
    response = _submit(client, edit, data)
    assert response.status_code == 400
    assert 'value="-1"' in response.get_data(as_text=True)
    assert _referral(app, "R-T1").needed_by == "today"


def test_edit_after_someone_else_saved_is_refused(app: Flask, client: FlaskClient) -> None:
    """A form opened before another person's save answers 409, keeps the typed values, writes nothing."""
    sign_in(client, "po@manchester.test")
    reference = _created_reference(_submit(client, "/referrals/new", _form(young_people=["YP-Q4"])))
    edit = f"/referrals/{reference}/edit"
    version = re.search(r'name="version" value="([^"]+)"', client.get(edit).get_data(as_text=True))
    assert version
    first = _submit(client, edit, _form(young_people=["YP-Q4"], needed_by="today", version=version.group(1)))
    assert first.status_code == 302
    stale = _submit(client, edit, _form(young_people=["YP-Q4"], notes="Stale notes", version=version.group(1)))
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Someone else changed this referral" in page and "Stale notes</textarea>" in page
    assert _referral(app, reference).notes == "Keep school place if possible."


def test_an_unchanged_distance_is_not_rounded_through_miles(app: Flask, client: FlaskClient) -> None:
    """A stored 40 km shows as 24.9 miles; saving without touching it keeps 40 km."""
    with app.app_context():
        referral = referrals.get_referral(MANCHESTER, "R-T1")
        assert referral is not None
        referral.max_km_from_home = 40.0
        db.commit()
    sign_in(client, "po@manchester.test")
    page = client.get("/referrals/R-T1/edit").get_data(as_text=True)
    assert 'value="24.9"' in page
    version = re.search(r'name="version" value="([^"]+)"', page)
    assert version
    data = _form(young_people=["YP-T1"], needed_by="today", max_miles="24.9", version=version.group(1))
    assert _submit(client, "/referrals/R-T1/edit", data).status_code == 302
    assert _referral(app, "R-T1").max_km_from_home == 40.0


# Closing


def test_close_a_referral(app: Flask, client: FlaskClient) -> None:
    """Closing needs a reason, keeps it in the notes, audits its code, and ends editing."""
    sign_in(client, "po@manchester.test")
    reference = _created_reference(_submit(client, "/referrals/new", _form(young_people=["YP-Q3"])))
    close = f"/referrals/{reference}/close"
    page = client.get(close).get_data(as_text=True)
    version = re.search(r'name="version" value="([^"]+)"', page)
    assert version and "Why is the referral being closed?" in page

    missing = _submit(client, close, {"version": version.group(1)})
    assert missing.status_code == 400 and 'href="#reason"' in missing.get_data(as_text=True)
    no_details = _submit(client, close, {"reason": "other", "version": version.group(1)})
    assert no_details.status_code == 400 and 'href="#details"' in no_details.get_data(as_text=True)
    assert _referral(app, reference).status == "open"

    done = _submit(client, close, {"reason": "other", "details": "Family arrangement.", "version": version.group(1)})
    assert done.status_code == 302 and done.headers["Location"] == f"/referrals/{reference}"
    referral = _referral(app, reference)
    assert referral.status == "closed"
    assert referral.notes.startswith("Keep school place if possible.\n\nClosed on ")
    assert referral.notes.endswith("Another reason. Family arrangement.")
    assert ("close", "referral", reference, "reason: other") in _events(app, reference)

    shown = client.get(f"/referrals/{reference}").get_data(as_text=True)
    assert f"Referral {reference} closed." in shown
    assert "Edit referral" not in shown and "Find placement options" not in shown
    assert client.get(f"/referrals/{reference}/edit").status_code == 409
    assert _submit(client, f"/referrals/{reference}/edit", _form(), token_from="/referrals/").status_code == 409
    assert client.get(close).status_code == 409
    again = _submit(client, close, {"reason": "made_in_error"}, token_from="/referrals/")
    assert again.status_code == 409 and "closed" in again.get_data(as_text=True)

    # The young person is free for a new referral.
    assert _submit(client, "/referrals/new", _form(young_people=["YP-Q3"])).status_code == 302


def test_placed_referrals_cannot_be_changed(client: FlaskClient) -> None:
    """A placed referral answers 409 to edit and close and offers neither."""
    sign_in(client, "po@manchester.test")
    assert client.get("/referrals/R-P1/edit").status_code == 409
    assert client.get("/referrals/R-P1/close").status_code == 409
    page = client.get("/referrals/R-P1").get_data(as_text=True)
    assert "Edit referral" not in page and "Close referral" not in page


def test_a_referral_with_a_decision_cannot_be_changed(app: Flask, client: FlaskClient) -> None:
    """While a decision awaiting approval holds a place, edit and close answer 409."""
    sign_in(client, "po@manchester.test")
    reference = _created_reference(_submit(client, "/referrals/new", _form(young_people=["YP-Q2"])))
    with app.app_context():
        referral = referrals.get_referral(MANCHESTER, reference)
        placement = placements.list_live_placements()[0]
        user = accounts.authenticate("po@manchester.test", PASSWORD)
        assert referral is not None and user is not None
        run = RankingRun(
            referral_id=referral.id,
            requested_by_id=user.id,
            requested_at=datetime.now(),
            engine_version="test",
            policy_version="test",
            case_sha256="0" * 64,
            case_json="{}",
            result_json='{"summary": {"feasible": 0, "placements": 0, "returned": 0}}',
            warnings=[],
            feasible=0,
        )
        db.session().add(run)
        db.session().flush()
        db.session().add(
            Decision(
                referral_id=referral.id,
                ranking_run_id=run.id,
                placement_id=placement.id,
                option_rank=1,
                places=1,
                approval_level="none",
                start_date=date.today(),
                status="awaiting_approval",
                decided_by_id=user.id,
                decided_at=datetime.now(),
            )
        )
        db.commit()
    response = client.get(f"/referrals/{reference}/edit")
    assert response.status_code == 409 and "A decision holds a place" in response.get_data(as_text=True)
    assert client.get(f"/referrals/{reference}/close").status_code == 409
    assert "Edit referral" not in client.get(f"/referrals/{reference}").get_data(as_text=True)


# The list


def _listed(client: FlaskClient, query: str = "") -> str:
    response = client.get(f"/referrals/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _references(page: str) -> list[str]:
    return re.findall(r'href="/referrals/(R-[\w-]+)">', page)


def test_list_shows_open_referrals_by_default_most_urgent_first(client: FlaskClient) -> None:
    """Open only by default, today's first; placed and closed ones are behind the status filter."""
    sign_in(client, "po@manchester.test")
    page = _listed(client)
    refs = _references(page)
    assert "R-T1" in refs and "R-P1" not in refs and "R-C1" not in refs and "R-S1" not in refs
    assert refs[0] == "R-T1"  # needed today, oldest
    urgencies = re.findall(r"govuk-tag--(red|orange|grey)\">(Today|Within 5 days|Later)", page)
    order = {"Today": 0, "Within 5 days": 1, "Later": 2}
    assert [order[u[1]] for u in urgencies] == sorted(order[u[1]] for u in urgencies)
    assert "Create a referral" in page
    assert re.search(r'<option value="open" selected>Open \(\d+\)</option>', page)
    assert '<option value="placed">Placed (1)</option>' in page


def test_list_filters_by_status(client: FlaskClient) -> None:
    """Placed, closed and all each show what they say."""
    sign_in(client, "po@manchester.test")
    assert _references(_listed(client, "?status=placed")) == ["R-P1"]
    closed = _references(_listed(client, "?status=closed"))
    assert "R-C1" in closed and "R-T1" not in closed
    every = _references(_listed(client, "?status=all"))
    assert {"R-T1", "R-P1", "R-C1"} <= set(every) and "R-S1" not in every
    assert "R-P1" not in _references(_listed(client, "?status=nonsense"))  # unknown: back to open


def test_list_filters_by_urgency_and_reference(client: FlaskClient) -> None:
    """Urgency checkboxes and the reference search narrow the list; counts follow the filters."""
    sign_in(client, "po@manchester.test")
    today = _listed(client, "?needed_by=today")
    assert "R-T1" in _references(today)
    assert re.search(r'name="needed_by" type="checkbox" value="today"\s+checked', today)
    assert "R-P1" in _references(_listed(client, "?status=all&needed_by=within_5_days"))
    assert "R-P1" not in _references(_listed(client, "?status=all&needed_by=later"))
    found = _listed(client, "?status=all&q=yp-t1")  # a young person's reference, any case
    assert _references(found) == ["R-T1"]
    assert '<option value="all" selected>All (1)</option>' in found
    assert _references(_listed(client, "?status=all&q=R-P")) == ["R-P1"]
    assert _references(_listed(client, "?status=all&q=%25")) == []  # a wildcard is just a character
    empty = _listed(client, "?q=nothing-like-this")
    assert "No referrals match these filters." in empty and "Clear filters" in empty


# Denials


def test_commissioner_is_refused_every_referral_page(client: FlaskClient) -> None:
    """Commissioners see aggregates only: 403 on the list, the form, edit and close."""
    sign_in(client, "commissioner@manchester.test")
    for path in ["/referrals/", "/referrals/new", "/referrals/R-T1/edit", "/referrals/R-T1/close"]:
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/supply")
    assert client.post("/referrals/new", data={**_form(), "csrf_token": token}).status_code == 403


def test_other_roles_may_look_but_not_create_or_change(client: FlaskClient) -> None:
    """A nominated officer sees referrals but gets 403 on create, edit and close, and no buttons."""
    sign_in(client, "no@manchester.test")
    listing = _listed(client)
    assert "Create a referral" not in listing
    assert "Edit referral" not in client.get("/referrals/R-T1").get_data(as_text=True)
    for path in ["/referrals/new", "/referrals/R-T1/edit", "/referrals/R-T1/close"]:
        assert client.get(path).status_code == 403, path
        assert _submit(client, path, _form(), token_from="/referrals/").status_code == 403, path


def test_another_authoritys_referral_cannot_be_edited_or_closed(app: Flask, client: FlaskClient) -> None:
    """Salford's placement officer gets 404 for Manchester's referral, and it is unchanged."""
    sign_in(client, "po@salford.test")
    for path in ["/referrals/R-T1/edit", "/referrals/R-T1/close"]:
        assert client.get(path).status_code == 404, path
    data = _form(young_people=["YP-S2"], needed_by="later", version="x")
    assert _submit(client, "/referrals/R-T1/edit", data, token_from="/referrals/").status_code == 404
    closing = {"reason": "made_in_error", "version": "x"}
    assert _submit(client, "/referrals/R-T1/close", closing, token_from="/referrals/").status_code == 404
    assert _referral(app, "R-T1").status == "open"
    assert _references(_listed(client, "?status=all&q=R-T1")) == []


def test_forms_without_a_csrf_token_are_refused(app: Flask, client: FlaskClient) -> None:
    """No token: 400 for create, edit and close, and nothing written."""
    sign_in(client, "po@manchester.test")
    before = _count_referrals(app)
    assert client.post("/referrals/new", data=_form(young_people=["YP-Q1"])).status_code == 400
    assert client.post("/referrals/R-T1/edit", data=_form(young_people=["YP-T1"])).status_code == 400
    assert client.post("/referrals/R-T1/close", data={"reason": "made_in_error"}).status_code == 400
    assert _count_referrals(app) == before
    assert _referral(app, "R-T1").status == "open"


def test_referral_pages_need_sign_in(client: FlaskClient) -> None:
    """Not signed in: every referral page sends you to sign in."""
    for path in ["/referrals/new", "/referrals/R-T1/edit", "/referrals/R-T1/close"]:
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path


# References


def test_a_taken_reference_is_retried(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """If someone took the next reference meanwhile, the unique constraint refuses it and the next is used."""
    user = _user(app, "po@manchester.test")
    with app.app_context():
        # Its own referral first, so the test does not rely on what earlier tests made.
        referral_service.create(user, ReferralForm(young_people=["YP-Q5"], needed_by="later"))
        highest = referrals.highest_generated_number(user.authority_code)
    assert highest >= 1
    answers = iter([highest - 1, highest])  # the first answer is stale: R-{highest} is taken
    monkeypatch.setattr(referrals, "highest_generated_number", lambda _authority: next(answers))
    with app.app_context():
        reference = referral_service.create(user, ReferralForm(young_people=["YP-Q1"], needed_by="later"))
    assert reference == f"R-{highest + 1:04d}"


def test_each_authority_numbers_its_own_references(app: Flask) -> None:
    """Another authority's many referrals do not move the next number given here (nor reveal how many)."""
    user = _user(app, "po@manchester.test")
    with app.app_context():
        own = referrals.highest_generated_number(user.authority_code)
        elsewhere = Referral(
            reference=f"R-{own + 500:04d}",
            authority_code="E08000006",
            status="open",
            needed_by="later",
            settings={},
            required_specialisms=[],
            preferred_specialisms=[],
            solo=False,
            notes="",
            created_at=datetime(2026, 11, 1, 9, 0),
        )
        db.session().add(elsewhere)
        db.commit()
        assert referrals.highest_generated_number("E08000006") == own + 500
        reference = referral_service.create(user, ReferralForm(young_people=["YP-Q7"], needed_by="later"))
    assert reference == f"R-{own + 1:04d}"


def test_concurrent_creates_get_different_references(app: Flask) -> None:
    """Several people creating referrals at once each get their own reference."""
    user = _user(app, "sw@manchester.test")
    results: list[str] = []
    failures: list[BaseException] = []

    def make(ref: str) -> None:
        try:
            with app.app_context():
                form = ReferralForm(young_people=[ref], needed_by="later")
                results.append(referral_service.create(user, form))
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=make, args=(ref,)) for ref in THREADED]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(results) == len(THREADED) and len(set(results)) == len(THREADED)


def _user(app: Flask, email: str) -> accounts.SignedInUser:
    with app.app_context():
        user = accounts.authenticate(email, PASSWORD)
    assert user is not None
    return user
