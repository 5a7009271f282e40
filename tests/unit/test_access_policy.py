"""The access policy: owners write, others read only under an agreement in force for the purpose."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from web.shared.services import access_policy as policy
from web.shared.services.access_policy import Actor, Agreement

MANCHESTER, SALFORD, BOLTON, COOP = "E08000003", "E08000006", "E08000001", "COOP-GM"
TODAY = date(2026, 12, 2)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "access-rules.md"


def _agreement(
    id: int,
    member: str,
    purpose: str = "intelligence",
    starts_on: date = date(2026, 1, 1),
    ends_on: date | None = None,
    ended_on: date | None = None,
    review_by: date = date(2027, 6, 1),
) -> Agreement:
    return Agreement(id, COOP, member, purpose, starts_on, ends_on, review_by, ended_on)


def _read(
    owner: str | None, agreements: list[Agreement], kind: str = "area", role: str = "placement_officer"
) -> policy.Verdict:
    return policy.decide(Actor(MANCHESTER, role), policy.READ, kind, owner, agreements, TODAY)


def test_the_owner_reads_and_writes_its_own_records_in_the_roles_allowed() -> None:
    assert _read(MANCHESTER, []).allowed and not _read(MANCHESTER, []).shared
    write = policy.decide(Actor(MANCHESTER, "placement_officer"), policy.WRITE, "placement", MANCHESTER, [], TODAY)
    assert write.allowed
    social_worker = policy.decide(Actor(MANCHESTER, "social_worker"), policy.WRITE, "placement", MANCHESTER, [], TODAY)
    assert not social_worker.allowed and "social worker may not write" in social_worker.reason


def test_nobody_else_writes_even_under_an_agreement() -> None:
    both = [_agreement(1, SALFORD, "placement_finding"), _agreement(2, MANCHESTER, "placement_finding")]
    verdict = policy.decide(
        Actor(SALFORD, "placement_officer"),
        policy.WRITE,
        "placement",
        MANCHESTER,
        both,
        TODAY,
        {MANCHESTER: "Manchester"},
    )
    assert not verdict.allowed and verdict.reason == "it belongs to Manchester: only they change it"


def test_another_owners_records_are_read_only_when_both_have_an_agreement_for_the_purpose() -> None:
    assert not _read(SALFORD, []).allowed
    assert not _read(SALFORD, [_agreement(1, SALFORD)]).allowed  # Manchester has not signed
    assert not _read(SALFORD, [_agreement(2, MANCHESTER)]).allowed  # Salford has not signed
    verdict = _read(SALFORD, [_agreement(1, SALFORD), _agreement(2, MANCHESTER)])
    assert verdict.allowed and verdict.shared and verdict.agreements == (1, 2)


def test_an_agreement_for_another_purpose_shares_nothing() -> None:
    placement_finding = [_agreement(1, SALFORD, "placement_finding"), _agreement(2, MANCHESTER, "placement_finding")]
    assert not _read(SALFORD, placement_finding, kind="area").allowed
    assert _read(SALFORD, placement_finding, kind="placement").allowed


def test_an_expired_ended_or_not_yet_started_agreement_stops_the_sharing_at_once() -> None:
    mine = _agreement(2, MANCHESTER)
    assert _read(SALFORD, [_agreement(1, SALFORD, ends_on=TODAY), mine]).allowed  # its last day
    assert not _read(SALFORD, [_agreement(1, SALFORD, ends_on=date(2026, 12, 1)), mine]).allowed
    assert not _read(SALFORD, [_agreement(1, SALFORD, ended_on=TODAY), mine]).allowed
    assert not _read(SALFORD, [_agreement(1, SALFORD, starts_on=date(2026, 12, 3)), mine]).allowed


def test_a_review_date_past_is_shown_but_does_not_stop_the_sharing() -> None:
    overdue = _agreement(1, SALFORD, review_by=date(2026, 11, 1))
    assert policy.status(overdue, TODAY) == "review overdue"
    assert _read(SALFORD, [overdue, _agreement(2, MANCHESTER)]).allowed
    assert [
        policy.status(a, TODAY)
        for a in (
            _agreement(1, SALFORD),
            _agreement(1, SALFORD, ends_on=date(2026, 12, 1)),
            _agreement(1, SALFORD, ended_on=TODAY),
            _agreement(1, SALFORD, starts_on=date(2027, 1, 1)),
        )
    ] == ["in force", "expired", "ended", "not started"]


def test_agreements_in_different_co_operatives_share_nothing() -> None:
    other = Agreement(2, "COOP-SE", MANCHESTER, "intelligence", date(2026, 1, 1), None, date(2027, 1, 1))
    assert not _read(SALFORD, [_agreement(1, SALFORD), other]).allowed


def test_a_co_operatives_own_records_need_only_the_readers_agreement() -> None:
    verdict = _read(COOP, [_agreement(5, MANCHESTER, "placement_finding")], kind="placement")
    assert verdict.allowed and verdict.agreements == (5,)
    assert not _read(COOP, [], kind="placement").allowed


def test_a_place_is_taken_wherever_the_placement_is_shared_for_placement_finding() -> None:
    def take(agreements: list[Agreement]) -> bool:
        actor = Actor(MANCHESTER, "social_worker")  # not a writing role: taking a place is not a write
        return policy.decide(actor, policy.TAKE_PLACE, "placement", SALFORD, agreements, TODAY).allowed

    both = [_agreement(1, SALFORD, "placement_finding"), _agreement(2, MANCHESTER, "placement_finding")]
    assert take(both) and not take([]) and not take([_agreement(1, SALFORD, "intelligence"), both[1]])
    with pytest.raises(ValueError):
        policy.decide(Actor(MANCHESTER, "admin"), policy.TAKE_PLACE, "area", MANCHESTER, [], TODAY)


def test_a_record_with_no_owner_is_read_by_all_and_written_by_nobody() -> None:
    assert _read(None, []).allowed and not _read(None, []).shared
    assert not policy.decide(Actor(MANCHESTER, "admin"), policy.WRITE, "area", None, [], TODAY).allowed


def test_agreements_are_never_shared_and_only_administrators_change_them() -> None:
    both = [_agreement(1, SALFORD), _agreement(2, MANCHESTER)]
    assert not _read(SALFORD, both, kind="agreement", role="admin").allowed
    assert not _read(MANCHESTER, [], kind="agreement", role="placement_officer").allowed
    assert policy.decide(Actor(MANCHESTER, "admin"), policy.WRITE, "agreement", MANCHESTER, [], TODAY).allowed


@pytest.mark.parametrize("rule", policy.RULES, ids=lambda r: r.kind)
def test_every_rule_lets_only_the_owner_write(rule: policy.Rule) -> None:
    everyone = [_agreement(i, member, purpose) for i, (member, purpose) in enumerate(
        [(m, p) for m in (MANCHESTER, SALFORD, BOLTON) for p in policy.PURPOSES]
    )]  # fmt: skip
    for role in policy.ALL_ROLES:
        for owner in (SALFORD, BOLTON, COOP):
            assert not policy.decide(Actor(MANCHESTER, role), policy.WRITE, rule.kind, owner, everyone, TODAY).allowed


def test_the_access_rules_page_is_generated_from_the_rules() -> None:
    """docs/access-rules.md is `rules_markdown()`; regenerate it with
    `python -m web.shared.services.access_policy > docs/access-rules.md`."""
    assert DOCS.read_text(encoding="utf-8") == policy.rules_markdown()


def test_a_host_notification_is_read_by_the_host_it_names_by_law_and_acknowledged_by_it_alone() -> None:
    """Reg 13: no agreement is needed for the host authority to read the notification naming it."""
    from web.shared.services.access_policy import ACKNOWLEDGE, READ, WRITE, decide

    today = TODAY
    placing, host, other = "E08000003", "E10000007", "E08000006"

    def verdict(organisation: str, role: str, action: str) -> bool:
        return decide(Actor(organisation, role), action, "host_notification", placing, (), today, named=host).allowed

    assert verdict(placing, "social_worker", READ) and verdict(placing, "social_worker", WRITE)
    assert verdict(host, "social_worker", READ) and verdict(host, "director", READ)
    assert decide(Actor(host, "admin"), READ, "host_notification", placing, (), today, named=host).reason.startswith(
        "by law"
    )
    assert not verdict(other, "social_worker", READ)  # another authority: no law, no agreement
    assert not verdict(host, "commissioner", READ)  # not a casework role
    assert not verdict(host, "social_worker", WRITE)  # only the placing authority sends
    assert verdict(host, "placement_officer", ACKNOWLEDGE)
    assert not verdict(placing, "social_worker", ACKNOWLEDGE)
    assert not verdict(other, "social_worker", ACKNOWLEDGE)
