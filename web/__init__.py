"""The web app: pages (GOV.UK Frontend), persistence and commands around the engine."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, render_template, request, url_for
from flask_login import AnonymousUserMixin, LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from config.settings import from_environment
from web import db, request_guard

csrf = CSRFProtect()
login_manager = LoginManager()

# No inline script or style anywhere.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)

HSTS = "max-age=31536000; includeSubDomains"


# The groups that hold templates of their own (web/<group>/templates).
TEMPLATE_GROUPS = ("accounts", "capacity", "casework", "data_exchange", "jobs", "matching", "relocation")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `test_config` overrides settings read from the environment."""
    app = Flask(__name__, instance_path=os.path.join(os.path.dirname(os.path.dirname(__file__)), "instance"))
    app.config.from_mapping(from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: export it (make run generates one in instance/secret_key)")
    os.makedirs(app.instance_path, exist_ok=True)
    # Before any route is added: the bounded <int:...> converter, the strict JSON reader.
    request_guard.init_app(app)

    app.jinja_loader = ChoiceLoader(
        [
            # The shared layout, then each group's own pages' templates (names do not clash).
            FileSystemLoader(
                [os.path.join(app.root_path, "templates")]
                + [os.path.join(app.root_path, group, "templates") for group in TEMPLATE_GROUPS]
            ),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from web.shared.pages import template_helpers

    template_helpers.register(app)

    db.init_app(app)
    from web.shared.repositories import world_versions

    # Every change to placements, areas or groups bumps the world's version (prepared worlds are kept per version).
    world_versions.listen()
    from web import queue
    from web.jobs.services import jobs

    queue.init_app(app, runner=jobs.run)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."

    from web.accounts.services.accounts import load_user

    login_manager.user_loader(load_user)

    from web.accounts.pages import admin, agreements, auth, tokens
    from web.capacity.pages import capacity, members
    from web.casework.pages import referrals, young_people
    from web.data_exchange.pages import exports, groups, imports, suggested_areas
    from web.jobs.pages import jobs as job_pages
    from web.matching.pages import decisions, host_notifications, options, panel, regional_panel, supply
    from web.relocation.pages import missing_from_care, relocation, tasks
    from web.shared.pages import home

    for module in (
        auth,
        home,
        referrals,
        options,
        decisions,
        host_notifications,
        young_people,
        tasks,
        supply,
        admin,
        tokens,
        agreements,
        panel,
        regional_panel,
        relocation,
        missing_from_care,
        suggested_areas,
        groups,
        imports,
        exports,
        capacity,
        members,
        job_pages,
    ):
        app.register_blueprint(module.blueprint)

    from web import api

    api.register(app)
    # Signed-out visitors go to sign in, told why when their session timed out.
    login_manager.unauthorized_handler(auth.unauthorised)

    from web import commands

    commands.register(app)
    _register_errors(app)
    _register_headers(app)
    return app


def _csp(tile_url: str) -> str:
    """The policy, letting maps load images from the tile server when one is configured."""
    parts = urlsplit(tile_url)
    if not parts.netloc:  # none configured, or served from this site
        return _CSP
    # "{s}.tiles.example.org" (a subdomain chosen per tile) becomes "*.tiles.example.org".
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    return _CSP.replace("img-src 'self' data:", f"img-src 'self' data: {parts.scheme}://{host}")


def _register_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = _csp(app.config.get("MAP_TILE_URL") or "")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if request.is_secure:
            # Served over HTTPS (directly, or by a proxy gunicorn trusts to say so with
            # X-Forwarded-Proto): browsers keep to HTTPS for a year. Never over plain HTTP,
            # where the header is ignored anyway and would break `make run` on 127.0.0.1.
            response.headers["Strict-Transport-Security"] = HSTS
        if request.endpoint != "static":
            # Pages may hold personal data: never kept by the browser or a proxy.
            response.headers["Cache-Control"] = "no-store"
        return response


def _register_errors(app: Flask) -> None:
    def page(template: str, status: int) -> tuple[str, int]:
        return render_template(template), status

    @app.errorhandler(404)
    def not_found(_error: Exception) -> tuple[str, int]:
        return page("errors/404.html", 404)

    @app.errorhandler(403)
    def forbidden(_error: Exception) -> tuple[str, int]:
        return page("errors/403.html", 403)

    @app.errorhandler(CSRFError)
    def csrf_failed(_error: Exception) -> tuple[str, int]:
        return page("errors/csrf.html", 400)

    @app.errorhandler(500)
    def server_error(_error: Exception) -> tuple[str, int]:
        return page("errors/500.html", 500)

    @app.errorhandler(db.MaybeBusy)
    def database_error(error: Exception) -> Any:
        if not db.is_busy(error):
            raise error
        # SQLite's write lock is held by a large import (decision 0072): say so, quickly.
        db.rollback()
        # The page must not ask the database who is signed in (that is what was refused): it
        # is drawn as for nobody signed in. Flask-Login keeps the request's user in g._login_user.
        g._login_user = AnonymousUserMixin()
        if request.path.startswith("/api/"):
            from web.shared.api.common import error_body

            body: Any = error_body(503, "The database is busy writing a large import; nothing was written. "
                                        "Try again in a minute.")  # fmt: skip
        else:
            body = render_template("errors/busy.html")
        return body, 503, {"Retry-After": "30"}

    @app.context_processor
    def navigation() -> dict[str, Any]:
        from web.accounts.services.accounts import CASEWORK_ROLES
        from web.data_exchange.services.imports import may_import as imports_allowed

        if not current_user.is_authenticated:
            return {"nav_items": []}
        items = []
        if current_user.role == "cooperative_officer":
            # A co-operative's people see no child's record: only what the co-operative does.
            items.append(("regional_panel.index", "Regional panel"))
        elif current_user.role == "cooperative_commissioner":
            items.append(("capacity_members.index", "Capacity by member"))
        if current_user.role in ("missing_persons_coordinator", "rhi_worker"):
            # A force's co-ordinator or a provider's worker: their one page (decision 0085), no casework.
            items.append(("missing_from_care.index", "Missing from care"))
        elif current_user.role in CASEWORK_ROLES:
            # Casework pages only for the roles they admit: a commissioner or a co-operative's
            # people would meet 403 behind every one of these links.
            items += [
                ("tasks.tasks", "Tasks"),
                ("referrals.list_referrals", "Referrals"),
                ("young_people.list_young_people", "Young people"),
                ("panel.index", "Panel"),
                ("relocation.index", "Relocation review"),
            ]
        if not current_user.role.startswith("cooperative_") and current_user.role not in (
            "missing_persons_coordinator",
            "rhi_worker",
        ):
            items.append(("supply.supply", "Placement supply"))
        if current_user.role in ("commissioner", "admin"):
            items.append(("capacity.overview", "Capacity"))
        if imports_allowed(current_user.role):
            items.append(("imports.index", "Imports"))
        if current_user.role in ("admin", "placement_officer"):
            items.append(("suggestions.list_suggestions", "Suggested areas"))
            items.append(("groups.list_groups", "Groups"))
        if current_user.role == "admin":
            items.append(("admin.audit", "Audit log"))
            items.append(("agreements.list_agreements", "Agreements"))
            items.append(("exports.index", "Exports"))
        items += [("api_docs.docs_page", "API"), ("tokens.list_tokens", "API tokens")]
        return {
            "nav_items": [
                {"href": url_for(endpoint), "text": text, "active": request.endpoint == endpoint}
                for endpoint, text in items
                if endpoint in app.view_functions
            ]
        }
