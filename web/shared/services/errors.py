"""Errors services raise for pages and the API to turn into responses."""

from __future__ import annotations


class NotFound(LookupError):
    """Not there, or not yours to see: both answer 404 so nothing leaks."""


class Forbidden(PermissionError):
    """The user's role may not do this."""


class InvalidInput(ValueError):
    """Input failed validation; `problems` name the fields."""

    def __init__(self, problems: list[str], fields: dict[str, str] | None = None):
        super().__init__("; ".join(problems))
        self.problems = problems
        # Field path -> message, for forms that show each message beside its field.
        self.fields = fields or {}


class Conflict(RuntimeError):
    """The record changed under the user (the last place was taken, a decision already made)."""
