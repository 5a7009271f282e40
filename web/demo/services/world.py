"""The seeded synthetic demo world: a consortium of five North West authorities.

`generate(seed)` fills an empty database with a plausible, entirely synthetic world
for demonstrations and manual testing (`flask --app wsgi demo-data --seed 1`):

* a consortium of Manchester, Salford, Trafford, Stockport and Tameside sharing a pool
  of 400+ placements, most in the consortium and the rest across the North West (some
  adjoining, some "at a distance"), so reg 11 approvals vary (`placements`);
* 14 invented groups with rivalries, and 40+ gang-affected areas with generic labels
  ("Area 07 (Manchester)"): territories inside the consortium, county-lines destinations
  in other North West towns (`intelligence`);
* 180 young people known by pseudonymous references only ("YP-0001"), with risks, group
  links, support networks, personal risk locations and missing episodes with return home
  interviews (`young_people`), living in placements (`residents`), and people to keep
  apart from (`referrals`);
* 34 open referrals (sibling groups and emergencies among them; two built so that no
  safe option exists, to show what the engine says then) and a history of placed and
  closed ones (`referrals`);
* one story built after every draw: a 181st child, from Manchester, whose nan lives in
  Salford, with the Salford foster carers that suit them (`family_in_salford`);
* demo accounts, one per role in Manchester plus a placement officer and a social worker
  in Salford, so the denial of another authority's records can be shown (`users`).

Places are real: homes, placements and areas sit at real LSOA population-weighted
centroids (`data/reference/lsoa_points_north_west.csv`) moved by up to 300 m, so the
maps look like the region (`drawing`). Everything about people, groups, providers and
intelligence is invented (`names`). Group links are drawn independently of ethnicity, so
the demo world carries no disproportion of its own for the commissioners' checks to find.

Determinism. Every random choice comes from one `random.Random(seed)`, drawn in a fixed
order (the order `_build` calls the parts in), so the same seed and the same `today`
give the same rows (demo passwords aside: they are random and reset by
`flask demo-passwords`). Dates are of two kinds:

* Histories are laid out back from a fixed anchor, `ANCHOR` (1 November 2026): missing
  episodes and return home interviews, residents' move-in dates, placed and closed
  referrals, when areas and placements were last updated. They never change.
* Dates the engine and the pages judge against *now* are relative to the day of seeding
  (`today`, default `date.today()`), so the demo stays usable whenever it is seeded:
  review dates of intelligence (mostly ahead; a few deliberately past, so the warnings
  about stale intelligence show), dates of birth (every child is 10 to 17 on the day,
  which the engine requires) and when the open referrals were made (within 30 days).
  Pass `today` to pin these too.
"""

from __future__ import annotations

import random
from datetime import date

from web import db
from web.casework.repositories import referrals as referral_repository
from web.casework.repositories import young_people as young_person_repository
from web.demo.services import agreements as demo_agreements
from web.demo.services import family_in_salford, intelligence, placements, referrals, residents, users, young_people
from web.demo.services import missing_from_care as demo_missing_from_care
from web.demo.services.builder import Builder
from web.demo.services.drawing import ANCHOR, MANCHESTER
from web.matching.repositories import placements as placement_repository
from web.shared.repositories import authorities
from web.shared.repositories import intelligence as intelligence_repository
from web.shared.services import reference_data


def is_empty() -> bool:
    """True when no young people are stored yet (so demo data may be seeded)."""
    return young_person_repository.count_young_people() == 0


def generate(seed: int, today: date | None = None) -> dict[str, int]:
    """Seed the synthetic demo world in one transaction; returns counts of what was made.

    Loads the reference authorities first if they are missing. Refuses a database that
    already holds young people (references would collide), and a `today` before `ANCHOR`
    (histories would lie in the future). On any error nothing is kept.
    """
    today = today or date.today()
    if today < ANCHOR:
        raise ValueError(f"today ({today}) is before the demo world's histories end ({ANCHOR}); seed on a later day")
    if authorities.get_authority(MANCHESTER) is None:
        reference_data.load_authorities()
    if not is_empty():
        raise RuntimeError("The database already holds young people; demo data is only seeded into an empty one.")
    try:
        builder = Builder(random.Random(seed), today)
        summary = _build(builder)
        summary.update(demo_agreements.seed(today, builder.area_authority))
        # The co-operative's own people need the co-operative, which the agreements add.
        summary["co-operative users"] = users.make_cooperative_users()
        summary.update(demo_missing_from_care.seed(today))
        summary["demo users"] += users.make_partner_users()
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return summary


def _build(builder: Builder) -> dict[str, int]:
    """Build every part in the one order that keeps a seed's world the same, then store it."""
    n_users = users.make_users()
    intelligence.make_groups(builder)
    intelligence.make_areas(builder)
    intelligence.make_rivalries(builder)
    placements.make_placements(builder)
    referrals.plan_referrals(builder)
    young_people.make_young_people(builder)
    residents.house_children(builder)
    residents.fill_residents(builder)
    referrals.make_people_to_avoid(builder)
    referrals.make_referrals(builder)
    # After every draw, so the seeded world is unchanged by it.
    family_in_salford.add_story(builder)

    for item in [g.group for g in builder.groups] + builder.rivalries + builder.areas:
        intelligence_repository.add(item)
    for placement in builder.placements:
        placement_repository.add_placement(placement)
    for child in builder.children:
        young_person_repository.add_young_person(child.person)
    for referral in builder.referrals:
        referral_repository.add_referral(referral)

    people = [c.person for c in builder.children]
    return {
        "placements": len(builder.placements),
        "current residents": sum(len(p.residents) for p in builder.placements),
        "groups": len(builder.groups),
        "rivalries": len(builder.rivalries),
        "areas": len(builder.areas),
        "young people": len(people),
        "support links": sum(len(p.support_links) for p in people),
        "risk locations": sum(len(p.risk_locations) for p in people),
        "people to keep apart": sum(len(p.people_to_avoid) for p in people),
        "missing episodes": sum(len(p.missing_episodes) for p in people),
        "open referrals": sum(r.status == "open" for r in builder.referrals),
        "placed or closed referrals": sum(r.status != "open" for r in builder.referrals),
        "demo users": n_users,
    }
