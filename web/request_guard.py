"""Defences every request passes through, each in one place (see docs/security.md).

- JSON bodies are read by `planner.json_input.load_json` (a depth limit, no duplicate
  keys, no NaN), both by Flask's `request.get_json` and by the API's argument parser.
- No text may contain a NUL character: PostgreSQL cannot store one, and no person types
  one. Query, form, path and JSON values (and JSON keys) are checked before any view
  runs; the answer is a 400 naming the field.
- Whole numbers in paths (`<int:run_id>`) and in query strings fit the database's 32-bit
  integer columns: a larger one matches no route (404) or is ignored, never a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, Request, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from planner.ascii_numbers import read_int
from planner.json_input import load_json

# The largest id a PostgreSQL INTEGER column holds (SQLite's are 64-bit; the smaller bound serves both).
MAX_ID = 2**31 - 1
NUL_MESSAGE = "must not contain a NUL character (\\u0000)"


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: 0 to 2^31 - 1 unless the rule says otherwise, so a
    larger id answers 404 rather than overflowing the database's integer column."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading with the engine's strict loader."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:
            # A caller of our own asking for json's options (an object_hook): not a request body.
            return super().loads(s, **kwargs)
        return load_json(s)


class GuardedRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        # The loader's sentence says what is wrong ("nested more than 64 levels deep").
        raise BadRequest(f"The body is not JSON we accept: {e}" if e else "The body is not JSON.")


def query_int(name: str, default: int | None = None) -> int | None:
    """A whole number from the query string (ASCII digits, 0 to 2^31 - 1), or `default`."""
    raw = request.args.get(name, "")
    try:
        value = read_int(raw)
    except ValueError:
        return default
    return value if 0 <= value <= MAX_ID else default


def _nul_fields() -> Iterator[str]:
    """The names of the request's values that contain a NUL character, query first."""
    for location, values in (("query", request.args), ("form", request.form)):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                yield f"{location}: {key.replace(chr(0), '')}"
    for key, file in request.files.items(multi=True):
        if "\x00" in (file.filename or ""):
            yield f"form: {key}"
    for key, value in (request.view_args or {}).items():
        if isinstance(value, str) and "\x00" in value:
            yield f"path: {key}"
    if request.is_json and request.content_length != 0:
        try:
            document = request.get_json(silent=False)
        except BadRequest:
            return  # the view answers for JSON that cannot be read
        yield from (f"json: {path}" for path in _nul_paths(document))


def _nul_paths(document: Any) -> Iterator[str]:
    """Paths like `referral.young_people[0].notes` of the strings (values or keys) holding a NUL."""
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                yield path or "(body)"
        elif isinstance(value, dict):
            for key, child in value.items():
                where = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    yield where.replace("\x00", "")
                stack.append((child, where))
        elif isinstance(value, list):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(value))


def refuse_nul_bytes() -> ResponseReturnValue | None:
    """Before every request: a 400 naming each value that holds a NUL character."""
    found = sorted(set(_nul_fields()))
    if not found:
        return None
    from web.shared.api.common import API_PREFIX, error_body

    if (request.path + "/").startswith(API_PREFIX + "/"):
        errors: dict[str, dict[str, list[str]]] = {}
        for item in found:
            location, _, name = item.partition(": ")
            errors.setdefault(location, {})[name] = [NUL_MESSAGE]
        return error_body(400, "The request has a NUL character in it.", errors), 400
    where = {"query": "in the page's address", "form": "in the form", "path": "in the page's address"}
    names = [f"{name} ({where.get(location, location)})" for location, _, name in (i.partition(": ") for i in found)]
    return render_template("errors/bad_request.html", fields=names), 400


def init_app(app: Flask) -> None:
    """Install the converter and JSON reader (before any route is added) and the NUL check."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.json_provider_class = StrictJSONProvider
    app.json = StrictJSONProvider(app)
    app.request_class = GuardedRequest
    app.before_request(refuse_nul_bytes)
