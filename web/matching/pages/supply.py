"""Placement supply across the consortium (places, not children)."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.matching.services.supply import supply_table
from web.shared.pages.access import require_roles

blueprint = Blueprint("supply", __name__)
require_roles(blueprint)


@blueprint.route("/supply")
def supply() -> str:
    rows = supply_table()
    totals = {
        "placements": sum(r.placements for r in rows),
        "capacity": sum(r.capacity for r in rows),
        "vacancies": sum(r.vacancies for r in rows),
    }
    return render_template("supply.html", rows=rows, totals=totals)
