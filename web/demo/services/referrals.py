"""The demo's referrals: the open ones, a history of placed and closed ones, and people to keep apart.

34 open referrals (sibling groups and emergencies among them; two built so that no safe
option exists, to show what the engine says then), made within the last 30 days, and a
history of placed and closed referrals laid out back from `ANCHOR`. The people a young
person is to be kept apart from are drawn here too, as a referral's panel would record
them: others linked to the same or a rival group, or residents of placements with vacancies.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from web.demo.services.builder import Builder, Child, ReferralPlan
from web.demo.services.drawing import ANCHOR, MANCHESTER, SALFORD, STOCKPORT, TAMESIDE, TRAFFORD
from web.models import PersonToAvoid, Referral


def plan_referrals(builder: Builder) -> None:
    """34 open referrals: five sibling groups, eight emergencies, two with no safe option."""
    plans = builder.plans
    plans.append(ReferralPlan(MANCHESTER, 3, "within_5_days", "specialist_siblings"))
    plans.append(ReferralPlan(MANCHESTER, 2, "later"))
    plans.append(ReferralPlan(SALFORD, 1, "within_5_days", "tight_distance"))
    plans.append(ReferralPlan(SALFORD, 2, "within_5_days"))
    plans.append(ReferralPlan(STOCKPORT, 3, "later"))
    plans.append(ReferralPlan(TAMESIDE, 2, "within_5_days"))
    solo = {MANCHESTER: 7, SALFORD: 5, TRAFFORD: 6, STOCKPORT: 5, TAMESIDE: 5}
    emergencies = {MANCHESTER: 2, SALFORD: 2, TRAFFORD: 1, STOCKPORT: 2, TAMESIDE: 1}
    for authority, n in solo.items():
        for i in range(n):
            needed_by = "today" if i < emergencies[authority] else builder.pick({"within_5_days": 5, "later": 4})
            plans.append(ReferralPlan(authority, 1, needed_by))


def make_people_to_avoid(builder: Builder) -> None:
    rng = builder.rng
    by_group: dict[str, list[Child]] = defaultdict(list)
    for child in builder.children:
        for info in child.groups:
            by_group[info.group.code].append(child)
    vacant_residents = [
        r for p in builder.placements if p.vacancies > 0 and p.status == "active" for r in builder.residents[p.code]
    ]
    for child in builder.children:
        if not builder.chance(0.45 if child.role == "open" else 0.25):
            continue
        options: list[tuple[str, str]] = []
        for info in child.groups:
            for other in by_group[info.group.code]:
                if other is not child and other not in child.siblings:
                    if other.age > child.age + 1:
                        options.append((other.person.reference, "Believed to recruit for the group; keep apart"))
                    else:
                        options.append((other.person.reference, "Exploited by the same group; keep apart"))
            for rival in info.rivals:
                for other in by_group[rival.group.code]:
                    options.append((other.person.reference, f"Linked to a group in conflict with {info.group.label}"))
        if "sexual_exploitation" in child.person.risks:
            others = [c for c in builder.children if c is not child and c.age >= child.age + 1 and c.placement]
            if others:
                options.append((rng.choice(others).person.reference, "Concern about sexual exploitation; keep apart"))
        if vacant_residents:
            options.append((rng.choice(vacant_residents), "Previous violent incident between them"))
        if not options:
            continue
        seen: set[str] = set()
        for reference, reason in rng.sample(options, min(len(options), rng.choice((1, 1, 2)))):
            if reference in seen or reference == child.person.reference:
                continue
            seen.add(reference)
            child.person.people_to_avoid.append(PersonToAvoid(person_reference=reference, reason=reason))


def make_referrals(builder: Builder) -> None:
    rng = builder.rng
    plans = sorted(builder.plans, key=lambda p: (rng.random(), p.authority))
    number = 0
    for plan in plans:
        number += 1
        builder.referrals.append(_open_referral(builder, f"R-{number:04d}", plan))
    history = [c for c in builder.children if c.role in ("placed", "closed")]
    for child in history:
        number += 1
        builder.referrals.append(_past_referral(builder, f"R-{number:04d}", child))
    builder.referrals.sort(key=lambda r: r.reference)


def _settings_for(builder: Builder, ages: list[int], risks: set[str]) -> dict[str, str]:
    youngest, eldest = min(ages), max(ages)
    if youngest >= 16:
        return dict(
            builder.rng.choice(
                (
                    {
                        "supported": "preferred",
                        "foster": "suitable",
                        "residential": "suitable",
                        "secure": "unsuitable",
                    },
                    {"foster": "preferred", "supported": "suitable", "secure": "unsuitable"},
                    {"residential": "preferred", "supported": "suitable", "secure": "unsuitable"},
                )
            )
        )
    settings = {"supported": "unsuitable", "secure": "unsuitable"}
    if eldest < 11:
        settings.update({"foster": "preferred", "residential": "unsuitable"})
    elif "criminal_exploitation" in risks and builder.chance(0.4):
        settings.update({"residential": "preferred", "foster": "suitable"})
    else:
        settings.update({"foster": "preferred", "residential": "suitable"})
    return settings


def _open_referral(builder: Builder, reference: str, plan: ReferralPlan) -> Referral:
    rng = builder.rng
    children = plan.children
    risks = {r for c in children for r in c.person.risks}
    ages = [c.age for c in children]
    settings = _settings_for(builder, ages, risks)
    required: list[str] = []
    preferred: list[str] = [s for s in ("criminal_exploitation", "sexual_exploitation", "going_missing") if s in risks]
    preferred = rng.sample(preferred, min(2, len(preferred)))
    solo = False
    max_km: float | None = None
    notes: list[str] = []
    if plan.designed == "specialist_siblings":
        settings = {
            "foster": "preferred",
            "residential": "unsuitable",
            "supported": "unsuitable",
            "secure": "unsuitable",
        }
        required = ["criminal_exploitation", "sibling_group"]
        preferred = ["going_missing"]
        notes.append(
            "Three siblings to stay together. The eldest is criminally exploited; the panel asks for "
            "specialist foster carers who can take all three."
        )
    elif plan.designed == "tight_distance":
        max_km = 15.0
        notes.append(
            "Family ask for a placement within 15 km of home to keep contact and school; police advise "
            "distance from the group's area."
        )
    else:
        if len(children) > 1:
            notes.append(
                "Siblings to be placed together"
                + ("; the eldest is at risk of exploitation." if "criminal_exploitation" in risks else ".")
            )
            if builder.chance(0.4):
                preferred.append("sibling_group")
        if "criminal_exploitation" in risks and len(children) == 1 and min(ages) >= 13 and builder.chance(0.22):
            required.append("criminal_exploitation")
            settings.update({"residential": "preferred"} if settings.get("residential") != "unsuitable" else {})
        solo_risks = {"physical_harm_to_others", "sexual_exploitation"} & risks
        # Solo and a required specialism together leave almost nothing: real panels rarely ask both.
        if len(children) == 1 and solo_risks and not required and builder.chance(0.35):
            solo = True
            notes.append("Solo placement recommended after incidents with other young people.")
        if builder.chance(0.25):
            max_km = float(rng.choice((80, 100, 120, 150)))
        if "therapeutic" not in preferred and builder.chance(0.2):
            preferred.append("therapeutic")
        notes.append(_referral_story(builder, children[0], plan.needed_by))
    if any(c.age < 16 for c in children):
        settings["supported"] = "unsuitable"
    created_day = builder.today - timedelta(days=rng.randint(0, 1) if plan.needed_by == "today" else rng.randint(1, 29))
    return Referral(
        reference=reference,
        authority_code=plan.authority,
        status="open",
        needed_by=plan.needed_by,
        settings=settings,
        required_specialisms=required,
        preferred_specialisms=sorted(set(preferred)),
        solo=solo,
        max_km_from_home=max_km,
        notes=" ".join(notes),
        created_at=builder.at(created_day),
        young_people=[c.person for c in children],
    )


def _referral_story(builder: Builder, child: Child, needed_by: str) -> str:
    risks = set(child.person.risks)
    episodes = len(child.person.missing_episodes)
    parts = []
    if needed_by == "today":
        parts.append(
            builder.rng.choice(
                (
                    "Emergency: the current placement ended today after an incident.",
                    "Emergency: police protection powers used overnight.",
                    "Emergency: family home no longer safe after threats.",
                )
            )
        )
    if episodes >= 3:
        parts.append(f"{episodes} missing episodes this year; repeat missing raises concern.")
    if child.groups and "criminal_exploitation" in risks:
        parts.append("Police concerned about county lines exploitation; distance from the group's areas advised.")
    elif "sexual_exploitation" in risks:
        parts.append("At risk of sexual exploitation; safety plan with the exploitation team.")
    if child.age in (14, 15):
        parts.append("Key Stage 4: keep the school place if at all possible.")
    if not parts:
        parts.append("Placement at home has broken down; family support continues.")
    return " ".join(parts)


def _past_referral(builder: Builder, reference: str, child: Child) -> Referral:
    rng = builder.rng
    created = ANCHOR - timedelta(days=rng.randint(20, 300))
    if child.role == "placed":
        assert child.placement is not None
        status = "placed"
        notes = f"Placed at {child.placement.code} ({child.placement.label})."
    else:
        status = "closed"
        notes = rng.choice(
            (
                "Closed: returned home with a safety plan and family support.",
                "Closed: placed with a connected person (grandmother) under a family arrangement.",
                "Closed: needs met by the edge-of-care team without a move.",
            )
        )
    return Referral(
        reference=reference,
        authority_code=child.person.responsible_authority_code,
        status=status,
        needed_by=builder.pick({"today": 2, "within_5_days": 4, "later": 4}),
        settings=_settings_for(builder, [child.age], set(child.person.risks)),
        required_specialisms=[],
        preferred_specialisms=[s for s in ("criminal_exploitation", "going_missing") if s in child.person.risks],
        solo=False,
        max_km_from_home=None,
        notes=notes,
        created_at=builder.at(created),
        young_people=[child.person],
    )
