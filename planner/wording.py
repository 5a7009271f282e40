"""Small pieces of plain English shared by reasons and exclusions."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from planner.geometry import KM_PER_MILE, km_to_miles


def distance(km: float) -> str:
    """'23.6 miles (38.0 km)': pages and reasons show miles, with km beside them."""
    return f"{km / KM_PER_MILE:.1f} miles ({km:.1f} km)"


def distances(km: NDArray[np.float64]) -> list[str]:
    """`distance` for many values at once (for thousands of exclusions in one ranking)."""
    miles = (km / KM_PER_MILE).tolist()
    return [f"{m:.1f} miles ({k:.1f} km)" for m, k in zip(miles, km.tolist(), strict=True)]


def buffer(km: float) -> str:
    """'the 12.4-mile (20 km) buffer' reads badly; this gives 'a buffer of 12.4 miles (20 km)'."""
    return f"a buffer of {km_to_miles(km):.1f} miles ({km:g} km)"


# Codes whose words are not just the code with spaces.
_CODE_WORDS = {"drugs_alcohol": "drugs or alcohol"}


def words(code: str) -> str:
    """A vocabulary code as words: 'criminal_exploitation' -> 'criminal exploitation'."""
    return _CODE_WORDS.get(code) or code.replace("_", " ")


def listing(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


# The one set of words for settings, on every page and in every reason (the referral form's words).
SETTING_WORDS = {
    "foster": "Foster care",
    "residential": "Children's home",
    "supported": "Supported accommodation",
    "secure": "Secure children's home",
}
