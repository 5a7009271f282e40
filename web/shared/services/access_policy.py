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
    """May `actor` `action` ("read", "write", "take_place", "acknowledge") a record of `kind`
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
    relied = _sharing(actor.organisation, owner, rule.purpose, agreements, today)
    if relied is None:
        return Verdict(
            False,
            f"it belongs to {_name(owner, names)}, with no agreement in force for {rule.purpose.replace('_', ' ')}",
        )
    return Verdict(True, f"shared by {_name(owner, names)} for {rule.purpose.replace('_', ' ')}", relied)


def _sharing(
    reader: str, owner: str, purpose: str, agreements: Iterable[Agreement], today: date
) -> tuple[int, ...] | None:
    """The agreement ids that let `reader` read `owner`'s records for `purpose`, or None."""
    current = [a for a in agreements if a.purpose == purpose and in_force(a, today)]
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
        "finding shares; a place cannot be taken once the sharing has stopped.",
        "",
        "| record | shared for | who reads (own or shared) | who writes (owner only) |",
        "|---|---|---|---|",
    ]
    for rule in RULES:
        purpose = rule.purpose.replace("_", " ") if rule.purpose else "never shared"
        lines.append(f"| {rule.what} | {purpose} | {_roles(rule.read_roles)} | {_roles(rule.write_roles)} |")
    by_law = [rule for rule in RULES if rule.by_law]
    if by_law:
        lines += ["", "## Read by law, not by agreement", ""]
        lines += [f"- {rule.what}: read by {rule.by_law}." for rule in by_law]
    lines += ["", "## Purposes", ""]
    lines += [f"- `{purpose}`: {PURPOSE_WORDS[purpose]}" for purpose in PURPOSES]
    return "\n".join(lines) + "\n"


def _roles(roles: tuple[str, ...]) -> str:
    return "every role" if set(roles) == set(ALL_ROLES) else ", ".join(r.replace("_", " ") for r in roles)


if __name__ == "__main__":
    # `python -m web.shared.services.access_policy > docs/access-rules.md` regenerates the page.
    print(rules_markdown(), end="")
