"""Reading JSON from outside: a depth limit, no duplicate keys, no NaN, every problem in words.

Python's `json` recurses once per level of nesting, so a document nested 10,000 deep
raises RecursionError (a crash, not an answer); it keeps the last of two equal keys
silently, so `{"sex": "F", "sex": "M"}` would mean whatever came last; it reads `NaN`
and `Infinity`, which are not JSON, and `1e400` as infinity; and it reads whole numbers
of any length, which overflow later as a float or a database integer. Every reader of JSON that someone else wrote
(the command line, the API, the imports) goes through `load_json`, so each of these is
refused once, here, with a sentence naming the problem.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

import numpy as np

from planner.input_limits import input_limits


class JsonInputError(ValueError):
    """The text is not JSON we accept; `str(error)` says why in plain words."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise JsonInputError(f'the key "{key}" appears twice in one object: give each key once')
        found[key] = value
    return found


def _no_constants(name: str) -> Any:
    raise JsonInputError(f"{name} is not a JSON number")


# Nothing we read needs a whole number beyond 64 bits (19 digits); one far larger would
# overflow when a reader turns it into a float or a database integer.
MAX_INTEGER_DIGITS = 30
# A JSON string (its escapes included), to blank out before brackets and digits are counted.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
# Outside strings: a run of more than 30 digits, or an exponent of 3 or more digits (1e400).
_LARGE_NUMBER = re.compile(rf"[0-9]{{{MAX_INTEGER_DIGITS + 1},}}|[eE][+-]?[0-9]{{3,}}")


def depth(text: str) -> int:
    """How deeply lists and objects nest in the JSON `text` (0 for a bare value).

    Counted on the text before it is parsed, with brackets inside strings ignored, so a
    document nested 10,000 deep is refused without Python's recursive parser ever seeing it.
    """
    return _depth(_STRING.sub('""', text))


# Every byte but the four brackets, for bytes.translate to delete (C speed: a 50 MB upload
# is reduced to its brackets in a fraction of a second).
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def _depth(unquoted: str) -> int:
    brackets = np.frombuffer(unquoted.encode("utf-8").translate(None, _NOT_BRACKETS), dtype=np.uint8)
    if not len(brackets):
        return 0
    opening = (brackets == ord("[")) | (brackets == ord("{"))
    return int(np.cumsum(np.where(opening, 1, -1)).max())


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity
        raise JsonInputError(f"the number {text[:20]} is too large")
    return value


def _finite_decimal(text: str) -> Decimal:
    value = Decimal(text)
    if not value.is_finite() or len(text) > 40:
        raise JsonInputError(f"the number {text[:20]}... is too large")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise JsonInputError(f"a whole number has more than {MAX_INTEGER_DIGITS} digits")
    return int(text)


def load_json(text: str | bytes, max_depth: int | None = None, decimals: bool = False) -> Any:
    """The document in `text`, or JsonInputError saying in words what is wrong with it.

    `max_depth` defaults to `max_json_depth` in config/policy.toml. With `decimals`, numbers
    with a fraction are read as `Decimal`, as written (1500.00 stays 1500.00).
    """
    limit = max_depth if max_depth is not None else input_limits().max_json_depth
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise JsonInputError("not UTF-8 text") from None
    unquoted = _STRING.sub('""', text)
    if _depth(unquoted) > limit:
        raise JsonInputError(f"nested more than {limit} levels deep")
    hooks: dict[str, Any] = {"object_pairs_hook": _no_duplicate_keys, "parse_constant": _no_constants}
    if _LARGE_NUMBER.search(unquoted):
        # Only then are numbers checked one by one: the hooks call Python for every number,
        # which would make every large GeoJSON file several times slower to read.
        hooks |= {"parse_float": _finite_float, "parse_int": _bounded_int}
    if decimals:
        hooks["parse_float"] = _finite_decimal
    try:
        return json.loads(text, **hooks)
    except RecursionError:  # cannot happen under the depth check; kept as a last guard
        raise JsonInputError(f"nested more than {limit} levels deep") from None
    except json.JSONDecodeError as error:
        raise JsonInputError(f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
