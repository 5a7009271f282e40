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
from typing import Any

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


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity
        raise JsonInputError(f"the number {text[:20]} is too large")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise JsonInputError(f"a whole number has more than {MAX_INTEGER_DIGITS} digits")
    return int(text)


def depth(document: Any) -> int:
    """How deeply lists and objects nest in `document` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        stack.extend((child, level) for child in children if isinstance(child, dict | list))
    return deepest


def load_json(text: str | bytes, max_depth: int | None = None) -> Any:
    """The document in `text`, or JsonInputError saying in words what is wrong with it.

    `max_depth` defaults to `max_json_depth` in config/policy.toml.
    """
    limit = max_depth if max_depth is not None else input_limits().max_json_depth
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise JsonInputError("not UTF-8 text") from None
    try:
        document = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_constants,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except RecursionError:
        raise JsonInputError(f"nested more than {limit} levels deep") from None
    except json.JSONDecodeError as error:
        raise JsonInputError(f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except JsonInputError:
        raise
    except ValueError as error:  # a safeguard: the hooks above raise JsonInputError
        raise JsonInputError(f"not JSON we can read: {error}") from None
    if depth(document) > limit:
        raise JsonInputError(f"nested more than {limit} levels deep")
    return document
