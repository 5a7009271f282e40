"""Who may read and write which records: owners, co-operatives and data-sharing agreements.

The one place access to owned records is decided (docs/decisions/0080). Pure functions
over plain values, no database and no Flask, so every caller (pages, API, imports, jobs,
the ranking) asks the same question the same way and the rules are tested without an app.

A record has an owner (an organisation code). The owner's own users write it, in the roles
the rules allow. Anyone else reads it only for the purpose the rules give its kind, and only
when the owner and the reader each have a data-sharing agreement for that purpose in force
in the same co-operative (a co-operative's own records need only the reader's agreement).
The rules are data (`RULES`), written out as `docs/access-rules.md` by `rules_markdown`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from web.models import ROLES, SHARING_PURPOSES

ALL_ROLES = ROLES
PURPOSES = SHARING_PURPOSES
PURPOSE_WORDS = {
    "placement_finding": "placement finding (placements and their vacancies)",
    "intelligence": "intelligence (areas, groups and rivalries, with source, confidence and review date)",
    "sufficiency": "sufficiency (aggregates for the co-operative's commissioners)",
    "missing_from_care": "missing from care (what host police and return-home-interview providers need)",
}
READ, WRITE = "read", "write"
# A decision takes a place on a placement (and a refusal gives it back): that is what sharing
# for placement finding is for, so it is allowed wherever reading the placement is, and is
# not a write of the placement's record (its owner still alone changes everything else).
TAKE_PLACE = "take_place"
# A host authority acknowledges a notification addressed to it: only the one it names may.
ACKNOWLEDGE = "acknowledge"
# A commissioned provider records on the owner's record (an interview offered or done) when the
# record names it and the owner shares with it for the rule's purpose (decision 0085).
RECORD = "record"
CASEWORK = ("placement_officer", "social_worker", "nominated_officer", "director", "admin")


@dataclass(frozen=True)
class Rule:
    """Who may do what to one kind of record."""

    kind: str
    what: str  # in words, for the generated table
    purpose: str | None  # the purpose under which another organisation may read it; None: never shared
    read_roles: tuple[str, ...]
    write_roles: tuple[str, ...]
    # Who else reads it because the law says so (not an agreement): the organisation the
    # record names, e.g. the host authority of a reg 13 notification. None: nobody.
    by_law: str | None = None
    # Shared with the co-operative itself only, never with its other members: a member's
    # referrals for a regional panel, or its sufficiency figures (docs/decisions/0082).
    cooperative_only: bool = False
    # Who records on it without owning it (RECORD): these roles of the organisation the record
    # names, under an agreement for the rule's purpose in force between it and the owner.
    record_roles: tuple[str, ...] = ()
    # The roles that read it under an agreement, when fewer than `read_roles` (the owner's own
    # casework roles read it; another authority's do not, only the force or provider): None, all.
    shared_roles: tuple[str, ...] | None = None


RULES: tuple[Rule, ...] = (
    Rule(
        "placement",
        "a placement (foster household, home, supported accommodation) and its vacancies",
        "placement_finding",
        ALL_ROLES,
        ("placement_officer", "admin"),
    ),
    Rule(
        "area",
        "a gang-affected or high-risk area",
        "intelligence",
        ALL_ROLES,
        ("placement_officer", "admin"),
    ),
    Rule(
        "group",
        "a group (gang or network) that areas and young people are linked to",
        "intelligence",
        ALL_ROLES,
        ("placement_officer", "admin"),
    ),
    Rule(
        "rivalry",
        "a rivalry between two groups",
        "intelligence",
        ALL_ROLES,
        ("placement_officer", "admin"),
    ),
    # An agreement belongs to the member that signed it: only that member's administrator adds
    # or ends it; its directors and commissioners may see it. No other member reads it here.
    Rule(
        "agreement",
        "a data-sharing agreement (owned by the member that signed it)",
        None,
        ("admin", "director", "commissioner"),
        ("admin",),
    ),
    # Owned by the placing authority, which sends it; the host authority it names reads and
    # acknowledges it under the placing authority's duty to notify (decision 0067).
    Rule(
        "host_notification",
        "a notification that a child is placed in another authority's area (owned by the placing authority)",
        None,
        CASEWORK,
        ("social_worker",),
        by_law="the host authority it names, which alone acknowledges it (Care Planning Regulations 2010, reg 13(4))",
    ),
    # A regional panel sees an open referral's needs (urgency, how many children, settings and
    # specialisms wanted), never the child's record, and only the co-operative's placement
    # officers see it: a fellow member's staff do not (docs/decisions/0082).
    Rule(
        "referral_needs",
        "an open referral's needs summary, for a co-operative's regional panel (owned by the placing authority)",
        "placement_finding",
        (*CASEWORK, "cooperative_officer"),
        ("placement_officer", "social_worker"),
        cooperative_only=True,
    ),
    # The co-operative's own record of what its panel proposed; a proposal reaches the placing
    # authority as a ranking run of its own referral, which its users then read as their own.
    Rule(
        "regional_panel_run",
        "a co-operative's regional panel run (owned by the co-operative)",
        None,
        ("cooperative_officer",),
        ("cooperative_officer",),
    ),
    # A proposal the co-operative sent: it lands on the placing authority's referral (a ranking
    # run of its own) and so is the authority's; the co-operative writes it once, on sending,
    # under the member's placement-finding agreement (the `referral_needs` rule), never after.
    Rule(
        "regional_proposal",
        "a regional panel's proposal sent to the placing authority (owned by that authority: its Tasks list it)",
        None,
        CASEWORK,
        (),
    ),
    # A member's capacity review figures, perturbed and suppressed as its own commissioner sees
    # them (decision 0051), for the co-operative's commissioners to see by member.
    Rule(
        "sufficiency_figures",
        "a member's capacity review figures (aggregates, with the same disclosure control)",
        "sufficiency",
        ("commissioner", "director", "admin", "cooperative_commissioner"),
        (),
        cooperative_only=True,
    ),
    # Sent with the reg 13 notice to the force covering the host authority (decision 0085): a
    # one-off notice the placing authority gives as expected practice, so no agreement is needed
    # for it; what follows (episodes, found locations) needs one for missing from care.
    Rule(
        "police_notification",
        "a notification that a child is placed in a police force's area (owned by the placing authority)",
        None,
        (*CASEWORK, "missing_persons_coordinator"),
        ("social_worker",),
        by_law=(
            "the police force it names, whose missing-persons co-ordinator alone acknowledges it (expected "
            "practice: statutory guidance on children who run away or go missing from home or care, 2014)"
        ),
    ),
    # A missing episode of a child placed in another area, with where the child was found and
    # the return-home-interview status: the host force's co-ordinator reads it for its map.
    Rule(
        "missing_episode",
        "a missing episode of a child placed elsewhere: when, where found, interview status (owned by the placer)",
        "missing_from_care",
        (*CASEWORK, "missing_persons_coordinator"),
        ("social_worker", "placement_officer"),
        shared_roles=("missing_persons_coordinator",),
    ),
    # The interview after a return: the provider commissioned for the host area sees the task and
    # records it offered or done on the placing authority's episode, which sees it at once.
    Rule(
        "return_home_interview",
        "the return home interview after a missing episode (owned by the placing authority)",
        "missing_from_care",
        (*CASEWORK, "rhi_worker"),
        ("social_worker", "placement_officer"),
        record_roles=("rhi_worker",),
        shared_roles=("rhi_worker",),
    ),
)
RULES_BY_KIND = {rule.kind: rule for rule in RULES}


@dataclass(frozen=True)
class Actor:
    """Who is asking: the organisation they act for, and their role there."""

    organisation: str
    role: str


@dataclass(frozen=True)
class Agreement:
    """A member's data-sharing agreement with a co-operative, for one purpose."""

    id: int
    cooperative: str
    member: str
    purpose: str
    starts_on: date
    ends_on: date | None
    review_by: date
    ended_on: date | None = None


def in_force(agreement: Agreement, today: date) -> bool:
    """Started, not past its end date, and not ended early: only then does anything flow."""
    if agreement.ended_on is not None and agreement.ended_on <= today:
        return False
    if agreement.ends_on is not None and today > agreement.ends_on:
        return False
    return agreement.starts_on <= today


def status(agreement: Agreement, today: date) -> str:
    """In words: "ended", "expired", "not started", "review overdue" or "in force"."""
    if agreement.ended_on is not None and agreement.ended_on <= today:
        return "ended"
    if agreement.ends_on is not None and today > agreement.ends_on:
        return "expired"
    if agreement.starts_on > today:
        return "not started"
    # A review date past does not stop the sharing (the agreement says when it ends); it is shown.
    return "review overdue" if agreement.review_by < today else "in force"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str
    # The agreements a read of another organisation's record relied on (empty for one's own).
    agreements: tuple[int, ...] = ()

    @property
    def shared(self) -> bool:
        """Allowed only because of agreements: a cross-organisation read, to be audited."""
        return self.allowed and bool(self.agreements)


def _name(code: str, names: Mapping[str, str]) -> str:
    return names.get(code, code)


def decide(
    actor: Actor,
    action: str,
    kind: str,
    owner: str | None,
    agreements: Iterable[Agreement],
    today: date,
    names: Mapping[str, str] | None = None,
    named: str | None = None,
) -> Verdict:
    """May `actor` `action` ("read", "write", "take_place", "acknowledge", "record") a record of `kind`
    owned by `owner`? `named` is the organisation the record names, for rules that the law
    lets it read (`Rule.by_law`)."""
    rule = RULES_BY_KIND[kind]
    names = names or {}
    if action == ACKNOWLEDGE:
        if rule.by_law is None:
            raise ValueError(f"a {kind} is not acknowledged")
        if actor.role not in rule.read_roles:
            return Verdict(False, f"a {actor.role.replace('_', ' ')} may not acknowledge a {kind}")
        if named is None or actor.organisation != named:
            return Verdict(False, f"only {_name(named or '?', names)} acknowledges this {kind}")
        return Verdict(True, f"by law: {rule.by_law}")
    if action == RECORD:
        return _record(actor, rule, owner, agreements, today, names, named)
    if action == TAKE_PLACE:
        if kind != "placement":
            raise ValueError(f"only a placement has places to take, not a {kind}")
        action = READ
    roles = rule.write_roles if action == WRITE else rule.read_roles
    if actor.role not in roles:
        return Verdict(False, f"a {actor.role.replace('_', ' ')} may not {action} a {kind}")
    if owner is None:
        # Only rows stored before an owner was known (decision 0080): readable, never written.
        if action == WRITE:
            return Verdict(
                False, f"this {kind} has no owner: the server's operator must give it one first (agreements give-owner)"
            )
        return Verdict(True, "no owner")
    if owner == actor.organisation:
        return Verdict(True, "own record")
    if action == READ and rule.by_law is not None and named is not None and actor.organisation == named:
        return Verdict(True, f"by law: {rule.by_law}")
    if action == WRITE:
        return Verdict(False, f"it belongs to {_name(owner, names)}: only they change it")
    if rule.purpose is None:
        return Verdict(False, f"it belongs to {_name(owner, names)} and is not shared")
    if rule.shared_roles is not None and actor.role not in rule.shared_roles:
        return Verdict(
            False, f"it belongs to {_name(owner, names)} and is not shared with a {actor.role.replace('_', ' ')}"
        )
    relied = _sharing(actor.organisation, owner, rule.purpose, agreements, today, rule.cooperative_only)
    if relied is None:
        return Verdict(
            False,
            f"it belongs to {_name(owner, names)}, with no agreement in force for {rule.purpose.replace('_', ' ')}",
        )
    return Verdict(True, f"shared by {_name(owner, names)} for {rule.purpose.replace('_', ' ')}", relied)


def _record(
    actor: Actor,
    rule: Rule,
    owner: str | None,
    agreements: Iterable[Agreement],
    today: date,
    names: Mapping[str, str],
    named: str | None,
) -> Verdict:
    """A commissioned organisation records on the owner's record: named by it, and shared with."""
    if actor.role not in rule.record_roles:
        return Verdict(False, f"a {actor.role.replace('_', ' ')} may not record on a {rule.kind}")
    if owner is None or rule.purpose is None:
        return Verdict(False, f"this {rule.kind} is not shared")
    if named is None or actor.organisation != named:
        return Verdict(False, f"this {rule.kind} is not for {_name(actor.organisation, names)}")
    relied = _sharing(actor.organisation, owner, rule.purpose, agreements, today)
    if relied is None:
        return Verdict(
            False,
            f"it belongs to {_name(owner, names)}, with no agreement in force for {rule.purpose.replace('_', ' ')}",
        )
    return Verdict(True, f"commissioned, shared by {_name(owner, names)} for {rule.purpose.replace('_', ' ')}", relied)


def _sharing(
    reader: str,
    owner: str,
    purpose: str,
    agreements: Iterable[Agreement],
    today: date,
    cooperative_only: bool = False,
) -> tuple[int, ...] | None:
    """The agreement ids that let `reader` read `owner`'s records for `purpose`, or None."""
    current = [a for a in agreements if a.purpose == purpose and in_force(a, today)]
    # A co-operative reads what a member shares with it: the member's agreement is with it.
    for a in sorted(current, key=lambda a: a.id):
        if a.cooperative == reader and a.member == owner:
            return (a.id,)
    if cooperative_only:
        return None
    reader_in = {a.cooperative: a.id for a in sorted(current, key=lambda a: a.id) if a.member == reader}
    if owner in reader_in:  # the co-operative's own record
        return (reader_in[owner],)
    for a in sorted(current, key=lambda a: a.id):
        if a.member == owner and a.cooperative in reader_in:
            return (a.id, reader_in[a.cooperative])
    return None


def rules_markdown() -> str:
    """The rules as a Markdown page: `docs/access-rules.md` is this, word for word."""
    lines = [
        "# Who may read and write what",
        "",
        "Generated from `web/shared/services/access_policy.py` (`RULES`) by `rules_markdown()`;",
        "`tests/unit/test_access_policy.py` fails when this file differs, so do not edit it by hand.",
        "",
        "Every record has an owner. Only the owner's users write it, in the roles below. Another",
        "organisation reads it only for the purpose shown, and only while the owner and the reader",
        "each have a data-sharing agreement for that purpose in force in the same co-operative",
        "(a co-operative's own records need only the reader's agreement). An agreement is in force",
        "from its start date to its end date inclusive, unless ended early; an ended or expired",
        "agreement stops the sharing at once. Every read of another organisation's record is",
        "audited with the agreements that allowed it. A record with no owner (stored before its",
        "owner was known) is read by all and written by nobody. A decision takes a place on (and a",
        "refusal gives back to) any placement the authority may read: that is what placement",
        "finding shares; a place cannot be taken once the sharing has stopped. A co-operative",
        "reads what a member shares with it under the member's agreement alone; records shared",
        '"with the co-operative only" are never read by its other members.',
        "",
        "| record | shared for | who reads (own or shared) | shared only with | who writes (owner only) |",
        "|---|---|---|---|---|",
    ]
    for rule in RULES:
        purpose = rule.purpose.replace("_", " ") if rule.purpose else "never shared"
        if rule.purpose and rule.cooperative_only:
            purpose += ", with the co-operative only"
        lines.append(f"| {rule.what} | {purpose} | {_roles(rule.read_roles)} | {_roles(rule.write_roles)} |")
        only = _roles(rule.shared_roles) if rule.shared_roles is not None else "the readers"
        lines.append(f"| {rule.what} | {purpose} | {_roles(rule.read_roles)} | {only} | {_roles(rule.write_roles)} |")
    by_law = [rule for rule in RULES if rule.by_law]
    if by_law:
        lines += ["", "## Read by law, not by agreement", ""]
        lines += [f"- {rule.what}: read by {rule.by_law}." for rule in by_law]
    recorded = [rule for rule in RULES if rule.record_roles]
    if recorded:
        lines += ["", "## Recorded by a commissioned organisation", ""]
        lines += [
            f"- {rule.what}: recorded by the {_roles(rule.record_roles)} of the organisation it names "
            f"(commissioned for the area), under an agreement for {rule.purpose or 'no purpose'} in force "
            "between it and the owner."
            for rule in recorded
        ]
    lines += ["", "## Purposes", ""]
    lines += [f"- `{purpose}`: {PURPOSE_WORDS[purpose]}" for purpose in PURPOSES]
    return "\n".join(lines) + "\n"


def _roles(roles: tuple[str, ...]) -> str:
    if not roles:
        return "nobody (worked out, never written)"
    return "every role" if set(roles) == set(ALL_ROLES) else ", ".join(r.replace("_", " ") for r in roles)


if __name__ == "__main__":
    # `python -m web.shared.services.access_policy > docs/access-rules.md` regenerates the page.
    print(rules_markdown(), end="")
