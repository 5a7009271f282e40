"""Loading the shipped reference tables (data/reference/) into the database."""

from __future__ import annotations

import csv

from planner.authorities import REFERENCE_DIR
from web import db
from web.models import LocalAuthority, Organisation
from web.shared.repositories import authorities


def load_authorities() -> int:
    """Insert or update the 153 English children's-services authorities, and the 54 Welsh and
    Scottish councils (a placement there needs reg 11 approval too); returns the count.

    A Welsh or Scottish council's region is its country (`W92000004` Wales, `S92000003`
    Scotland), so reports grouped by region show it apart from the English regions.
    """
    with open(REFERENCE_DIR / "authorities.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with open(REFERENCE_DIR / "authorities_wales_scotland.csv", newline="", encoding="utf-8") as fh:
        rows += [
            {**row, "region_code": row["country_code"], "region_name": row["country"]} for row in csv.DictReader(fh)
        ]
    for row in rows:
        authorities.add_authority(
            LocalAuthority(
                gss_code=row["gss_code"],
                name=row["name"],
                region_code=row["region_code"],
                region_name=row["region_name"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
            )
        )
        # Every authority is also an organisation, so an owner or an agreement's member is
        # one kind of code whether it is an authority, a co-operative or a police force.
        authorities.add_organisation(Organisation(code=row["gss_code"], name=row["name"], kind="local_authority"))
    db.commit()
    return len(rows)
