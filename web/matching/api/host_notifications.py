"""Reg 13 notifications through the API: the same rules as the pages (casework roles).

The placing authority's social worker sends one for a decision in another authority's
area; the host authority's casework users list, read and acknowledge them. Reading one is
audited with its legal basis.
"""

from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema, fields

from web.matching.services import host_notifications
from web.matching.services.host_notifications import NotificationView
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user, page_of

blueprint = ApiBlueprint(
    "api_host_notifications",
    __name__,
    url_prefix=API_PREFIX,
    description=(
        "Reg 13 notifications: the placing authority tells the host authority of a child placed in its "
        "area; the host reads what it needs (placement, ages and needs, why, the care plan) and "
        "acknowledges. Casework roles; commissioners get 403; other authorities 404."
    ),
)
NOTIFICATION_ID = "<int(max=2147483647):notification_id>"
DECISION_ID = "<int(max=2147483647):decision_id>"


class HostNotificationSummarySchema(Schema):
    id = fields.Integer(required=True)
    placing_authority_code = fields.String(required=True)
    host_authority_code = fields.String(required=True)
    law = fields.String(required=True)
    sent_at = fields.DateTime(required=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    state = fields.String(required=True, metadata={"description": "waiting, acknowledged or withdrawn"})


class ChildSummarySchema(Schema):
    age = fields.Integer(required=True)
    sex = fields.String(required=True)
    risks = fields.List(fields.String(), required=True)


class HostNotificationSchema(HostNotificationSummarySchema):
    placing_authority = fields.String(required=True)
    host_authority = fields.String(required=True)
    referral_reference = fields.String(required=True)
    placement_label = fields.String(required=True)
    provider_name = fields.String(required=True)
    setting = fields.String(required=True)
    start_date = fields.Date(required=True)
    emergency = fields.Boolean(required=True)
    children = fields.List(fields.Nested(ChildSummarySchema), required=True)
    needs = fields.List(fields.String(), required=True)
    reasons = fields.List(fields.String(), required=True, metadata={"description": "the option's reasons, in words"})
    care_plan_number = fields.Integer(required=True)
    care_plan = fields.List(fields.List(fields.String()), required=True, metadata={"description": "[label, text]"})


def _body(view: NotificationView) -> dict[str, Any]:
    return host_notifications.summary(view.notification) | {
        "placing_authority": view.placing_authority,
        "host_authority": view.host_authority,
        "referral_reference": view.notification.decision.referral.reference,
        "placement_label": view.placement_label,
        "provider_name": view.provider_name,
        "setting": view.setting,
        "start_date": view.start_date,
        "emergency": view.emergency,
        "children": [{"age": c.age, "sex": c.sex, "risks": c.risks} for c in view.children],
        "needs": view.needs,
        "reasons": view.reasons,
        "care_plan_number": view.care_plan_number,
        "care_plan": [list(row) for row in view.care_plan_rows],
    }


@blueprint.route("/host-notifications")
@blueprint.errors(403)
@blueprint.response(200, HostNotificationSummarySchema(many=True))
@blueprint.paginate()
def list_notifications(pagination_parameters: PaginationParameters) -> list[Any]:
    """List the notifications to your authority as host

    Children other authorities placed in your area: the unacknowledged first, newest first.
    """
    found = host_notifications.to_my_authority(current_api_user())
    return page_of([host_notifications.summary(n) for n in found], pagination_parameters)


@blueprint.route(f"/host-notifications/{NOTIFICATION_ID}")
@blueprint.errors(403, 404)
@blueprint.response(200, HostNotificationSchema)
def get_notification(notification_id: int) -> Any:
    """Get a notification

    For the host authority and the placing authority. The view is audited, with its basis.
    """
    return _body(host_notifications.view(current_api_user(), notification_id))


@blueprint.route(f"/host-notifications/{NOTIFICATION_ID}/acknowledge", methods=["POST"])
@blueprint.errors(403, 404, 409)
@blueprint.response(200, HostNotificationSchema)
def acknowledge(notification_id: int) -> Any:
    """Acknowledge a notification for your authority (the host)

    409 if it was already acknowledged (the first stands) or withdrawn.
    """
    user = current_api_user()
    host_notifications.acknowledge(user, notification_id)
    return _body(host_notifications.view(user, notification_id))


@blueprint.route(f"/referrals/<reference>/decisions/{DECISION_ID}/host-notification", methods=["POST"])
@blueprint.errors(403, 404, 409)
@blueprint.response(201, HostNotificationSchema)
def send(reference: str, decision_id: int) -> Any:
    """Notify the host authority of a decision (reg 13)

    Social workers of the placing authority. The care plan records the date (a new version).
    409 when the placement is in your own area, the decision was refused, or it was sent already.
    """
    user = current_api_user()
    notification_id = host_notifications.send(user, reference, decision_id)
    return _body(host_notifications.view(user, notification_id))
