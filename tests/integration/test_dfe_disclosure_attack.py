"""The differencing attack of test_disclosure_attack, run against the DfE-comparable figures.

The shared SSDA903 sample is split between three authorities (by child), so the figures
for every authority and for each one overlap as a commissioner's downloads would: every
cell of every year (children at 31 March by distance and by location, placement starts by
reason) under every choice of the one filter that applies. An attacker who knows the
protection exactly and subtracts across all of them must not pin any `c`.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest
from flask import Flask

from planner.dfe_figures import episodes_frame, looked_after_on, placement_starts, year_span, years_covered
from planner.disclosure import total
from tests.conftest import make_app
from tests.integration.test_disclosure_attack import _attack
from tests.unit.test_dfe_figures import SAMPLE, _as_imported, _sample
from web.capacity.services.capacity_figures import protection

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason=f"{SAMPLE} is not here: the shared data is not mounted")
AUTHORITIES = ("E08000003", "E08000006", "E10000007")


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    yield make_app(f"sqlite:///{tmp_path_factory.mktemp('dfe-attack') / 'planner.db'}")


def _split(episodes: pd.DataFrame) -> pd.DataFrame:
    """Each child (and all their episodes) to one of three authorities, fixed by the child's id."""
    out = episodes.copy()
    out["LA"] = [AUTHORITIES[zlib.crc32(str(c).encode()) % 3] for c in out["CHILD"]]
    out["EPISODE"] = range(1, len(out) + 1)
    return out


def _cells(app: Flask, episodes: pd.DataFrame) -> dict[frozenset[str], str]:
    """Every distinct set of records the page publishes a figure of, under every authority filter, as shown."""
    cells: dict[frozenset[str], str] = {}
    with app.app_context():
        dz = protection()
    for authority in ("", *AUTHORITIES):
        chosen = episodes_frame(
            episodes[episodes["LA"] == authority].to_dict("records") if authority else episodes.to_dict("records")
        )
        for year in years_covered(chosen, date(2026, 12, 2)):
            at = looked_after_on(chosen, year_span(year)[1])
            groups = [set(at["CHILD"])]
            groups += [set(at.loc[at["distance"] == k, "CHILD"]) for k in range(3)]
            groups += [set(at.loc[at["location"] == k, "CHILD"]) for k in range(3)]
            found = {frozenset(f"yp:{c}" for c in g): ("young_person", g) for g in groups}
            starts = placement_starts(chosen, year)
            for part in (starts, starts[starts["started_care"]], starts[~starts["started_care"]]):
                ids = set(int(i) for i in part["EPISODE"])
                found[frozenset(f"ep:{i}" for i in ids)] = ("care_episode", ids)
            for members, (kind, idents) in found.items():
                if members and members not in cells:
                    cells[members] = dz.text(total(dz.one(kind, i) for i in idents))
    return cells


def test_differencing_the_dfe_figures_across_authorities_recovers_no_hidden_count(bare_app: Flask) -> None:
    raw, grid = _sample()
    episodes = _split(_as_imported(raw, grid))
    cells = _cells(bare_app, episodes)
    unknowns, hidden = _attack(cells, bare_app)
    recovered = [(true, low, high) for true, low, high in hidden if low == high]
    print(f"{len(cells)} distinct cells, {unknowns} unknowns, {len(hidden)} hidden cells, {len(recovered)} recovered")
    assert hidden, "the attack must see some hidden cells"
    assert all(low <= true <= high for true, low, high in hidden), "the attack's model must hold the truth"
    assert recovered == []
