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


def test_a_co_operative_reads_a_members_needs_on_the_members_agreement_alone() -> None:
    """The co-operative is the other party to a member's agreement: no agreement of its own is needed."""
    finding = [_agreement(7, SALFORD, "placement_finding")]
    officer = Actor(COOP, "cooperative_officer")
    verdict = policy.decide(officer, policy.READ, "referral_needs", SALFORD, finding, TODAY)
    assert verdict.allowed and verdict.shared and verdict.agreements == (7,)
    # Not for another purpose, not once expired, and not for a role the rule does not name.
    assert not policy.decide(officer, policy.READ, "referral_needs", SALFORD, [_agreement(7, SALFORD)], TODAY).allowed
    expired = [_agreement(7, SALFORD, "placement_finding", ends_on=date(2026, 12, 1))]
    assert not policy.decide(officer, policy.READ, "referral_needs", SALFORD, expired, TODAY).allowed
    commissioner = Actor(COOP, "cooperative_commissioner")
    assert not policy.decide(commissioner, policy.READ, "referral_needs", SALFORD, finding, TODAY).allowed
    # Never written by the co-operative.
    assert not policy.decide(officer, policy.WRITE, "referral_needs", SALFORD, finding, TODAY).allowed


def test_what_is_shared_with_the_co_operative_only_is_never_read_by_a_fellow_member() -> None:
    """Placements flow between members; referral needs and sufficiency figures stop at the co-operative."""
    both = [_agreement(1, SALFORD, "placement_finding"), _agreement(2, MANCHESTER, "placement_finding")]
    assert _read(SALFORD, both, "placement").allowed
    assert not _read(SALFORD, both, "referral_needs").allowed
    sufficiency = [_agreement(3, SALFORD, "sufficiency"), _agreement(4, MANCHESTER, "sufficiency")]
    assert not _read(SALFORD, sufficiency, "sufficiency_figures", "commissioner").allowed
    coop = Actor(COOP, "cooperative_commissioner")
    assert policy.decide(coop, policy.READ, "sufficiency_figures", SALFORD, sufficiency, TODAY).agreements == (3,)
    # A regional panel run is the co-operative's own and shared with nobody.
    assert not _read(COOP, both, "regional_panel_run", "placement_officer").allowed


GMP, PROVIDER = "E23000005", "RHI-GM"


def test_missing_episodes_are_shared_with_the_force_only_under_a_missing_from_care_agreement() -> None:
    both = [_agreement(1, MANCHESTER, "missing_from_care"), _agreement(2, GMP, "missing_from_care")]

    def read(organisation: str, role: str, agreements: list[Agreement]) -> policy.Verdict:
        return policy.decide(Actor(organisation, role), policy.READ, "missing_episode", MANCHESTER, agreements, TODAY)

    shared = read(GMP, "missing_persons_coordinator", both)
    assert shared.allowed and shared.agreements == (1, 2)
    assert not read(GMP, "missing_persons_coordinator", both[1:]).allowed  # the placer has not signed
    ended = [_agreement(1, MANCHESTER, "missing_from_care", ended_on=TODAY), both[1]]
    assert not read(GMP, "missing_persons_coordinator", ended).allowed  # ended today: stopped at once
    assert not read(GMP, "missing_persons_coordinator", [_agreement(1, MANCHESTER), _agreement(2, GMP)]).allowed
    # The agreement does not open another authority's casework to their social workers.
    salford = [both[0], _agreement(3, SALFORD, "missing_from_care")]
    refused = read(SALFORD, "social_worker", salford)
    assert not refused.allowed and "not shared with a social worker" in refused.reason
    assert read(MANCHESTER, "social_worker", []).allowed  # its own
    assert not policy.decide(
        Actor(GMP, "missing_persons_coordinator"), policy.WRITE, "missing_episode", MANCHESTER, both, TODAY
    ).allowed


def test_a_provider_records_an_interview_only_where_commissioned_and_shared_with() -> None:
    both = [_agreement(1, MANCHESTER, "missing_from_care"), _agreement(2, PROVIDER, "missing_from_care")]

    def record(organisation: str, role: str, agreements: list[Agreement], named: str | None) -> policy.Verdict:
        return policy.decide(
            Actor(organisation, role), policy.RECORD, "return_home_interview", MANCHESTER, agreements, TODAY,
            named=named,
        )  # fmt: skip

    allowed = record(PROVIDER, "rhi_worker", both, PROVIDER)
    assert allowed.allowed and allowed.agreements == (1, 2)
    assert not record(PROVIDER, "rhi_worker", both, None).allowed  # not commissioned for the area
    assert not record(PROVIDER, "rhi_worker", both, "RHI-OTHER").allowed
    assert not record(PROVIDER, "rhi_worker", both[1:], PROVIDER).allowed  # the placer has not signed
    assert not record(GMP, "missing_persons_coordinator", both, GMP).allowed  # not a provider's role
    assert not policy.decide(
        Actor(PROVIDER, "rhi_worker"), policy.WRITE, "return_home_interview", MANCHESTER, both, TODAY
    ).allowed  # recording is not owning


def test_a_police_notice_is_read_by_the_force_it_names_without_an_agreement() -> None:
    def verdict(organisation: str, role: str, action: str) -> bool:
        return policy.decide(
            Actor(organisation, role), action, "police_notification", MANCHESTER, (), TODAY, named=GMP
        ).allowed

    assert verdict(GMP, "missing_persons_coordinator", policy.READ)
    assert verdict(GMP, "missing_persons_coordinator", policy.ACKNOWLEDGE)
    assert not verdict("E23000018", "missing_persons_coordinator", policy.READ)
    assert not verdict(GMP, "rhi_worker", policy.READ)
    assert verdict(MANCHESTER, "social_worker", policy.READ) and not verdict(
        MANCHESTER, "social_worker", policy.ACKNOWLEDGE
    )
