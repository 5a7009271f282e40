"""What every API blueprint shares: bearer-token sign-in, JSON errors, pagination.

Errors are one JSON shape everywhere (flask-smorest's):
`{"code": 404, "status": "Not Found", "message": "...", "errors": {...}}`,
where `errors` (on 422) maps a location (`json`, `query`, `case`) to
`{field: [messages]}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import flask_smorest
from flask import Request, current_app, g, request
from flask_smorest import abort
from flask_smorest.pagination import PaginationParameters
from flask_smorest.utils import resolve_schema_instance
from marshmallow import fields as ma_fields
from marshmallow import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException, default_exceptions

from planner.json_input import JsonInputError, load_json
from web.accounts.services import api_tokens
from web.accounts.services.accounts import SignedInUser
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

F = TypeVar("F", bound=Callable[..., Any])
API_PREFIX = "/api/v1"
BEARER_CHALLENGE = 'Bearer realm="api"'
MAX_PAGE_SIZE = 100
PAGINATION_HEADER_DOC = {
    "description": (
        "Pagination metadata as JSON: total and total_pages always; first_page and last_page when "
        "there are items; page when it is within them; previous_page and next_page when they exist. "
        "Ask for pages with the page and page_size query parameters."
    ),
    "schema": {"type": "string"},
}
# Error responses each operation documents, by the component names flask-smorest registers.
ERROR_RESPONSES = {
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    422: "UNPROCESSABLE_ENTITY",
}


# Whole or decimal, ASCII digits only (a page far past the end is still just an empty page).
_QUERY_NUMBER = re.compile(r"-?[0-9]{1,40}(\.[0-9]{1,40})?")


class StrictJsonParser(FlaskParser):
    """webargs reading request bodies with the engine's strict JSON loader: a body nested too
    deep, with a key given twice, or with NaN is a 400 saying so, not a 500 or a silent last-wins;
    numbers in the query string must be written in ASCII digits."""

    def _raw_load_json(self, req: Request) -> Any:
        if not is_json_request(req):
            return missing
        data = req.get_data(cache=True)
        if not data:
            return missing
        try:
            return load_json(data)
        except JsonInputError as error:
            abort(400, message=f"The body is not JSON we accept: {error}.", errors={"json": {"(body)": [str(error)]}})

    def pre_load(self, location_data: Any, *, schema: Any, req: Request, location: str) -> Any:
        """Numbers in the query string are ASCII digits: marshmallow, through int() and float(),
        would read Arabic-Indic digits and `1_000`."""
        if location == "query":
            bad = {
                field.data_key or name: ["Enter a number written with the digits 0 to 9."]
                for name, field in schema.fields.items()
                if isinstance(field, ma_fields.Number)
                and isinstance(raw := req.args.get(field.data_key or name), str)
                and not _QUERY_NUMBER.fullmatch(raw)
            }
            if bad:
                abort(422, message="The query has parameters that are not numbers.", errors={"query": bad})
        return location_data


class ApiBlueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose X-Pagination header is documented as the string it is,
    reading bodies with `StrictJsonParser`."""

    ARGUMENTS_PARSER = StrictJsonParser()
    PAGINATION_ARGUMENTS_PARSER = StrictJsonParser()

    DEFAULT_PAGINATION_PARAMETERS: ClassVar[dict[str, int]] = {
        "page": 1,
        "page_size": 20,
        "max_page_size": MAX_PAGE_SIZE,
    }

    def _document_pagination_metadata(self, spec: Any, resp_doc: dict[str, Any]) -> None:
        # flask-smorest documents the header as an object; on the wire it is a JSON string.
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = dict(PAGINATION_HEADER_DOC)

    def errors(self, *codes: int) -> Callable[[F], F]:
        """Document the error responses an operation can give (401 always), besides the default."""

        def decorate(func: F) -> F:
            for code in sorted({401, *codes}, reverse=True):
                func = self.alt_response(code, response=ERROR_RESPONSES[code])(func)
            return func

        return decorate


def current_api_user() -> SignedInUser:
    """The user whose token signed this request in."""
    user: SignedInUser = g.api_user
    return user


def set_total(pagination_parameters: PaginationParameters, total: int) -> None:
    pagination_parameters.item_count = total


def page_of(items: list[Any], pagination_parameters: PaginationParameters) -> list[Any]:
    """The requested page of a list the service gave whole, with the total set for X-Pagination."""
    set_total(pagination_parameters, len(items))
    first = (pagination_parameters.page - 1) * pagination_parameters.page_size
    return items[first : first + pagination_parameters.page_size]


def problems_by_field(problems: list[str], fields: dict[str, str] | None = None) -> dict[str, list[str]]:
    """A service's problems as {field: [messages]}: its own field map when it gives one,
    otherwise `path: message` lines (the engine's way) split at the first colon."""
    if fields:
        return {name: [message] for name, message in fields.items()}
    found: dict[str, list[str]] = {}
    for line in problems:
        path, sep, message = line.partition(": ")
        if not sep:
            path, message = "(case)", line
        found.setdefault(path, []).append(message)
    return found


def authenticate() -> None:
    """Before every API request: a valid `Authorization: Bearer <token>`, or 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        abort(
            401,
            message="Sign in with a personal API token: send the header Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": BEARER_CHALLENGE},
        )
    user = api_tokens.authenticate(token)
    if user is None:
        abort(
            401,
            message="The API token is not valid, or has been revoked.",
            headers={"WWW-Authenticate": BEARER_CHALLENGE + ', error="invalid_token"'},
        )
    g.api_user = user


def _query_names(view: Any) -> set[str]:
    """The query parameters a view documents (its arguments and its pagination)."""
    doc = getattr(view, "_apidoc", {})
    parameters = list(doc.get("arguments", {}).get("parameters", []))
    if "pagination" in doc:
        parameters.append(doc["pagination"]["parameters"])
    names: set[str] = set()
    for parameter in parameters:
        if parameter.get("in") == "query":
            schema = resolve_schema_instance(parameter["schema"])
            names |= {field.data_key or name for name, field in schema.load_fields.items()}
    return names


def reject_unknown_query_parameters() -> None:
    """Before every API request: a query parameter the endpoint does not know is a 422, not ignored,
    so a misspelt filter (`?stauts=open`) cannot silently return everything."""
    if not request.args:
        return
    known = _query_names(current_app.view_functions.get(request.endpoint or ""))
    unknown = sorted(set(request.args) - known)
    if unknown:
        abort(
            422,
            message="The query has parameters this endpoint does not know.",
            errors={"query": {name: ["Unknown field."] for name in unknown}},
        )


def error_body(code: int, message: str | None = None, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"code": code, "status": default_exceptions[code]().name}
    if message:
        payload["message"] = message
    if errors is not None:
        payload["errors"] = errors
    return payload


def http_error(error: HTTPException) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Any HTTP error in the API as JSON, keeping headers such as WWW-Authenticate and Allow."""
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    message = data.get("message") or (error.description if code != 500 else "Something went wrong on our side.")
    headers = dict(data.get("headers") or {})
    if code == 405:
        headers.update((k, v) for k, v in error.get_headers() if k == "Allow")
    return error_body(code, message, data.get("errors", data.get("messages"))), code, headers


def register_error_handlers(blueprint: flask_smorest.Blueprint | Any) -> None:
    """JSON errors for every status, and for the services' errors, on `blueprint`.

    Handlers for each status code are registered on the blueprint because the app's
    own (HTML) 404, 403 and 500 pages would otherwise win over a class handler.
    """
    for code in default_exceptions:
        blueprint.register_error_handler(code, http_error)

    @blueprint.errorhandler(NotFound)
    def not_found(_error: NotFound) -> tuple[dict[str, Any], int]:
        return error_body(404, "Not found, or not yours to see."), 404

    @blueprint.errorhandler(Forbidden)
    def forbidden(error: Forbidden) -> tuple[dict[str, Any], int]:
        return error_body(403, str(error) or "Your role may not do this."), 403

    @blueprint.errorhandler(Conflict)
    def conflict(error: Conflict) -> tuple[dict[str, Any], int]:
        return error_body(409, str(error) or "The record changed meanwhile; nothing was written."), 409

    @blueprint.errorhandler(InvalidInput)
    def invalid(error: InvalidInput) -> tuple[dict[str, Any], int]:
        errors = {"json": problems_by_field(error.problems, getattr(error, "fields", None))}
        return error_body(422, "The input has problems.", errors), 422
