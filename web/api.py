"""The JSON API under /api/v1 (flask-smorest): the same rules as the pages, signed in by personal token.

Authentication is `Authorization: Bearer <token>` only: the API never reads the
session cookie, so it is exempt from CSRF. Errors are JSON in one shape on every
API path (see `web.shared.api.common`); the pages keep their HTML error pages.
"""

from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask, request
from flask.typing import ResponseReturnValue
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from planner.case_json import CaseSchema
from web.accounts.api import agreements
from web.casework.api import referrals, young_people
from web.data_exchange.api import groups
from web.jobs.api import jobs
from web.matching.api import decisions, host_notifications, panels, pool, rank
from web.relocation.api import reviews
from web.shared.api import docs
from web.shared.api.common import (
    API_PREFIX,
    authenticate,
    http_error,
    register_error_handlers,
    reject_unknown_query_parameters,
)

BLUEPRINTS = (
    young_people.blueprint,
    referrals.blueprint,
    decisions.blueprint,
    host_notifications.blueprint,
    pool.placements_blueprint,
    pool.areas_blueprint,
    rank.blueprint,
    panels.panels_blueprint,
    reviews.blueprint,
    jobs.blueprint,
    agreements.blueprint,
    groups.blueprint,
)

DESCRIPTION = """\
The Care Placement Planner's JSON API. It applies the same rules as the pages: you see only
your own authority's children and referrals (another authority's answers 404), and
commissioners, who see aggregates only, get 403 from every endpoint that returns a child's record.

Sign in with a personal API token (create one on the API tokens page of your account):
send `Authorization: Bearer <token>` with every request. Lists are paginated with the `page`
and `page_size` query parameters (page_size at most 100) and say where they are in the
`X-Pagination` header. Errors are JSON: `{"code", "status", "message", "errors"}`; a 422
names each field with a problem under `errors`.
"""

# Hooks are attached once, at import: a blueprint cannot take new hooks after its first registration.
for _blueprint in BLUEPRINTS:
    _blueprint.before_request(authenticate)
    _blueprint.before_request(reject_unknown_query_parameters)
    register_error_handlers(_blueprint)


class _Api(Api):
    def _register_error_handlers(self) -> None:
        # flask-smorest would turn every HTTP error of the whole app into JSON; the API's
        # blueprints handle their own (register_error_handlers), so the pages keep HTML.
        return None


def _schema_name(schema: Any) -> str:
    """Component names: the engine's case schemas get a `Case` prefix so they do not clash with the API's."""
    cls = resolve_schema_cls(schema)
    assert isinstance(cls, type)
    name = cls.__name__.removesuffix("Schema") or cls.__name__
    if cls.__module__ == "planner.case_json" and cls is not CaseSchema:
        return "Case" + name
    return name


def register(app: Flask) -> Api:
    """Mount the API and its documentation on `app`."""
    from web import csrf

    app.config.setdefault("API_TITLE", "Care Placement Planner API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("API_SPEC_OPTIONS", {"info": {"description": DESCRIPTION}, "security": [{"bearerAuth": []}]})
    api = _Api(app, spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=_schema_name)})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A personal API token."}
    )
    api.spec.components.schema("PlacementCase", schema=CaseSchema)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    docs.register(app, api)

    @app.before_request
    def api_routing_errors() -> ResponseReturnValue | None:
        # A path under the API that matches no route (404), or no route for this method
        # (405), belongs to no blueprint; answer in JSON like the rest of the API.
        error = request.routing_exception
        if (
            isinstance(error, HTTPException)
            and (error.code or 0) >= 400
            and (request.path + "/").startswith(API_PREFIX + "/")
        ):
            return http_error(error)
        return None

    return api
