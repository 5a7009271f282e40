"""Missing from care across authorities: the host force's co-ordinator's map and list, and the
commissioned return-home-interview provider's tasks (issue 12 items 3 and 5, decision 0085).

Both see only children placed into their area (the force's, from `police_areas`; the
provider's, from its commissions) whose placing authority shares with them for missing from
care (`access_policy`: `missing_episode` for the force, `return_home_interview` for the
provider). They see what that purpose needs and nothing else: a pseudonymous reference, age,
the placement, each missing episode's times, where the child was found and the interview
status; reported group links are shown as reports with their source and review date. Every
view is audited with the agreements that allowed it; the provider's interview record is
written on the placing authority's own episode, which its social workers see at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from web import db
from web.accounts.services.accounts import SignedInUser
from web.casework.services.young_people import due_words, rhi_clock, when_words
from web.models import Decision, MissingEpisode, RhiCommission, YoungPerson
from web.relocation.repositories import missing_from_care as repository
from web.shared.repositories import authorities
from web.shared.services import access_policy, audit, police_areas, sharing
from web.shared.services.errors import Forbidden, InvalidInput, NotFound
from web.shared.services.people import SEX_WORDS, age_on

COORDINATOR = "missing_persons_coordinator"
RHI_WORKER = "rhi_worker"
OUTCOMES = ("offered", "done", "declined")
# The co-ordinator also sees the year of missing history before the placement: the guidance on
# children who go missing from care expects the host police to know a child's history of going
# missing to plan for them. Interview tasks are only for returns during the placement.
HISTORY_DAYS = 365
RELATIONSHIP_WORDS = {"affiliated": "affiliated with", "exploited_by": "exploited by"}


@dataclass(frozen=True)
class Report:
    """A reported association: never a fact, always with who reported it and when to review it."""

    relationship: str
    group: str  # "a group not shared with your force" when its owner does not share it
    source: str
    confidence: str
    review_by: date


@dataclass(frozen=True)
class EpisodeRow:
    episode_id: int
    kind: str  # missing | away (marked missing)
    before_placement: bool  # history from before the child came to the area
    started: str
    returned: str  # "" while still missing
    where_found: str | None
    found_lat: float | None
    found_lon: float | None
    interview: str  # the clock's words
    interview_colour: str
    interview_done_on: date | None


@dataclass(frozen=True)
class ChildRow:
    reference: str  # pseudonymous, never a name
    age: int
    sex: str
    placing_authority: str
    placing_authority_code: str
    host_authority: str
    placement_label: str
    placement_lat: float
    placement_lon: float
    placed_on: date
    episodes: list[EpisodeRow]
    reports: list[Report]


@dataclass(frozen=True)
class CoordinatorView:
    force: str
    children: list[ChildRow]
    refused: list[str]  # placing authorities whose children are not shown: no agreement in force

    @property
    def episode_count(self) -> int:
        return sum(len(c.episodes) for c in self.children)


def _organisation(user: SignedInUser) -> str:
    return user.organisation_code or user.authority_code


def _names(codes: set[str]) -> dict[str, str]:
    return authorities.organisation_names(codes)


def _episodes_since(person: YoungPerson, since: date) -> list[MissingEpisode]:
    """Episodes of this placement (started on or after it began) that count as missing."""
    return [e for e in person.missing_episodes if e.counts_as_missing and e.start.date() >= since]


def _episode_row(episode: MissingEpisode, now: datetime, placed_on: date) -> EpisodeRow:
    clock = rhi_clock(episode, now)
    words = clock.text
    if episode.rhi_date is not None:
        words = f"Interview held {episode.rhi_date.isoformat()}"
    elif episode.rhi_accepted is False:
        words = "Interview offered, declined"
    return EpisodeRow(
        episode.id,
        "missing" if episode.kind == "M" else "away (marked missing)",
        episode.start.date() < placed_on,
        when_words(episode.start, episode.start_time_known),
        when_words(episode.end, episode.end_time_known) if episode.end is not None else "",
        episode.where_found,
        episode.found_lat,
        episode.found_lon,
        words,
        "green" if episode.rhi_date is not None else clock.colour,
        episode.rhi_date,
    )


def _reports(person: YoungPerson, access: sharing.Access) -> list[Report]:
    found = []
    for link in person.group_links:
        readable = access.may_read("group", link.group.owner_code).allowed
        found.append(
            Report(
                RELATIONSHIP_WORDS.get(link.relationship_kind, link.relationship_kind.replace("_", " ")),
                link.group.label if readable else "a group not shared with your force",
                link.source,
                link.confidence,
                link.review_by,
            )
        )
    return found


def coordinator_view(user: SignedInUser, now: datetime | None = None) -> CoordinatorView:
    """The co-ordinator's map and list; audited, naming every agreement relied on."""
    if user.role != COORDINATOR or not user.organisation_code:
        raise Forbidden("the missing-from-care map is for a police force's missing-persons co-ordinator")
    now = now or datetime.now()
    force = user.organisation_code
    access = sharing.for_user(user, now.date())
    decisions = repository.live_placements_in(police_areas.authorities_of(force))
    owners = {d.referral.authority_code for d in decisions}
    names = _names(owners | {d.placement.authority_code or "" for d in decisions} | {force})
    allowed = {o for o in owners if access.may_read("missing_episode", o).allowed}
    children = [
        _child_row(d, person, names, access, now)
        for d in decisions
        if d.referral.authority_code in allowed
        for person in d.referral.young_people
    ]
    access.audit_shared("missing_episode", allowed, "missing_from_care_map", force)
    audit.record(user.id, "view", "missing_from_care_map", force, f"{len(children)} children")
    db.commit()
    return CoordinatorView(names.get(force, force), children, sorted(names.get(o, o) for o in owners - allowed))


def _child_row(
    decision: Decision, person: YoungPerson, names: Mapping[str, str], access: sharing.Access, now: datetime
) -> ChildRow:
    host = decision.placement.authority_code or ""
    return ChildRow(
        person.reference,
        age_on(person.date_of_birth, now.date()),
        SEX_WORDS.get(person.sex, "not recorded"),
        names.get(decision.referral.authority_code, decision.referral.authority_code),
        decision.referral.authority_code,
        names.get(host, host),
        decision.placement.label,
        decision.placement.lat,
        decision.placement.lon,
        decision.start_date,
        [
            _episode_row(e, now, decision.start_date)
            for e in _episodes_since(person, decision.start_date - timedelta(days=HISTORY_DAYS))
        ],
        _reports(person, access),
    )


def map_data(view: CoordinatorView) -> dict[str, Any]:
    """The map's layers, as plain data for the page's JSON block (no inline script)."""
    placements = []
    found = []
    for child in view.children:
        placements.append(
            {"lat": child.placement_lat, "lon": child.placement_lon, "title": f"{child.reference}: placed here"}
        )
        for e in child.episodes:
            if e.found_lat is not None and e.found_lon is not None:
                found.append(
                    {
                        "lat": e.found_lat,
                        "lon": e.found_lon,
                        "title": f"{child.reference} found: {e.where_found or 'location recorded'}",
                        "lines": [f"Missing {e.started}", f"Returned {e.returned or 'not yet'}", e.interview],
                    }
                )
    return {"placements": placements, "found": found}


@dataclass(frozen=True)
class InterviewTask:
    episode_id: int
    reference: str
    age: int
    placing_authority: str
    host_authority: str
    placement_label: str
    returned: str
    due: str
    state: str  # the clock's status
    words: str
    colour: str
    offered: bool
    done_on: date | None
    declined: bool


def _commissioned(user: SignedInUser, today: date) -> set[str]:
    if user.role != RHI_WORKER or not user.organisation_code:
        raise Forbidden("return-home-interview tasks are for a commissioned provider's workers")
    return repository.commissioned_areas(user.organisation_code, today)


def interview_tasks(user: SignedInUser, now: datetime | None = None) -> list[InterviewTask]:
    """Returns from missing of children placed in the provider's commissioned areas, whose placing
    authority shares with it; open ones (not yet held or declined) first. Audited."""
    now = now or datetime.now()
    access = sharing.for_user(user, now.date())
    decisions = repository.live_placements_in(_commissioned(user, now.date()))
    provider = _organisation(user)
    names = _names(
        {d.referral.authority_code for d in decisions} | {d.placement.authority_code or "" for d in decisions}
    )
    tasks: list[InterviewTask] = []
    relied: set[str] = set()
    for decision in decisions:
        owner = decision.referral.authority_code
        verdict = access.decide_named(access_policy.RECORD, "return_home_interview", owner, provider)
        if not verdict.allowed:
            continue
        relied.add(owner)
        for person in decision.referral.young_people:
            for e in _episodes_since(person, decision.start_date):
                if e.end is None:
                    continue  # still missing: no interview yet
                clock = rhi_clock(e, now)
                tasks.append(
                    InterviewTask(
                        e.id,
                        person.reference,
                        age_on(person.date_of_birth, now.date()),
                        names.get(owner, owner),
                        names.get(decision.placement.authority_code or "", ""),
                        decision.placement.label,
                        when_words(e.end, e.end_time_known),
                        due_words(clock.due, e.end_time_known) if clock.due else "",
                        clock.status,
                        clock.text,
                        clock.colour,
                        e.rhi_offered,
                        e.rhi_date,
                        e.rhi_accepted is False,
                    )
                )
    access.audit_shared("return_home_interview", relied, "interview_tasks", provider)
    audit.record(user.id, "view", "interview_tasks", provider, f"{len(tasks)} returns")
    db.commit()
    tasks.sort(key=lambda t: (t.done_on is not None or t.declined, t.episode_id))
    return tasks


def _placement_of(episode: MissingEpisode, history_days: int = 0) -> Decision | None:
    """The child's live placement the episode happened in (or, with `history_days`, in the days
    before which it is history the host police see), newest first."""
    person = episode.young_person
    for decision in repository.live_placements_for(person.id):
        if episode.start.date() >= decision.start_date - timedelta(days=history_days):
            return decision
    return None


def record_interview(user: SignedInUser, episode_id: int, data: Mapping[str, Any], now: datetime | None = None) -> str:
    """The provider records the interview offered, held (with its date) or declined; what it recorded.

    Written on the placing authority's episode (it sees it at once), naming the provider. Refused
    (NotFound, nothing written) unless the episode is of a child placed in the provider's area and
    the placing authority shares with it for missing from care.
    """
    now = now or datetime.now()
    areas = _commissioned(user, now.date())
    episode = repository.get_episode(episode_id)
    decision = _placement_of(episode) if episode is not None else None
    if episode is None or decision is None or decision.placement.authority_code not in areas:
        raise NotFound(str(episode_id))
    provider = _organisation(user)
    access = sharing.for_user(user, now.date())
    owner = decision.referral.authority_code
    verdict = access.decide_named(access_policy.RECORD, "return_home_interview", owner, provider)
    if not verdict.allowed or not episode.counts_as_missing or episode.end is None:
        raise NotFound(str(episode_id))
    outcome = str(data.get("outcome") or "")
    if outcome not in OUTCOMES:
        raise InvalidInput(["Choose whether the interview was offered, held or declined."])
    held_on: date | None = None
    if outcome == "done":
        try:
            held_on = date.fromisoformat(str(data.get("held_on") or ""))
        except ValueError:
            raise InvalidInput(["Enter the date the interview was held, like 2026-11-30."]) from None
        if held_on < episode.end.date() or held_on > now.date():
            raise InvalidInput(["The interview date must be between the return and today."])
    provider_name = _names({provider}).get(provider, provider)
    if not episode.rhi_offered:
        episode.rhi_offered = True
        episode.rhi_offered_at = now
    if outcome == "done":
        episode.rhi_accepted = True
        episode.rhi_date = held_on
    elif outcome == "declined":
        episode.rhi_accepted = False
    episode.rhi_provider = provider_name[:120]
    episode.rhi_recorded_by_code = provider
    ids = ",".join(str(i) for i in verdict.agreements)
    audit.record(
        user.id,
        "record_interview",
        "missing_episode",
        episode.young_person.reference,
        f"episode {episode.id}: {outcome}{f' {held_on}' if held_on else ''}; {owner}'s record under agreement {ids}",
    )
    db.commit()
    return outcome


@dataclass(frozen=True)
class FoundLocation:
    """Where a child placed in the force's area was found: what a suggested area needs."""

    owner: str  # the placing authority: it owns the episode and confirms (or dismisses) the area
    force: str
    reference: str
    where_found: str
    lat: float
    lon: float
    month: str  # YYYY-MM, when the child was found
    agreements: str  # the agreement ids the co-ordinator's read relied on


def found_location(user: SignedInUser, episode_id: int, today: date) -> FoundLocation:
    """An episode on the co-ordinator's map with a found location; NotFound for any other."""
    if user.role != COORDINATOR or not user.organisation_code:
        raise Forbidden("only a police force's missing-persons co-ordinator suggests a found location")
    episode = repository.get_episode(episode_id)
    decision = _placement_of(episode, HISTORY_DAYS) if episode is not None else None
    force = user.organisation_code
    if (
        episode is None
        or decision is None
        or decision.placement.authority_code not in police_areas.authorities_of(force)
        or not episode.counts_as_missing
        or episode.found_lat is None
        or episode.found_lon is None
    ):
        raise NotFound(str(episode_id))
    owner = decision.referral.authority_code
    verdict = sharing.for_user(user, today).may_read("missing_episode", owner)
    if not verdict.allowed:
        raise NotFound(str(episode_id))
    found_on = episode.end or episode.start
    return FoundLocation(
        owner,
        force,
        episode.young_person.reference,
        episode.where_found or "Where a missing child was found",
        episode.found_lat,
        episode.found_lon,
        found_on.strftime("%Y-%m"),
        ",".join(str(i) for i in verdict.agreements),
    )


def commission(provider: str, authority: str, starts_on: date, ends_on: date | None = None) -> RhiCommission:
    """Record that `provider` is commissioned for return home interviews in `authority`'s area
    (the operator, from the command line; audited). InvalidInput names each problem."""
    provider, authority = provider.strip().upper(), authority.strip().upper()
    problems = []
    found = authorities.get_organisation(provider)
    if found is None or found.kind != "rhi_provider":
        problems.append(f"{provider} is not a return-home-interview provider (add it with agreements add-organisation)")
    if authorities.get_authority(authority) is None:
        problems.append(f"{authority} is not a local authority")
    if ends_on is not None and ends_on < starts_on:
        problems.append("The end date must be on or after the start date")
    if problems:
        raise InvalidInput(problems)
    row = RhiCommission(provider_code=provider, authority_code=authority, starts_on=starts_on, ends_on=ends_on)
    try:
        repository.add_commission(row)
    except IntegrityError:
        db.rollback()
        raise InvalidInput([f"{provider} is already commissioned for {authority}"]) from None
    audit.record(None, "rhi_commissioned", "organisation", provider, f"for {authority} from {starts_on}", authority)
    db.commit()
    return row
