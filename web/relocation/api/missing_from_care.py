"""Missing from care through the API, with the pages' rules (decision 0085).

A police force's missing-persons co-ordinator lists, reads and acknowledges the notices of
children placed in the force's area, and reads the map's data (children placed there under a
missing-from-care agreement, their episodes, where found, interview status, reported
associations as reports). A commissioned return-home-interview provider's worker lists the
returns in its areas and records the interview. Every read is audited; other roles get 403,
records outside the caller's area or agreements 404.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema, fields, validate

from web.data_exchange.services import suggested_areas
from web.matching.services import police_notifications
from web.relocation.services import missing_from_care
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user, page_of

blueprint = ApiBlueprint(
    "api_missing_from_care",
    __name__,
    url_prefix=API_PREFIX,
    description=(
        "Missing from care: the host police force's notices and its co-ordinator's map data, and the "
        "commissioned return-home-interview provider's tasks. Co-ordinators and providers' workers only."
    ),
)
NOTIFICATION_ID = "<int(max=2147483647):notification_id>"
EPISODE_ID = "<int(max=2147483647):episode_id>"


class PoliceNotificationSummarySchema(Schema):
    id = fields.Integer(required=True)
    placing_authority_code = fields.String(required=True)
    host_authority_code = fields.String(required=True)
    force_code = fields.String(required=True)
    basis = fields.String(required=True)
    sent_at = fields.DateTime(required=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    state = fields.String(required=True, metadata={"description": "waiting, acknowledged or withdrawn"})


class PoliceChildSchema(Schema):
    reference = fields.String(required=True, metadata={"description": "pseudonymous, never a name"})
    age = fields.Integer(required=True)
    sex = fields.String(required=True)
    risks = fields.List(fields.String(), required=True)


class PoliceNotificationSchema(PoliceNotificationSummarySchema):
    force = fields.String(required=True)
    placing_authority = fields.String(required=True)
    host_authority = fields.String(required=True)
    placement_label = fields.String(required=True)
    provider_name = fields.String(required=True)
    postcode = fields.String(allow_none=True)
    start_date = fields.Date(required=True)
    emergency = fields.Boolean(required=True)
    children = fields.List(fields.Nested(PoliceChildSchema), required=True)


class ReportSchema(Schema):
    relationship = fields.String(required=True)
    group = fields.String(required=True)
    source = fields.String(required=True)
    confidence = fields.String(required=True)
    review_by = fields.Date(required=True)


class EpisodeSchema(Schema):
    episode_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    before_placement = fields.Boolean(required=True, metadata={"description": "history from the year before"})
    started = fields.String(required=True)
    returned = fields.String(required=True)
    where_found = fields.String(allow_none=True)
    found_lat = fields.Float(allow_none=True)
    found_lon = fields.Float(allow_none=True)
    interview = fields.String(required=True)
    interview_colour = fields.String(required=True)
    interview_done_on = fields.Date(allow_none=True)


class ChildSchema(Schema):
    reference = fields.String(required=True)
    age = fields.Integer(required=True)
    sex = fields.String(required=True)
    placing_authority = fields.String(required=True)
    placing_authority_code = fields.String(required=True)
    host_authority = fields.String(required=True)
    placement_label = fields.String(required=True)
    placement_lat = fields.Float(required=True)
    placement_lon = fields.Float(required=True)
    placed_on = fields.Date(required=True)
    episodes = fields.List(fields.Nested(EpisodeSchema), required=True)
    reports = fields.List(
        fields.Nested(ReportSchema),
        required=True,
        metadata={"description": "reported associations: reports with source and review date, never facts"},
    )


class CoordinatorMapSchema(Schema):
    force = fields.String(required=True)
    refused = fields.List(
        fields.String(), required=True, metadata={"description": "placing authorities not shown: no agreement"}
    )
    children = fields.List(fields.Nested(ChildSchema), required=True)


class InterviewTaskSchema(Schema):
    episode_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    age = fields.Integer(required=True)
    placing_authority = fields.String(required=True)
    host_authority = fields.String(required=True)
    placement_label = fields.String(required=True)
    returned = fields.String(required=True)
    due = fields.String(required=True)
    state = fields.String(required=True)
    words = fields.String(required=True)
    colour = fields.String(required=True)
    offered = fields.Boolean(required=True)
    done_on = fields.Date(allow_none=True)
    declined = fields.Boolean(required=True)


class RecordInterviewSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(missing_from_care.OUTCOMES))
    held_on = fields.String(load_default="", metadata={"description": "YYYY-MM-DD, when the outcome is done"})


class RecordedSchema(Schema):
    episode_id = fields.Integer(required=True)
    outcome = fields.String(required=True)


def _notice(view: police_notifications.PoliceView) -> dict[str, Any]:
    return police_notifications.summary(view.notification) | {
        "force": view.force,
        "placing_authority": view.placing_authority,
        "host_authority": view.host_authority,
        "placement_label": view.placement_label,
        "provider_name": view.provider_name,
        "postcode": view.postcode,
        "start_date": view.start_date,
        "emergency": view.emergency,
        "children": [asdict(c) for c in view.children],
    }


@blueprint.route("/police-notifications")
@blueprint.errors(403)
@blueprint.response(200, PoliceNotificationSummarySchema(many=True))
@blueprint.paginate()
def list_police_notifications(pagination_parameters: PaginationParameters) -> list[Any]:
    """List the notices of children placed in your force's area

    The missing-persons co-ordinator's; the unacknowledged first, newest first. Other roles get an empty list.
    """
    found = police_notifications.to_my_force(current_api_user())
    return page_of([police_notifications.summary(n) for n in found], pagination_parameters)


@blueprint.route(f"/police-notifications/{NOTIFICATION_ID}")
@blueprint.errors(403, 404)
@blueprint.response(200, PoliceNotificationSchema)
def get_police_notification(notification_id: int) -> Any:
    """Get a notice to your force (or, for the placing authority, one it sent); audited with its basis"""
    return _notice(police_notifications.view(current_api_user(), notification_id))


@blueprint.route(f"/police-notifications/{NOTIFICATION_ID}/acknowledge", methods=["POST"])
@blueprint.errors(403, 404, 409)
@blueprint.response(200, PoliceNotificationSchema)
def acknowledge_police_notification(notification_id: int) -> Any:
    """Acknowledge a notice for your force

    The force's missing-persons co-ordinator. 409 if already acknowledged (the first stands) or withdrawn.
    """
    user = current_api_user()
    police_notifications.acknowledge(user, notification_id)
    return _notice(police_notifications.view(user, notification_id))


@blueprint.route("/missing-from-care/map")
@blueprint.errors(403)
@blueprint.response(200, CoordinatorMapSchema)
def coordinator_map() -> Any:
    """The co-ordinator's map and list, as data

    Children placed in your force's area whose placing authority shares with your force for missing
    from care. Audited, naming the agreements relied on.
    """
    view = missing_from_care.coordinator_view(current_api_user())
    return {"force": view.force, "refused": view.refused, "children": [asdict(c) for c in view.children]}


@blueprint.route("/return-home-interviews")
@blueprint.errors(403)
@blueprint.response(200, InterviewTaskSchema(many=True))
@blueprint.paginate()
def list_interviews(pagination_parameters: PaginationParameters) -> list[Any]:
    """List the returns from missing in your commissioned areas (return-home-interview providers)"""
    tasks = missing_from_care.interview_tasks(current_api_user())
    return page_of([asdict(t) for t in tasks], pagination_parameters)


@blueprint.route(f"/return-home-interviews/{EPISODE_ID}", methods=["POST"])
@blueprint.arguments(RecordInterviewSchema)
@blueprint.errors(403, 404, 422)
@blueprint.response(200, RecordedSchema)
def record_interview(body: dict[str, Any], episode_id: int) -> Any:
    """Record the interview offered, held (with held_on) or declined

    Written on the placing authority's record of the episode, naming your organisation; audited.
    """
    outcome = missing_from_care.record_interview(current_api_user(), episode_id, body)
    return {"episode_id": episode_id, "outcome": outcome}


class SuggestedSchema(Schema):
    episode_id = fields.Integer(required=True)
    suggestion_id = fields.Integer(required=True)


@blueprint.route(f"/missing-from-care/episodes/{EPISODE_ID}/suggested-area", methods=["POST"])
@blueprint.errors(403, 404, 409)
@blueprint.response(201, SuggestedSchema)
def suggest_area(episode_id: int) -> Any:
    """Suggest where a child was found as an area, for the placing authority to confirm

    The co-ordinator, for an episode on the force's map with a found location; once per episode
    (409). The placing authority confirms or dismisses it like a police.uk suggestion. Audited.
    """
    suggestion_id = suggested_areas.suggest_found_location(current_api_user(), episode_id)
    return {"episode_id": episode_id, "suggestion_id": suggestion_id}
