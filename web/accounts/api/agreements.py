"""Data-sharing agreements in the API: the same service and rules as the administration pages."""

from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters

from web.accounts.services import agreements
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user, page_of
from web.shared.api.schemas import AgreementSchema, EndAgreementSchema, NewAgreementSchema

blueprint = ApiBlueprint(
    "api_agreements",
    __name__,
    url_prefix=API_PREFIX + "/agreements",
    description=(
        "Data-sharing agreements: your authority's, with its co-operatives, per purpose. "
        "Administrators, directors and commissioners read them; administrators record and end them. "
        "Ending one stops the sharing at once."
    ),
)


@blueprint.route("")
@blueprint.errors(403, 422)
@blueprint.response(200, AgreementSchema(many=True))
@blueprint.paginate()
def list_agreements(pagination_parameters: PaginationParameters) -> list[Any]:
    """List your authority's agreements

    Ended and expired ones too, each with its status today.
    """
    return page_of(agreements.list_agreements(current_api_user()), pagination_parameters)


@blueprint.route("", methods=["POST"])
@blueprint.arguments(NewAgreementSchema)
@blueprint.errors(403, 422)
@blueprint.response(201, AgreementSchema)
def add_agreement(body: dict[str, Any]) -> Any:
    """Record a signed agreement

    For your own authority; it joins the co-operative if it had not. Audited.
    """
    user = current_api_user()
    new = agreements.NewAgreement(
        body["cooperative_code"].strip().upper(),
        user.authority_code,
        body["purpose"],
        body["starts_on"],
        body.get("ends_on"),
        body["review_by"],
        body["signed_by"],
    )
    return agreements.add_agreement(user, new)


@blueprint.route("/<int(max=2147483647):agreement_id>/end", methods=["POST"])
@blueprint.arguments(EndAgreementSchema)
@blueprint.errors(403, 404, 409, 422)
@blueprint.response(200, AgreementSchema)
def end_agreement(body: dict[str, Any], agreement_id: int) -> Any:
    """End an agreement today

    The sharing for its purpose stops at once. Audited.
    """
    return agreements.end_agreement(current_api_user(), agreement_id, body["reason"])
