"""Importing files: the framework (`base`) and one module per kind of file.

Importing this package registers every importer; pages and the command line reach
them through `run_import`, `importer_for` and `importers_for_role`.
"""

from __future__ import annotations

from web.data_exchange.services.imports import (
    areas,
    nps,
    placements_csv,
    placements_standard,
    police_uk,
    postcodes,
    ssda903,
)
from web.data_exchange.services.imports.base import (
    FileSpec,
    Flags,
    ImportContext,
    Importer,
    Loaded,
    Outcome,
    Problem,
    all_importers,
    importer_for,
    importers_for_role,
    may_import,
    register,
    report_file,
    run_import,
)

# One line per importer.
register(postcodes.IMPORTER)
register(placements_csv.IMPORTER)
register(areas.IMPORTER)
register(police_uk.IMPORTER)
register(ssda903.IMPORTER)
register(placements_standard.IMPORTER)
register(nps.IMPORTER)

__all__ = [
    "FileSpec",
    "Flags",
    "ImportContext",
    "Importer",
    "Loaded",
    "Outcome",
    "Problem",
    "all_importers",
    "importer_for",
    "importers_for_role",
    "may_import",
    "register",
    "report_file",
    "run_import",
]
