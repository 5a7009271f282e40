"""Words and ages for young people, shared by casework, matching and capacity.

Kept on the floor because the referral and young-person forms (casework) and the case the
engine reads (matching) must say a person's sex and age the same way.
"""

from __future__ import annotations

from datetime import date

# SSDA903 SEX codes and the words the engine's case uses for them.
SEX_WORDS = {"1": "male", "2": "female"}


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on `day` (a birthday counts on the day itself)."""
    years = day.year - date_of_birth.year
    return years - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
