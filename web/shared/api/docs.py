"""The API's documentation: the OpenAPI document, and a page generated from it.

Both are for signed-in users only. The page is server-rendered with GOV.UK
Frontend (the CSP allows no inline script, so no Swagger UI); the JSON document
is also served to a client signed in with an API token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_smorest import Api

from web import login_manager
from web.accounts.services import api_tokens
from web.shared.api.common import API_PREFIX, BEARER_CHALLENGE, error_body

blueprint = Blueprint("api_docs", __name__, url_prefix=API_PREFIX)
_EXTENSION = "planner_api"
METHODS = ("get", "post", "put", "patch", "delete")


@blueprint.before_request
def _signed_in() -> ResponseReturnValue | None:
    if current_user.is_authenticated:
        return None
    if request.endpoint == "api_docs.openapi_json":
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and api_tokens.authenticate(token.strip()) is not None:
            return None
        body = error_body(401, "Sign in, or send Authorization: Bearer <token>, to read the API's description.")
        return jsonify(body), 401, {"WWW-Authenticate": BEARER_CHALLENGE}
    unauthorised = login_manager.unauthorized
    return unauthorised()


def register(app: Flask, api: Api) -> None:
    app.extensions[_EXTENSION] = api
    app.register_blueprint(blueprint)


def _spec() -> dict[str, Any]:
    api: Api = current_app.extensions[_EXTENSION]
    spec: dict[str, Any] = api.spec.to_dict()
    return spec


@blueprint.route("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(_spec())


@blueprint.route("/docs")
def docs_page() -> str:
    spec = _spec()
    return render_template(
        "api/docs.html",
        info=spec["info"],
        sections=_sections(spec),
        schemas=_schemas(spec),
        api_prefix=API_PREFIX,
        openapi_version=spec.get("openapi", ""),
    )


# --- reading the OpenAPI document into what the page shows -----------------------


@dataclass(frozen=True)
class TypePart:
    """A piece of a type description; `anchor` links it to a schema on the page."""

    text: str
    anchor: str | None = None


@dataclass(frozen=True)
class Row:
    name: str
    type: list[TypePart]
    required: bool
    description: str


@dataclass(frozen=True)
class ResponseDoc:
    status: str
    description: str
    body: list[TypePart]
    headers: list[Row]


@dataclass(frozen=True)
class OperationDoc:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    parameters: list[Row]
    request_body: list[TypePart]
    request_description: str
    responses: list[ResponseDoc]


@dataclass
class SectionDoc:
    name: str
    description: str
    operations: list[OperationDoc] = field(default_factory=list)


@dataclass(frozen=True)
class SchemaDoc:
    name: str
    anchor: str
    description: str
    properties: list[Row]
    closed: bool


def _anchor(name: str) -> str:
    return "schema-" + name


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _resolve(spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """Follow a $ref to a response, parameter or header component."""
    seen = 0
    while "$ref" in item and seen < 10:
        parts = item["$ref"].lstrip("#/").split("/")
        found: Any = spec
        for part in parts:
            found = found[part]
        item, seen = found, seen + 1
    return item


def type_parts(schema: dict[str, Any] | None) -> list[TypePart]:
    """A schema in words: `list of Placement`, `integer (at least 1)`, `one of: open, placed`."""
    if not schema:
        return [TypePart("any")]
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return [TypePart(name, _anchor(name))]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        parts = type_parts(schema["allOf"][0])
    elif schema.get("type") == "array":
        parts = [TypePart("list of "), *type_parts(schema.get("items"))]
    elif schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        parts = [TypePart("object of "), *type_parts(schema["additionalProperties"])]
    elif "enum" in schema:
        parts = [TypePart("one of: " + ", ".join(str(v) for v in schema["enum"] if v is not None))]
    else:
        text = str(schema.get("type", "any"))
        if "format" in schema:
            text += f" ({schema['format']})"
        limits = []
        if "minimum" in schema:
            limits.append(f"at least {schema['minimum']:g}")
        if "maximum" in schema:
            limits.append(f"at most {schema['maximum']:g}")
        if "minLength" in schema and schema["minLength"] > 0:
            limits.append("not empty")
        if "pattern" in schema:
            limits.append(f"matching {schema['pattern']}")
        if limits:
            text += ", " + ", ".join(limits)
        parts = [TypePart(text)]
    if schema.get("nullable"):
        parts.append(TypePart(" or null"))
    return parts


def _body(content: dict[str, Any] | None) -> list[TypePart]:
    if not content:
        return []
    media = content.get("application/json") or next(iter(content.values()))
    return type_parts(media.get("schema"))


def _operation(spec: dict[str, Any], path: str, method: str, op: dict[str, Any]) -> OperationDoc:
    parameters = []
    for param in op.get("parameters", []):
        param = _resolve(spec, param)
        parameters.append(
            Row(
                f"{param['name']} ({param['in']})",
                type_parts(param.get("schema")),
                bool(param.get("required")),
                param.get("description", ""),
            )
        )
    request_body = _resolve(spec, op.get("requestBody", {}))
    responses = []
    for status, response in op.get("responses", {}).items():
        response = _resolve(spec, response)
        headers = [
            Row(name, type_parts(header.get("schema")), False, header.get("description", ""))
            for name, header in ((n, _resolve(spec, h)) for n, h in response.get("headers", {}).items())
        ]
        responses.append(
            ResponseDoc(str(status), response.get("description", ""), _body(response.get("content")), headers)
        )
    responses.sort(key=lambda r: (r.status == "default", r.status))
    summary = op.get("summary", "")
    return OperationDoc(
        method.upper(),
        path,
        f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").strip("-"),
        summary,
        op.get("description", ""),
        parameters,
        _body(request_body.get("content")),
        request_body.get("description", ""),
        responses,
    )


def _sections(spec: dict[str, Any]) -> list[SectionDoc]:
    sections = {}
    for tag in spec.get("tags", []):
        # Each tag's description reads "Heading: more words."; the heading names the section.
        heading, _, rest = tag.get("description", "").partition(": ")
        rest = rest[:1].upper() + rest[1:]
        sections[tag["name"]] = SectionDoc(heading if rest else tag["name"], rest or heading)
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                op = item[method]
                tag = (op.get("tags") or ["Other"])[0]
                section = sections.setdefault(tag, SectionDoc(tag, ""))
                section.operations.append(_operation(spec, path, method, op))
    return [s for s in sections.values() if s.operations]


def _schemas(spec: dict[str, Any]) -> list[SchemaDoc]:
    found = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        properties = [
            Row(prop, type_parts(prop_schema), prop in required, prop_schema.get("description", ""))
            for prop, prop_schema in schema.get("properties", {}).items()
        ]
        found.append(
            SchemaDoc(
                name,
                _anchor(name),
                schema.get("description", ""),
                properties,
                schema.get("additionalProperties") is False,
            )
        )
    return found
