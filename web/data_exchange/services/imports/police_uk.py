"""Importer `police_uk`: police.uk street-level crime counted into suggested areas for review.

It reads one police.uk street-level CSV, counts drug, weapon, violence and robbery
offences by LSOA (`planner.crime_counts`) and writes the LSOAs with the most as
`SuggestedArea` rows of the importing authority, status "suggested". It never writes
an `Area`: a suggestion reaches a ranking only when a person confirms it on the
suggested areas page, with a generic label, a source, a confidence and a review date.
How many are suggested, and the fewest offences that count, are the settings
POLICE_UK_SUGGESTIONS and POLICE_UK_MIN_OFFENCES.

A force's file covers several authorities, so each LSOA is given to the upper-tier
authority it lies in (`data/reference/lsoa_authorities.csv`, from ONS): only the
importing authority's LSOAs become its suggestions, and the offences in other
authorities' LSOAs are reported by authority (that authority imports the same file for
its own). Importing the same months again adds nothing twice: an LSOA the authority
already has a suggestion for, over the same months, is reported, not added, whatever
became of the first one (still to review, confirmed or dismissed).
"""

from __future__ import annotations

from flask import current_app

from planner.authorities import authority_name, lsoa_authorities
from planner.crime_counts import DEFAULT_MIN_OFFENCES, DEFAULT_TOP_N, REQUIRED_COLUMNS, count_offences
from web.data_exchange.repositories import suggested_areas as repository
from web.data_exchange.services.imports.base import MAX_PROBLEMS_KEPT, FileSpec, ImportContext, Loaded, Problem
from web.models import SuggestedArea

FILE = "file"


class PoliceUkImporter:
    """Counts a police.uk street-level file into suggested areas (see the module docstring)."""

    kind: str = "police_uk"
    label: str = "police.uk street-level crime"
    description: str = (
        "A police.uk street-level crime CSV (one force, one or more months). Drug, weapon, violence and "
        "robbery offences are counted by LSOA and your authority's LSOAs with the most become suggested "
        "areas for you to review; offences in other authorities' LSOAs are counted, not suggested. "
        "Importing the same months again adds nothing twice. Nothing reaches a ranking until a person "
        "confirms a suggestion as an area."
    )
    roles: tuple[str, ...] = ("admin", "placement_officer")
    files: tuple[FileSpec, ...] = (
        FileSpec(
            FILE,
            "Street-level crime (CSV)",
            hint="The street file as police.uk publishes it, with the columns " + ", ".join(REQUIRED_COLUMNS) + ".",
        ),
    )

    def load(self, files: dict[str, bytes], context: ImportContext) -> Loaded:
        """Count the file and add its suggestions to the transaction; problems name their rows."""
        counted = count_offences(
            files[FILE],
            top_n=int(current_app.config.get("POLICE_UK_SUGGESTIONS", DEFAULT_TOP_N)),
            min_offences=int(current_app.config.get("POLICE_UK_MIN_OFFENCES", DEFAULT_MIN_OFFENCES)),
            max_problems=MAX_PROBLEMS_KEPT,
            lsoa_authorities=lsoa_authorities(),
            authority=context.authority_code,
        )
        if not counted.ok:
            problems = [Problem(FILE, p.row, p.field, p.message) for p in counted.problems]
            return Loaded(rows=counted.rows, added={}, problems=problems, more_problems=counted.more_problems)
        held = repository.already_suggested(context.authority_code, (s.lsoa_code for s in counted.suggestions))
        new = [s for s in counted.suggestions if (s.lsoa_code, s.first_month, s.last_month) not in held]
        repository.add_suggestions(
            SuggestedArea(
                import_id=context.import_id,
                authority_code=context.authority_code,
                lsoa_code=s.lsoa_code,
                lsoa_name=s.lsoa_name,
                lat=s.lat,
                lon=s.lon,
                first_month=s.first_month,
                last_month=s.last_month,
                counts=dict(s.counts),
                total=s.total,
                rank=s.rank,
                status="suggested",
            )
            for s in new
        )
        # Skipped rows are reported, not problems: police.uk publishes some rows without a
        # location, and a reviewer should know how many offences could not be placed.
        # Each row is in one count only (planner.crime_counts), so the counts add up to the rows.
        skipped = {
            "rows without coordinates": counted.skipped_no_coordinates,
            "rows without an LSOA": counted.skipped_no_lsoa,
            "rows of other crime types": counted.other_crime_types,
        }
        for code, offences in counted.other_authorities.items():
            skipped[f"rows in {authority_name(code) or code}’s LSOAs"] = offences
        already = len(counted.suggestions) - len(new)
        if already:
            skipped["areas already suggested for the same months"] = already
        return Loaded(
            rows=counted.rows,
            added={"suggested areas": len(new)},
            problems=[],
            skipped={why: n for why, n in skipped.items() if n},
        )


IMPORTER = PoliceUkImporter()
