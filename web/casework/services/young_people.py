"""A young person's record: the profile and everything the ranking and the care plan lean on.

Who may do what (see docs/user-guide.md, Young people):

* every casework role (placement officer, social worker, nominated officer, director,
  admin) sees the records of its own authority's children; another authority's child
  is not found (404, so nothing leaks); a commissioner sees no child's record (403);
* only social workers and placement officers change a record: they are the people who
  gather what is in it. Managers and admins read it; they approve decisions, not facts.

Every view of a record and every change is audited; a change's audit detail names the
fields changed, never their values. A form with a problem changes nothing; every field
with a problem is named at once (`FormInvalid.errors`, keyed by the id of the field).

Missing episodes carry the return home interview clock: an interview is due within
`RHI_DUE_HOURS` of the return (DfE statutory guidance, 2014). When only the day of the
return is known (SSDA903 gives dates only, or the form's "time not known"), the clock runs
from the end of that day, so it is never shorter than the law allows. Episodes recorded as
"away from placement without authorisation" (SSDA903 `A`) are shown apart: they carry no
interview clock and open no task unless a person marks them as missing. Three or more episodes
within `REPEAT_MISSING_DAYS` flag a child as repeatedly missing, a safeguarding need
("Running the Risks", 2015), never a reason to lower priority. A place where a child was
found becomes a risk location only when a worker says so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from planner.ascii_numbers import read_float
from planner.case import IMPORTANCE, RISKS, SUPPORT_KINDS
from web import db
from web.accounts.services.accounts import CASEWORK_ROLES, SignedInUser
from web.casework.repositories import young_people as repository
from web.models import (
    CONFIDENCE,
    Group,
    MissingEpisode,
    PersonToAvoid,
    Referral,
    RiskLocation,
    SupportLink,
    YoungPerson,
    YoungPersonGroup,
)
from web.shared.services import audit, postcodes, signals
from web.shared.services import groups as group_service
from web.shared.services.date_input import date_values, enter, read_date
from web.shared.services.errors import Forbidden, InvalidInput, NotFound
from web.shared.services.people import SEX_WORDS, age_on

# Social workers and placement officers gather the facts; managers approve decisions.
EDIT_ROLES = ("social_worker", "placement_officer")

# Statutory guidance: a return home interview is offered within 72 hours of the return.
RHI_DUE_HOURS = 72
# Three or more episodes in 90 days: "repeat missing", a reason for more attention.
REPEAT_MISSING_EPISODES = 3
REPEAT_MISSING_DAYS = 90
PAGE_SIZE = 50

# SSDA903 ETHNIC codes and their words (DfE children looked after return).
ETHNICITIES = {
    "WBRI": "White British",
    "WIRI": "White Irish",
    "WIRT": "Traveller of Irish heritage",
    "WROM": "Gypsy or Roma",
    "WOTH": "Any other White background",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "BCRB": "Black Caribbean",
    "BAFR": "Black African",
    "BOTH": "Any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}
RELATIONSHIP_KINDS = {"affiliated": "Affiliated with", "exploited_by": "Exploited by"}
MISSING_KINDS = {"M": "Missing", "A": "Away without authorisation"}
REPORTED_BY = {"carer": "Carer", "school": "School", "police": "Police", "other": "Someone else"}
ACCEPTED = {"yes": True, "no": False, "unknown": None}
_ACCEPTED_WORDS = {v: k for k, v in ACCEPTED.items()}

MAX_RADIUS_KM = 50.0
MAX_VISITS_PER_MONTH = 62.0
MAX_SUPPORT_KM = 1000.0

# Letters, digits and hyphens with at least one digit: a pseudonymous reference, not a name.
_REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")
_TIME = re.compile(r"^([01]?[0-9]|2[0-3])[:.]?([0-5][0-9])$")  # ASCII digits only


class FormInvalid(InvalidInput):
    """A form's problems, keyed by the id of the field each belongs to (for the error summary)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(list(errors.values()))
        self.errors = errors


# --- who may see and change ----------------------------------------------------------


def may_edit(user: SignedInUser) -> bool:
    return user.role in EDIT_ROLES


def _require_casework(user: SignedInUser) -> None:
    if user.role not in CASEWORK_ROLES:
        raise Forbidden("commissioners see aggregates only, not children's records")


def _require_edit(user: SignedInUser) -> None:
    _require_casework(user)
    if not may_edit(user):
        raise Forbidden("only social workers and placement officers change a young person's record")


def _visible(user: SignedInUser, reference: str) -> YoungPerson:
    """The young person if the user may see them; another authority's child is not found."""
    _require_casework(user)
    person = repository.get_by_reference(reference)
    if person is None or person.responsible_authority_code != user.authority_code:
        raise NotFound(reference)
    return person


def _editable(user: SignedInUser, reference: str) -> YoungPerson:
    # Authority first: another authority's child is a 404 for every role, never a 403.
    person = _visible(user, reference)
    _require_edit(user)
    return person


def _viewed(user: SignedInUser, person: YoungPerson, page: str) -> None:
    audit.record(user.id, "view", "young_person", person.reference, page)
    db.commit()


def _changed(user: SignedInUser, person: YoungPerson, action: str, detail: str, touched: bool = True) -> None:
    """Audit a change and commit it with the audit event, or keep nothing."""
    if touched:
        person.updated_at = datetime.now()
    audit.record(user.id, action, "young_person", person.reference, detail[:200])
    try:
        db.commit()
    except Exception:
        db.rollback()
        raise


def _apply(target: object, values: Mapping[str, Any]) -> list[str]:
    """Set each attribute that differs; the names of those changed, in order."""
    changed = []
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed.append(name)
    return changed


def _updated(user: SignedInUser, person: YoungPerson, what: str, changed: list[str]) -> None:
    """Audit an edit by the names of the fields it changed (never their values), and commit."""
    detail = f"changed {what}: {', '.join(changed)}" if changed else f"{what}: no fields changed"
    _changed(user, person, "update", detail, touched=bool(changed))


# --- reading forms -------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    postcode: str | None
    lat: float
    lon: float


class _Form:
    """Reads a submitted form field by field, collecting every problem before any change."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str:
        value = self.data.get(name, "")
        if isinstance(value, list):
            value = value[0] if value else ""
        return value.strip() if isinstance(value, str) else ""

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def ok(self, *fields: str) -> bool:
        return not any(f in self.errors for f in fields)

    def done(self) -> None:
        if self.errors:
            raise FormInvalid(self.errors)

    def text(self, name: str, label: str, max_len: int, required: bool = True) -> str:
        value = " ".join(self.raw(name).split())
        if not value and required:
            self.fail(name, enter(label))
        elif len(value) > max_len:
            self.fail(name, f"{label} must be {max_len} characters or fewer")
        return value

    def choice(self, name: str, options: Sequence[str] | Mapping[str, Any], message: str) -> str:
        value = self.raw(name)
        if value not in options:
            self.fail(name, message)
        return value

    def choices(self, name: str, options: Sequence[str], first_id: str) -> list[str]:
        value = self.data.get(name, [])
        chosen = [value] if isinstance(value, str) else list(value or [])
        unknown = [v for v in chosen if v not in options]
        if unknown:
            self.fail(first_id, "Choose only from the listed options")
        # Stored in the vocabulary's order, so a resubmission with the same ticks changes nothing.
        return [o for o in options if o in chosen]

    def number(self, name: str, label: str, low: float, high: float, required: bool = True) -> float | None:
        raw = self.raw(name).replace(",", "")
        if not raw:
            if required:
                self.fail(name, enter(label))
            return None
        try:
            value = read_float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.fail(name, f"{label} must be a number")
            return None
        if not low <= value <= high:
            self.fail(name, f"{label} must be between {low:g} and {high:g}")
            return None
        return value

    def day(self, prefix: str, label: str, required: bool = True) -> date | None:
        reading = read_date(self.data, prefix, label, required)
        if reading.field and reading.message:
            self.fail(reading.field, reading.message)
        return reading.value

    def clock(self, name: str, label: str) -> time | None:
        raw = self.raw(name)
        if not raw:
            self.fail(name, enter(label))
            return None
        match = _TIME.match(raw)
        if match is None:
            self.fail(name, f"{label} must be hours and minutes on the 24-hour clock, like 21:30")
            return None
        return time(int(match.group(1)), int(match.group(2)))

    def moment(self, prefix: str, label: str) -> datetime | None:
        """A date input `prefix-day/month/year` with a time input `prefix-time`."""
        day = self.day(prefix, f"{label} date")
        at = self.clock(f"{prefix}-time", f"{label} time")
        if day is None or at is None:
            return None
        return datetime.combine(day, at)

    def moment_or_day(self, prefix: str, label: str) -> tuple[datetime | None, bool]:
        """As `moment`, but a ticked `prefix-time-unknown` stands for the time: (the day at 00:00, False)."""
        if self.raw(f"{prefix}-time-unknown") != "yes":
            return self.moment(prefix, label), True
        day = self.day(prefix, f"{label} date")
        if self.raw(f"{prefix}-time"):
            self.fail(f"{prefix}-time", f"You said the {label.lower()} time is not known: clear the time, or untick")
            return None, False
        return (datetime.combine(day, time()) if day is not None else None), False

    def reference(self, name: str, label: str) -> str:
        value = self.raw(name).upper()
        if not value:
            self.fail(name, enter(label))
        elif len(value) > 40:
            self.fail(name, f"{label} must be 40 characters or fewer")
        elif not _REFERENCE.match(value) or not any(c.isdigit() for c in value):
            self.fail(
                name,
                f"{label} must be letters, numbers and hyphens with at least one number, like YP-0042: never a name",
            )
        return value

    def location(self, prefix: str, what: str, required: bool = True) -> Place | None:
        """A postcode from the lookup table, or a latitude and longitude: one or the other."""
        postcode = self.raw(f"{prefix}-postcode")
        has_coordinates = bool(self.raw(f"{prefix}-lat") or self.raw(f"{prefix}-lon"))
        if not postcode and not has_coordinates:
            if required:
                self.fail(f"{prefix}-postcode", f"Enter a postcode, or a latitude and longitude, for {what}")
            return None
        if postcode and has_coordinates:
            self.fail(f"{prefix}-postcode", f"Give a postcode or a latitude and longitude for {what}, not both")
            return None
        if postcode:
            if not postcodes.is_well_formed(postcode):
                self.fail(f"{prefix}-postcode", f"Enter a real postcode for {what}, like M1 1AE")
                return None
            found = postcodes.resolve(postcode)
            if found is None:
                self.fail(
                    f"{prefix}-postcode",
                    f"Postcode {postcodes.display(postcode)} is not in the postcode lookup: "
                    f"enter the latitude and longitude for {what} instead",
                )
                return None
            return Place(postcodes.display(postcode), *found)
        lat = self.number(f"{prefix}-lat", "Latitude", -90, 90)
        lon = self.number(f"{prefix}-lon", "Longitude", -180, 180)
        if lat is None or lon is None:
            return None
        return Place(None, lat, lon)


def _not_future(form: _Form, field: str, value: date | datetime | None, label: str, now: datetime) -> None:
    if value is None:
        return
    late = value > now if isinstance(value, datetime) else value > now.date()
    if late:
        form.fail(field, f"{label} must be today or in the past")


def vocabulary() -> dict[str, Any]:
    """The words for every code the forms and pages show, in display order."""
    return {
        "sexes": {code: word.capitalize() for code, word in SEX_WORDS.items()},
        "ethnicities": ETHNICITIES,
        "risks": RISKS,
        "support_kinds": SUPPORT_KINDS,
        "importance": IMPORTANCE,
        "confidence": CONFIDENCE,
        "relationship_kinds": RELATIONSHIP_KINDS,
        "missing_kinds": MISSING_KINDS,
        "reported_by": REPORTED_BY,
        "rhi_due_hours": RHI_DUE_HOURS,
        "repeat_missing_episodes": REPEAT_MISSING_EPISODES,
        "repeat_missing_days": REPEAT_MISSING_DAYS,
        "max_radius_km": MAX_RADIUS_KM,
    }


# --- the list ------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    reference: str
    age: int
    sex: str
    open_referrals: int
    repeat_missing: bool


@dataclass(frozen=True)
class Listing:
    rows: list[Row]
    total: int
    page: int
    pages: int
    search: str


def list_for(user: SignedInUser, search: str = "", page: int = 1) -> Listing:
    """One page of the user's authority's young people, searched by reference."""
    _require_casework(user)
    search = search.strip()[:40]
    total = repository.count_for_authority(user.authority_code, search)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    people = repository.list_for_authority(user.authority_code, search, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    counts = repository.open_referral_counts([p.id for p in people])
    now = datetime.now()
    rows = [
        Row(
            p.reference,
            age_on(p.date_of_birth, now.date()),
            sex_words(p.sex),
            counts.get(p.id, 0),
            missing_in_window(p.missing_episodes, now) >= REPEAT_MISSING_EPISODES,
        )
        for p in people
    ]
    return Listing(rows, total, page, pages, search)


# --- the profile ---------------------------------------------------------------------


def sex_words(code: str) -> str:
    return SEX_WORDS.get(code, "not recorded").capitalize()


def ethnicity_words(code: str) -> str:
    return f"{ETHNICITIES[code]} ({code})" if code in ETHNICITIES else code


@dataclass(frozen=True)
class RhiClock:
    """Where the return home interview stands for one episode."""

    status: str  # missing | due | overdue | offered_in_time | offered_late
    due: datetime | None
    text: str
    colour: str  # GOV.UK tag colour


def when_words(value: datetime | None, time_known: bool = True) -> str:
    """A moment in words; a day whose time is not known never shows a made-up 00:00."""
    if value is None:
        return ""
    if not time_known:
        return f"{value.day} {value:%B %Y}, time not known"
    return f"{value.day} {value:%B %Y} at {value:%H:%M}"


def clock_starts(episode: MissingEpisode) -> datetime | None:
    """When the interview clock starts: the return, or the end of its day when only the day is known."""
    if episode.end is None:
        return None
    if episode.end_time_known:
        return episode.end
    return datetime.combine(episode.end.date() + timedelta(days=1), time())


def due_words(due: datetime, time_known: bool) -> str:
    if not time_known:
        # `due` is midnight at the start of the next day: say "by the end of" the day before.
        last = due - timedelta(days=1)
        return f"the end of {last.day} {last:%B %Y}"
    return f"{due.day} {due:%B %Y} at {due:%H:%M}"


def rhi_clock(episode: MissingEpisode, now: datetime) -> RhiClock:
    """The return home interview clock: due `RHI_DUE_HOURS` after the return (see `clock_starts`)."""
    if not episode.counts_as_missing:
        still = " (still away)" if episode.end is None else ""
        return RhiClock("away", None, f"Away: no interview unless marked missing{still}", "grey")
    starts = clock_starts(episode)
    if starts is None:
        return RhiClock("missing", None, "Still missing", "red")
    due = starts + timedelta(hours=RHI_DUE_HOURS)
    if episode.rhi_offered and episode.rhi_offered_at is not None:
        if episode.rhi_offered_at <= due:
            return RhiClock("offered_in_time", due, f"Offered within {RHI_DUE_HOURS} hours", "green")
        return RhiClock("offered_late", due, "Offered late", "orange")
    if now > due:
        return RhiClock("overdue", due, "RHI overdue", "red")
    return RhiClock("due", due, f"RHI due by {due_words(due, episode.end_time_known)}", "yellow")


def missing_in_window(episodes: Sequence[MissingEpisode], now: datetime) -> int:
    """Missing episodes (not away ones, unless marked missing) that started in the last `REPEAT_MISSING_DAYS` days."""
    since = now - timedelta(days=REPEAT_MISSING_DAYS)
    return sum(1 for e in episodes if e.counts_as_missing and since <= e.start <= now)


@dataclass(frozen=True)
class EpisodeView:
    episode: MissingEpisode
    clock: RhiClock
    may_become_risk_location: bool
    started: str  # in words, "time not known" where it is not
    returned: str  # "" while still missing or away
    due: str  # when the interview is due, in words; "" when there is no clock
    marked_missing: str  # "" unless an away episode was marked missing: by whom and when


def _episode_view(episode: MissingEpisode, now: datetime) -> EpisodeView:
    has_point = episode.found_lat is not None and episode.found_lon is not None
    clock = rhi_clock(episode, now)
    marked = ""
    if episode.kind == "A" and episode.marked_missing_at is not None:
        who = episode.marked_missing_by.name if episode.marked_missing_by else "someone no longer known"
        marked = f"Marked as missing by {who} on {when_words(episode.marked_missing_at)}"
    return EpisodeView(
        episode,
        clock,
        has_point and episode.risk_location_id is None,
        when_words(episode.start, episode.start_time_known),
        when_words(episode.end, episode.end_time_known),
        due_words(clock.due, episode.end_time_known) if clock.due is not None else "",
        marked,
    )


@dataclass(frozen=True)
class Profile:
    person: YoungPerson
    age: int
    sex: str
    ethnicity: str
    may_edit: bool
    missing_in_window: int
    repeat_missing: bool
    overdue_links: frozenset[int]
    episodes: list[EpisodeView]  # missing, and away episodes a person marked as missing
    away_episodes: list[EpisodeView]  # away from placement without authorisation (SSDA903 A)
    referrals: list[Referral]
    today: date


def view(user: SignedInUser, reference: str) -> Profile:
    """The whole record for display, with the view audited."""
    person = _visible(user, reference)
    now = datetime.now()
    recent = missing_in_window(person.missing_episodes, now)
    profile = Profile(
        person=person,
        age=age_on(person.date_of_birth, now.date()),
        sex=sex_words(person.sex),
        ethnicity=ethnicity_words(person.ethnicity),
        may_edit=may_edit(user),
        missing_in_window=recent,
        repeat_missing=recent >= REPEAT_MISSING_EPISODES,
        overdue_links=frozenset(link.id for link in person.group_links if link.review_by < now.date()),
        episodes=[_episode_view(e, now) for e in reversed(person.missing_episodes) if e.counts_as_missing],
        away_episodes=[_episode_view(e, now) for e in reversed(person.missing_episodes) if not e.counts_as_missing],
        referrals=repository.referrals_naming(person.id),
        today=now.date(),
    )
    _viewed(user, person, "record")
    return profile


def _profile_fields(form: _Form, now: datetime) -> dict[str, Any]:
    born = form.day("dob", "Date of birth")
    if born is not None:
        if born > now.date():
            form.fail("dob-day", "Date of birth must be today or in the past")
        elif age_on(born, now.date()) >= 18:
            form.fail("dob-day", "Date of birth must be less than 18 years ago: the young person must be under 18")
    sex = form.choice("sex", SEX_WORDS, "Select the young person's sex")
    ethnicity = form.choice("ethnicity", ETHNICITIES, "Select the young person's ethnicity")
    home = form.location("home", "home")
    risks = form.choices("risks", RISKS, "risks")
    if home is None:
        return {}
    return {
        "date_of_birth": born,
        "sex": sex,
        "ethnicity": ethnicity,
        "home_postcode": home.postcode,
        "home_lat": home.lat,
        "home_lon": home.lon,
        "risks": risks,
    }


def _place_values(prefix: str, postcode: str | None, lat: float | None, lon: float | None) -> dict[str, str]:
    if postcode:
        return {f"{prefix}-postcode": postcode}
    if lat is None or lon is None:
        return {}
    return {f"{prefix}-lat": f"{lat:g}", f"{prefix}-lon": f"{lon:g}"}


def _moment_values(prefix: str, value: datetime | None, time_known: bool = True) -> dict[str, str]:
    if value is None:
        return {}
    if not time_known:
        return {**date_values(prefix, value.date()), f"{prefix}-time-unknown": "yes"}
    return {**date_values(prefix, value.date()), f"{prefix}-time": f"{value:%H:%M}"}


def new_profile_form(user: SignedInUser) -> None:
    """Only editors may open the form to add a young person."""
    _require_edit(user)


def profile_form(user: SignedInUser, reference: str, audited: bool = True) -> tuple[YoungPerson, dict[str, Any]]:
    """The young person and the edit form's values; `audited` is False when a form is shown again."""
    person = _editable(user, reference)
    values: dict[str, Any] = {
        **date_values("dob", person.date_of_birth),
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        **_place_values("home", person.home_postcode, person.home_lat, person.home_lon),
        "risks": list(person.risks),
    }
    if audited:
        _viewed(user, person, "edit profile")
    return person, values


def create(user: SignedInUser, data: Mapping[str, Any]) -> str:
    """Add a young person to the user's authority; returns the reference."""
    _require_edit(user)
    now = datetime.now()
    form = _Form(data)
    reference = form.reference("reference", "Reference")
    if form.ok("reference") and repository.reference_taken(reference):
        form.fail("reference", f"Reference {reference} is already in use: choose another")
    values = _profile_fields(form, now)
    form.done()
    person = YoungPerson(reference=reference, responsible_authority_code=user.authority_code, created_at=now, **values)
    repository.add_young_person(person)
    audit.record(user.id, "create", "young_person", reference, "profile")
    try:
        db.commit()
    except IntegrityError:
        # Someone took the reference between the check and the write.
        db.rollback()
        raise FormInvalid({"reference": f"Reference {reference} is already in use: choose another"}) from None
    return reference


def edit_profile(user: SignedInUser, reference: str, data: Mapping[str, Any]) -> None:
    """Change the profile. The reference never changes: other records point at it."""
    person = _editable(user, reference)
    form = _Form(data)
    values = _profile_fields(form, datetime.now())
    form.done()
    changed = _apply(person, values)
    _updated(user, person, "profile", changed)


# --- the parts of a record: groups, people to avoid, risk locations, support -----------

Item = YoungPersonGroup | PersonToAvoid | RiskLocation | SupportLink


@dataclass(frozen=True)
class _Part:
    what: str  # in audit details and messages
    collection: str  # the attribute of YoungPerson holding them
    read: Callable[[_Form, YoungPerson, Any, datetime], dict[str, Any]]
    build: Callable[[dict[str, Any], datetime], Item]
    values: Callable[[Any], dict[str, Any]]


def _group_fields(form: _Form, person: YoungPerson, item: YoungPersonGroup | None, now: datetime) -> dict[str, Any]:
    # Only groups the child's authority may read: its own and those shared for intelligence.
    groups = {g.code: g for g in group_service.readable_for(person.responsible_authority_code)}
    code = form.choice("group", groups, "Select the group")
    if form.ok("group") and any(link.group.code == code and link is not item for link in person.group_links):
        form.fail("group", f"{person.reference} is already linked to the {groups[code].label} group: change that link")
    kind = form.choice("relationship_kind", RELATIONSHIP_KINDS, "Select how the young person is linked to the group")
    source = form.text("source", "Source", 120)
    confidence = form.choice("confidence", CONFIDENCE, "Select how confident the source is")
    review_by = form.day("review_by", "Review date")
    if review_by is not None and review_by < now.date():
        form.fail("review_by-day", "Review date must be today or in the future")
    return {
        "group": groups.get(code),
        "relationship_kind": kind,
        "source": source,
        "confidence": confidence,
        "review_by": review_by,
    }


def _group_values(link: YoungPersonGroup) -> dict[str, Any]:
    return {
        "group": link.group.code,
        "relationship_kind": link.relationship_kind,
        "source": link.source,
        "confidence": link.confidence,
        **date_values("review_by", link.review_by),
    }


def _avoid_fields(form: _Form, person: YoungPerson, item: PersonToAvoid | None, _now: datetime) -> dict[str, Any]:
    other = form.reference("person_reference", "Their reference")
    if form.ok("person_reference"):
        if other == person.reference.upper():
            form.fail("person_reference", "Their reference must be someone else's, not this young person's")
        elif any(a.person_reference.upper() == other and a is not item for a in person.people_to_avoid):
            form.fail("person_reference", f"{other} is already on the list of people to avoid")
    reason = form.text("reason", "Reason", 200)
    return {"person_reference": other, "reason": reason}


def _avoid_values(item: PersonToAvoid) -> dict[str, Any]:
    return {"person_reference": item.person_reference, "reason": item.reason}


def _risk_location_fields(form: _Form, _person: YoungPerson, _item: Any, _now: datetime) -> dict[str, Any]:
    label = form.text("label", "Label", 120)
    place = form.location("location", "the risk location")
    radius = form.number("radius_km", "Radius", 0, MAX_RADIUS_KM)
    source = form.text("source", "Source", 120)
    return {
        "label": label,
        "lat": place.lat if place else None,
        "lon": place.lon if place else None,
        "radius_km": radius,
        "source": source,
    }


def _risk_location_values(item: RiskLocation) -> dict[str, Any]:
    return {
        "label": item.label,
        **_place_values("location", None, item.lat, item.lon),
        "radius_km": f"{item.radius_km:g}",
        "source": item.source,
    }


def _support_fields(form: _Form, _person: YoungPerson, _item: Any, _now: datetime) -> dict[str, Any]:
    label = form.text("label", "Who they are", 120)
    kind = form.choice("kind", SUPPORT_KINDS, "Select the kind of support")
    importance = form.choice("importance", IMPORTANCE, "Select how important the link is")
    visits = form.number("visits_per_month", "Visits per month", 0, MAX_VISITS_PER_MONTH)
    max_km = form.number("max_km", "Furthest distance", 0.1, MAX_SUPPORT_KM, required=False)
    place = form.location("location", "the support link")
    return {
        "label": label,
        "kind": kind,
        "importance": importance,
        "visits_per_month": visits,
        "max_km": max_km,
        "lat": place.lat if place else None,
        "lon": place.lon if place else None,
    }


def _support_values(item: SupportLink) -> dict[str, Any]:
    return {
        "label": item.label,
        "kind": item.kind,
        "importance": item.importance,
        "visits_per_month": f"{item.visits_per_month:g}",
        "max_km": f"{item.max_km:g}" if item.max_km is not None else "",
        **_place_values("location", None, item.lat, item.lon),
    }


PARTS: dict[str, _Part] = {
    "groups": _Part(
        "group link",
        "group_links",
        _group_fields,
        lambda v, _now: YoungPersonGroup(**v),
        _group_values,
    ),
    "people-to-avoid": _Part(
        "person to avoid",
        "people_to_avoid",
        _avoid_fields,
        lambda v, _now: PersonToAvoid(**v),
        _avoid_values,
    ),
    "risk-locations": _Part(
        "risk location",
        "risk_locations",
        _risk_location_fields,
        lambda v, now: RiskLocation(created_at=now, **v),
        _risk_location_values,
    ),
    "support-network": _Part(
        "support link",
        "support_links",
        _support_fields,
        lambda v, _now: SupportLink(**v),
        _support_values,
    ),
}


def _part(kind: str) -> _Part:
    if kind not in PARTS:
        raise NotFound(kind)
    return PARTS[kind]


def _item(person: YoungPerson, part: _Part, item_id: int) -> Any:
    """One of this young person's items; an id that is not theirs is not found."""
    for item in getattr(person, part.collection):
        if item.id == item_id:
            return item
    raise NotFound(f"{part.what} {item_id}")


@dataclass(frozen=True)
class PartForm:
    person: YoungPerson
    item: Any
    values: dict[str, Any]


def part_form(user: SignedInUser, reference: str, kind: str, item_id: int | None = None) -> PartForm:
    """What the add or change form for one part shows, with the view audited."""
    part = _part(kind)
    person = _editable(user, reference)
    item = _item(person, part, item_id) if item_id is not None else None
    values = part.values(item) if item is not None else {}
    _viewed(user, person, f"{part.what} {item_id}" if item_id is not None else f"add {part.what}")
    return PartForm(person, item, values)


def part_context(user: SignedInUser, reference: str, kind: str, item_id: int | None = None) -> PartForm:
    """The same, for showing a form again after a problem (no new audit event)."""
    part = _part(kind)
    person = _editable(user, reference)
    item = _item(person, part, item_id) if item_id is not None else None
    return PartForm(person, item, {})


def add_part(user: SignedInUser, reference: str, kind: str, data: Mapping[str, Any]) -> None:
    part = _part(kind)
    person = _editable(user, reference)
    now = datetime.now()
    form = _Form(data)
    values = part.read(form, person, None, now)
    form.done()
    item = part.build(values, now)
    getattr(person, part.collection).append(item)
    repository.save_pending()
    _changed(user, person, "add", f"added {part.what} {item.id}")
    _recheck_if_intelligence(user, person, kind)


def change_part(user: SignedInUser, reference: str, kind: str, item_id: int, data: Mapping[str, Any]) -> None:
    part = _part(kind)
    person = _editable(user, reference)
    item = _item(person, part, item_id)
    form = _Form(data)
    values = part.read(form, person, item, datetime.now())
    form.done()
    changed = _apply(item, values)
    _updated(user, person, f"{part.what} {item_id}", changed)
    if changed:
        _recheck_if_intelligence(user, person, kind)


def remove_part(user: SignedInUser, reference: str, kind: str, item_id: int) -> str:
    """Remove one item; returns what it was, in words, for the confirmation message."""
    part = _part(kind)
    person = _editable(user, reference)
    item = _item(person, part, item_id)
    if isinstance(item, RiskLocation):
        made_from = [e for e in person.missing_episodes if e.risk_location_id == item.id]
        repository.remove_risk_location(item, made_from)
    else:
        repository.remove(item)
    _changed(user, person, "remove", f"removed {part.what} {item_id}")
    _recheck_if_intelligence(user, person, kind)
    return part.what


# Changes to these parts can make where the young person lives now unsafe.
_INTELLIGENCE_PARTS = {
    "groups": "The young person's group links",
    "risk-locations": "The young person's risk locations",
}


def _recheck_if_intelligence(user: SignedInUser, person: YoungPerson, kind: str) -> None:
    if kind in _INTELLIGENCE_PARTS:
        signals.young_person_intelligence_changed.send(user, person=person, what=_INTELLIGENCE_PARTS[kind])


def group_options(user: SignedInUser) -> list[tuple[str, str]]:
    """(code, label) of every group the user's authority may read, for the select list."""
    return [(g.code, _group_label(g)) for g in group_service.readable_for(user.authority_code)]


def _group_label(group: Group) -> str:
    return f"{group.label} ({group.code})"


# --- missing episodes ----------------------------------------------------------------


@dataclass(frozen=True)
class EpisodePage:
    person: YoungPerson
    view: EpisodeView
    may_edit: bool
    risk_location: RiskLocation | None


def _episode(person: YoungPerson, episode_id: int) -> MissingEpisode:
    for episode in person.missing_episodes:
        if episode.id == episode_id:
            return episode
    raise NotFound(f"missing episode {episode_id}")


def episode_page(user: SignedInUser, reference: str, episode_id: int, audited: bool = True) -> EpisodePage:
    """One missing episode with its clock; `audited` is False when a form is shown again."""
    person = _visible(user, reference)
    episode = _episode(person, episode_id)
    made = next((r for r in person.risk_locations if r.id == episode.risk_location_id), None)
    page = EpisodePage(person, _episode_view(episode, datetime.now()), may_edit(user), made)
    if audited:
        _viewed(user, person, f"missing episode {episode_id}")
    return page


@dataclass(frozen=True)
class EpisodeForm:
    person: YoungPerson
    episode: MissingEpisode | None
    values: dict[str, Any]


def episode_form(
    user: SignedInUser, reference: str, episode_id: int | None = None, step: str = "details", audited: bool = True
) -> EpisodeForm:
    """An episode form (`step`: details, return or interview) with its current values."""
    person = _editable(user, reference)
    episode = _episode(person, episode_id) if episode_id is not None else None
    values: dict[str, Any] = {}
    if episode is not None and step == "details":
        values = {
            "kind": episode.kind,
            **_moment_values("start", episode.start, episode.start_time_known),
            "reported_by": episode.reported_by,
        }
    elif episode is not None and step == "return":
        values = {
            **_moment_values("end", episode.end, episode.end_time_known),
            "where_found": episode.where_found or "",
            **_place_values("found", None, episode.found_lat, episode.found_lon),
        }
    elif episode is not None and step == "interview":
        # An interview not offered is stored the same as one not yet recorded: leave "offered" unanswered.
        values = {
            "offered": "yes" if episode.rhi_offered else "",
            **_moment_values("offered_at", episode.rhi_offered_at),
            "accepted": {True: "yes", False: "no", None: "unknown"}[episode.rhi_accepted]
            if episode.rhi_offered
            else "",
            **date_values("held", episode.rhi_date),
            "provider": episode.rhi_provider or "",
        }
    if audited:
        what = f"missing episode {episode_id} {step}" if episode_id is not None else "add missing episode"
        _viewed(user, person, what)
    return EpisodeForm(person, episode, values)


def _in_order(first: datetime, first_known: bool, then: datetime, then_known: bool) -> bool:
    """`first` before `then`; where either time is not known, only the days are compared (same day allowed)."""
    if first_known and then_known:
        return first < then
    return first.date() <= then.date()


def _episode_fields(form: _Form, episode: MissingEpisode | None, now: datetime) -> dict[str, Any]:
    kind = form.choice("kind", MISSING_KINDS, "Select whether the young person was missing or away")
    start, start_known = form.moment_or_day("start", "Start")
    _not_future(form, "start-day", start if start_known else (start.date() if start else None), "Start", now)
    if (
        start is not None
        and episode is not None
        and episode.end is not None
        and not _in_order(start, start_known, episode.end, episode.end_time_known)
    ):
        form.fail("start-day", "Start must be before the return")
    reported_by = form.choice("reported_by", REPORTED_BY, "Select who reported it")
    return {"kind": kind, "start": start, "start_time_known": start_known, "reported_by": reported_by}


def add_episode(user: SignedInUser, reference: str, data: Mapping[str, Any]) -> int:
    """Record a missing episode; returns its id."""
    person = _editable(user, reference)
    now = datetime.now()
    form = _Form(data)
    values = _episode_fields(form, None, now)
    form.done()
    episode = MissingEpisode(**values)
    person.missing_episodes.append(episode)
    repository.save_pending()
    _changed(user, person, "add", f"added missing episode {episode.id}")
    return episode.id


def change_episode(user: SignedInUser, reference: str, episode_id: int, data: Mapping[str, Any]) -> None:
    person = _editable(user, reference)
    episode = _episode(person, episode_id)
    form = _Form(data)
    values = _episode_fields(form, episode, datetime.now())
    form.done()
    changed = _apply(episode, values)
    _updated(user, person, f"missing episode {episode_id}", changed)


def record_return(user: SignedInUser, reference: str, episode_id: int, data: Mapping[str, Any]) -> None:
    """When and where the young person came back (the found place is optional)."""
    person = _editable(user, reference)
    episode = _episode(person, episode_id)
    now = datetime.now()
    form = _Form(data)
    end, end_known = form.moment_or_day("end", "Return")
    _not_future(form, "end-day", end if end_known else (end.date() if end else None), "Return", now)
    if (
        end is not None
        and form.ok("end-day")
        and not _in_order(episode.start, episode.start_time_known, end, end_known)
    ):
        form.fail("end-day", f"Return must be after the start ({when_words(episode.start, episode.start_time_known)})")
    where = form.text("where_found", "Where they were found", 160)
    place = form.location("found", "where they were found", required=False)
    form.done()
    values = {
        "end": end,
        "end_time_known": end_known,
        "where_found": where,
        "found_lat": place.lat if place else None,
        "found_lon": place.lon if place else None,
    }
    changed = _apply(episode, values)
    _updated(user, person, f"missing episode {episode_id} return", changed)


def record_interview(user: SignedInUser, reference: str, episode_id: int, data: Mapping[str, Any]) -> None:
    """Whether and when a return home interview was offered, accepted and held, and by whom."""
    person = _editable(user, reference)
    episode = _episode(person, episode_id)
    now = datetime.now()
    form = _Form(data)
    if episode.end is None:
        form.fail("offered", "Record the return before the return home interview")
        form.done()
    assert episode.end is not None
    offered = form.choice("offered", ("yes", "no"), "Select whether a return home interview was offered")
    offered_at: datetime | None = None
    accepted: bool | None = None
    held: date | None = None
    if offered == "yes":
        offered_at = form.moment("offered_at", "Offered")
        _not_future(form, "offered_at-day", offered_at, "Offered", now)
        if offered_at is not None and form.ok("offered_at-day"):
            # With only the day of the return known, an offer that day is taken as after it.
            early = offered_at < episode.end if episode.end_time_known else offered_at.date() < episode.end.date()
            if early:
                form.fail("offered_at-day", "Offered must be at or after the return")
        answer = form.choice("accepted", ACCEPTED, "Select whether the young person accepted the interview")
        accepted = ACCEPTED.get(answer)
        held = form.day("held", "Date held", required=False)
        _not_future(form, "held-day", held, "Date held", now)
        if held is not None and accepted is not True and form.ok("accepted"):
            form.fail("held-day", "Only give the date held if the young person accepted the interview")
        elif held is not None and form.ok("held-day") and held < episode.end.date():
            form.fail("held-day", "Date held must be on or after the day of the return")
    elif any(form.raw(f"offered_at-{p}") for p in ("day", "month", "year", "time")) or form.raw("held-day"):
        form.fail("offered", "You said no interview was offered: clear the dates, or select yes")
    provider = form.text("provider", "Provider", 120, required=False)
    form.done()
    values = {
        "rhi_offered": offered == "yes",
        "rhi_offered_at": offered_at,
        "rhi_accepted": accepted,
        "rhi_date": held,
        "rhi_provider": provider or None,
    }
    changed = _apply(episode, values)
    _updated(user, person, f"missing episode {episode_id} interview", changed)


def mark_missing(user: SignedInUser, reference: str, episode_id: int, data: Mapping[str, Any]) -> None:
    """A person says an away episode (SSDA903 A) was in fact missing: the interview clock and task follow.

    Who did it and when are kept on the episode; the SSDA903 kind stays as recorded.
    """
    person = _editable(user, reference)
    episode = _episode(person, episode_id)
    form = _Form(data)
    if episode.kind != "A":
        form.fail("mark-missing", "Only an episode recorded as away without authorisation can be marked as missing")
    elif episode.marked_missing_at is not None:
        form.fail("mark-missing", "This episode is already marked as missing")
    elif form.raw("confirm_missing") != "yes":
        form.fail("confirm_missing", "Confirm that the young person was missing, not only away")
    form.done()
    episode.marked_missing_by_id = user.id
    episode.marked_missing_at = datetime.now()
    _changed(user, person, "update", f"marked missing episode {episode_id} (away) as missing")


def found_location_source(episode: MissingEpisode) -> str:
    return f"found location of missing episode starting {episode.start.day} {episode.start:%B %Y}"


def make_risk_location(user: SignedInUser, reference: str, episode_id: int, data: Mapping[str, Any]) -> None:
    """Turn where the young person was found into a risk location: a worker's decision, confirmed."""
    person = _editable(user, reference)
    episode = _episode(person, episode_id)
    form = _Form(data)
    if episode.found_lat is None or episode.found_lon is None:
        form.fail("risk-location", "Record where the young person was found, with a postcode or coordinates, first")
        form.done()
    if episode.risk_location_id is not None:
        form.fail("risk-location", "This found location is already a risk location")
        form.done()
    label = form.text("label", "Label", 120)
    radius = form.number("radius_km", "Radius", 0, MAX_RADIUS_KM)
    if form.raw("confirm") != "yes":
        form.fail("confirm", "Confirm that this place is a risk to the young person")
    form.done()
    assert episode.found_lat is not None and episode.found_lon is not None and radius is not None
    location = RiskLocation(
        label=label,
        lat=episode.found_lat,
        lon=episode.found_lon,
        radius_km=radius,
        source=found_location_source(episode),
        created_at=datetime.now(),
    )
    person.risk_locations.append(location)
    repository.save_pending()
    episode.risk_location_id = location.id
    _changed(user, person, "add", f"added risk location {location.id} from missing episode {episode_id}")
    signals.young_person_intelligence_changed.send(user, person=person, what=_INTELLIGENCE_PARTS["risk-locations"])
