"""What the API reads and writes, as marshmallow schemas (they are also the OpenAPI document).

Output schemas reject nothing (they dump), but the document marks them closed
(`additionalProperties: false`), so a field added to a response without its
schema fails the schemathesis test rather than going undocumented.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, pre_dump, validate

from planner.case import (
    AREA_KINDS,
    IMPORTANCE,
    OFSTED_RATINGS,
    SETTINGS,
    SEVERITY,
    SUITABILITY,
    SUPPORT_KINDS,
    URGENCY,
)
from web.shared.services.access_policy import PURPOSES as SHARING_PURPOSES

REFERRAL_STATUSES = ("open", "placed", "closed")
PLACEMENT_STATUSES = ("active", "suspended", "closed")
APPROVAL_LEVELS = ("none", "nominated_officer", "director")
APPROVAL_RULES = (
    "in_area",
    "adjoining",
    "at_a_distance",
    "reg_11_4_own_foster_carer",
    "reg_11_4_connected_person",
)
GSS_CODE = r"^[EWSN]\d{8}$"


class LocalDateTime(fields.DateTime):
    """A stored local time written with its UTC offset (RFC 3339), as OpenAPI's date-time requires."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.astimezone().isoformat(timespec="seconds")


def _text(description: str, **kwargs: Any) -> fields.String:
    return fields.String(metadata={"description": description}, **kwargs)


def _one_of(choices: tuple[str, ...], description: str, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(choices), metadata={"description": description}, **kwargs)


def _when(description: str, **kwargs: Any) -> LocalDateTime:
    return LocalDateTime(metadata={"description": description}, **kwargs)


# --- query strings ------------------------------------------------------------


class _Query(Schema):
    class Meta:
        unknown = EXCLUDE


class ReferralQuery(_Query):
    status = _one_of(REFERRAL_STATUSES, "Only referrals with this status (default: every status).")
    needed_by = _one_of(URGENCY, "Only referrals needed by this time.")


class WhyAboveQuery(_Query):
    above = fields.String(required=True, metadata={"description": "Placement id of one option of the run."})
    below = fields.String(required=True, metadata={"description": "Placement id of another option of the run."})


class PlacementQuery(_Query):
    setting = _one_of(SETTINGS, "Only placements of this setting.")
    authority = fields.String(
        validate=validate.Regexp(GSS_CODE, error="must be a GSS code such as E08000003"),
        metadata={"description": "Only placements in this local authority (GSS code)."},
    )
    has_vacancy = fields.Boolean(
        metadata={"description": "true: only placements with a vacancy; false: only full ones."}
    )
    status = _one_of(PLACEMENT_STATUSES, "Only placements with this status (default: every status).")


# --- young people -------------------------------------------------------------


class YoungPersonSummarySchema(Schema):
    reference = _text("Pseudonymous reference (never a name).")
    age = fields.Integer(metadata={"description": "Age in whole years today."})
    sex = _text("SSDA903 SEX code: 1 male, 2 female.")
    created_at = _when("When the record was created.")
    updated_at = _when("When the record was last changed.", allow_none=True)


class HomeSchema(Schema):
    postcode = _text("Home postcode, if recorded.", attribute="home_postcode", allow_none=True)
    lat = fields.Float(attribute="home_lat")
    lon = fields.Float(attribute="home_lon")


class GroupLinkSchema(Schema):
    group_code = _text("The group's code.", attribute="group.code")
    group_label = _text("The group's (fictional, in demo data) name.", attribute="group.label")
    relationship_kind = _text("affiliated or exploited_by.")
    source = _text("Where the intelligence came from.")
    confidence = _one_of(("high", "medium", "low"), "How far the intelligence is trusted.")
    review_by = fields.Date(metadata={"description": "Not used after this date unless reviewed."})


class PersonToAvoidSchema(Schema):
    person_reference = _text("The other person's reference.")
    reason = _text("Why they should be kept apart.")


class RiskLocationSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    radius_km = fields.Float()
    source = _text("Who recorded it, or the missing episode it came from.")
    created_at = _when("When it was recorded.")


class SupportLinkSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    kind = _one_of(SUPPORT_KINDS, "Who or what the link is.")
    lat = fields.Float()
    lon = fields.Float()
    importance = _one_of(IMPORTANCE, "How much the link matters to the child.")
    visits_per_month = fields.Float()
    max_km = fields.Float(allow_none=True, metadata={"description": "Furthest the link may be, if limited."})


class MissingEpisodeSchema(Schema):
    id = fields.Integer()
    kind = _one_of(("M", "A"), "SSDA903 MISSING: M missing, A away without authorisation.")
    start = _when("When the child went missing.")
    start_time_known = fields.Boolean(
        metadata={"description": "False when only the day of the start is known (SSDA903 gives dates only)."}
    )
    end = _when("When the child was found or came back.", allow_none=True)
    end_time_known = fields.Boolean(
        metadata={"description": "False when only the day of the return is known: the 72 hours run from its end."}
    )
    marked_missing_at = _when("When a person marked an away (A) episode as missing; null if not.", allow_none=True)
    where_found = fields.String(allow_none=True)
    found_lat = fields.Float(allow_none=True)
    found_lon = fields.Float(allow_none=True)
    reported_by = _text("carer, school, police, ...")
    rhi_offered = fields.Boolean(metadata={"description": "Whether a return home interview was offered."})
    rhi_offered_at = _when("When it was offered.", allow_none=True)
    rhi_accepted = fields.Boolean(allow_none=True)
    rhi_date = fields.Date(allow_none=True, metadata={"description": "When the interview took place."})
    rhi_provider = fields.String(allow_none=True, metadata={"description": "Who does the interview."})
    risk_location_id = fields.Integer(
        allow_none=True, metadata={"description": "The risk location a worker made of where the child was found."}
    )


class ReferralReferenceSchema(Schema):
    reference = fields.String()


class YoungPersonSchema(Schema):
    """A young person's whole record (the view is audited)."""

    reference = _text("Pseudonymous reference (never a name).", attribute="person.reference")
    date_of_birth = fields.Date(attribute="person.date_of_birth")
    age = fields.Integer(metadata={"description": "Age in whole years today."})
    sex = _text("SSDA903 SEX code: 1 male, 2 female.", attribute="person.sex")
    ethnicity = _text("SSDA903 ETHNIC code, such as WBRI.", attribute="person.ethnicity")
    home = fields.Nested(HomeSchema, attribute="person")
    responsible_authority_code = _text(
        "GSS code of the authority responsible for the child.", attribute="person.responsible_authority_code"
    )
    risks = fields.List(fields.String(), attribute="person.risks")
    groups = fields.List(fields.Nested(GroupLinkSchema), attribute="person.group_links")
    people_to_avoid = fields.List(fields.Nested(PersonToAvoidSchema), attribute="person.people_to_avoid")
    risk_locations = fields.List(fields.Nested(RiskLocationSchema), attribute="person.risk_locations")
    support_links = fields.List(fields.Nested(SupportLinkSchema), attribute="person.support_links")
    missing_episodes = fields.List(fields.Nested(MissingEpisodeSchema), attribute="person.missing_episodes")
    referrals = fields.Pluck(
        "ReferralReferenceSchema",
        "reference",
        many=True,
        metadata={"description": "References of the referrals the child is in, newest first."},
    )
    created_at = _when("When the record was created.", attribute="person.created_at")
    updated_at = _when("When the record was last changed.", attribute="person.updated_at", allow_none=True)


# --- referrals ----------------------------------------------------------------


class ReferralSummarySchema(Schema):
    reference = fields.String()
    status = _one_of(REFERRAL_STATUSES, "open, placed or closed.")
    needed_by = _one_of(URGENCY, "today, within_5_days or later.")
    young_people = fields.List(fields.String(), metadata={"description": "References of the young people."})
    created_at = _when("When the referral was made.")
    updated_at = _when("When it was last changed.", allow_none=True)


class YoungPersonReferenceSchema(Schema):
    reference = fields.String()


class ExclusionSchema(Schema):
    placement_code = _text("The placement a worker ruled out.", attribute="placement.code")
    reason = _text("Why.")
    excluded_at = _when("When.")


class ReferralSchema(Schema):
    """A referral (the view is audited, as a view of each of its young people)."""

    reference = fields.String()
    authority_code = _text("GSS code of the responsible authority.")
    status = _one_of(REFERRAL_STATUSES, "open, placed or closed.")
    needed_by = _one_of(URGENCY, "today, within_5_days or later.")
    settings = fields.Dict(
        keys=fields.String(validate=validate.OneOf(SETTINGS)),
        values=fields.String(validate=validate.OneOf(SUITABILITY)),
        metadata={"description": "Suitability of each setting; a setting left out is suitable."},
    )
    required_specialisms = fields.List(fields.String())
    preferred_specialisms = fields.List(fields.String())
    solo = fields.Boolean(metadata={"description": "Whether a solo placement is recommended."})
    max_km_from_home = fields.Float(allow_none=True, metadata={"description": "Furthest from home, if limited."})
    secure_accommodation = fields.Method(
        "_secure",
        metadata={
            "type": "object",
            "nullable": True,
            "description": "What allows a secure children's home: {basis: s25_order | authorisation, start, end}; "
            "null when nothing is recorded (no secure children's home is considered).",
        },
    )
    fostering_exemption = fields.Boolean(
        metadata={"description": "An exemption from the usual fostering limit granted for this referral (Schedule 7)."}
    )
    notes = fields.String()
    young_people = fields.Pluck(YoungPersonReferenceSchema, "reference", many=True)
    exclusions = fields.List(fields.Nested(ExclusionSchema))
    created_at = _when("When the referral was made.")
    updated_at = _when("When it was last changed.", allow_none=True)

    def _secure(self, referral: Any) -> dict[str, str] | None:
        if not (referral.secure_basis and referral.secure_start and referral.secure_end):
            return None
        return {
            "basis": referral.secure_basis,
            "start": referral.secure_start.isoformat(),
            "end": referral.secure_end.isoformat(),
        }


# --- ranking runs and the placement-ranking/1 document -------------------------


class RankingSummarySchema(Schema):
    placements = fields.Integer(required=True, metadata={"description": "Placements considered."})
    feasible = fields.Integer(required=True, metadata={"description": "Placements that pass every hard rule."})
    returned = fields.Integer(required=True, metadata={"description": "Options returned (at most max_options)."})
    excluded_by_reason = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "How many placements each reason code excluded."},
    )


class RankingRunSchema(Schema):
    """A stored ranking run: who asked, when, under which engine and policy, and the outcome in brief."""

    id = fields.Integer()
    referral = fields.String(attribute="referral_reference")
    requested_by = _text("Name of the user who ran it.")
    requested_at = _when("When it ran.")
    engine_version = fields.String()
    policy_version = _text("sha256 of the effective policy.")
    summary = fields.Nested(RankingSummarySchema, attribute="result.summary")
    warnings = fields.List(fields.String(), metadata={"description": "Intelligence left out for being out of date."})


class WeightsSchema(Schema):
    safety = fields.Float(required=True)
    support = fields.Float(required=True)
    journey = fields.Float(metadata={"description": "Absent in runs made before the journey component."})
    specialist = fields.Float(required=True)
    continuity = fields.Float(required=True)
    cost = fields.Float(required=True)


class RankingPolicySchema(Schema):
    min_km_from_linked_areas = fields.Float(required=True)
    min_km_from_high_severity_areas = fields.Float(required=True)
    safe_km = fields.Float(required=True)
    high_area_scale_km = fields.Float(required=True)
    medium_area_scale_km = fields.Float(required=True)
    support_scale_km = fields.Float(required=True)
    cost_half_weekly = fields.Float(required=True)
    # Added with the journey component (absent in older runs).
    journey_kmh = fields.Float()
    journey_hours_per_month = fields.Float()
    essential_warning_extra_km = fields.Float()
    essential_warning_min_safety = fields.Float()
    robustness_weight_change = fields.Float()
    allow_inadequate = fields.Boolean(required=True)
    use_expired_intelligence = fields.Boolean(required=True)
    max_options = fields.Integer(required=True)
    weights = fields.Nested(WeightsSchema, required=True)
    time_limit_seconds = fields.Float(required=True)
    workers = fields.Integer(required=True)
    version = fields.String(required=True, metadata={"description": "sha256 of the effective policy."})


class FactsSchema(Schema):
    distance_from_home_km = fields.Float(required=True)
    nearest_linked_km = fields.Float(required=True, allow_none=True)
    nearest_linked_id = fields.String(required=True, allow_none=True)
    nearest_risk_location_km = fields.Float(required=True, allow_none=True)
    nearest_risk_location_id = fields.String(required=True, allow_none=True)
    nearest_high_severity_km = fields.Float(required=True, allow_none=True)
    support_km = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    la_code = fields.String(required=True, allow_none=True)
    in_area = fields.Boolean(required=True, allow_none=True)
    approval = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(APPROVAL_LEVELS),
        metadata={"description": "reg 11 approval level; null when it cannot be worked out."},
    )
    approval_rule = fields.String(
        allow_none=True,
        validate=validate.OneOf(APPROVAL_RULES),
        metadata={
            "description": "Which reg 11 rule gave the level: in_area, adjoining, at_a_distance, or an exception "
            "under reg 11(4) (reg_11_4_own_foster_carer, reg_11_4_connected_person); null as approval."
        },
    )


class OptionSchema(Schema):
    rank = fields.Integer(required=True)
    placement_id = fields.String(required=True)
    score = fields.Float(required=True, metadata={"description": "0 to 100, two decimals."})
    components = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    facts = fields.Nested(FactsSchema, required=True)
    reasons = fields.List(fields.String(), required=True, metadata={"description": "Plain-words reasons."})
    component_words = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Each component in words, e.g. 'Specialist 0.62: Ofsted good; ...'."},
    )
    dominated_by = fields.List(
        fields.String(),
        metadata={"description": "Options with higher safety that are also closer to the support network."},
    )


class ReasonSchema(Schema):
    code = fields.String(required=True)
    detail = fields.String(required=True)


class ExcludedSchema(Schema):
    placement_id = fields.String(required=True)
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)


class RankingWarningSchema(Schema):
    code = fields.String(
        required=True, metadata={"description": "expired_intelligence | top_option_far_from_essential"}
    )
    area_id = fields.String(required=True, allow_none=True, metadata={"description": "null for an essential warning."})
    detail = fields.String(required=True)
    placement_id = fields.String(metadata={"description": "top_option_far_from_essential: the top option."})
    closer_placement_id = fields.String(metadata={"description": "The safe option much closer to the person."})
    support_id = fields.String(metadata={"description": "The essential support link."})


class RobustnessCheckSchema(Schema):
    weight = fields.String(required=True)
    factor = fields.Float(required=True)
    rank1 = fields.String(required=True)


class RobustnessSchema(Schema):
    weight_change = fields.Float(required=True)
    rank1 = fields.String(required=True)
    stable = fields.Boolean(required=True, metadata={"description": "Rank 1 stays rank 1 in every check."})
    checks = fields.List(fields.Nested(RobustnessCheckSchema), required=True)
    detail = fields.String(required=True)


class WhyAboveComponentSchema(Schema):
    component = fields.String(required=True)
    points = fields.Float(required=True, metadata={"description": "Points this component adds (+) or takes (-)."})
    detail = fields.String(required=True)


class WhyAboveSchema(Schema):
    """Why one option of a run scores above another: the points each component adds or takes away."""

    above = fields.String(required=True)
    below = fields.String(required=True)
    difference = fields.Float(required=True, metadata={"description": "Score of `above` minus score of `below`."})
    summary = fields.String(required=True)
    components = fields.List(fields.Nested(WhyAboveComponentSchema), required=True)


class RankingSchema(Schema):
    """The `placement-ranking/1` document (see docs/case-format.md)."""

    format = fields.String(required=True, validate=validate.Equal("placement-ranking/1"))
    referral_id = fields.String(required=True)
    as_of = fields.String(required=True, metadata={"format": "date"})
    policy = fields.Nested(RankingPolicySchema, required=True)
    options = fields.List(fields.Nested(OptionSchema), required=True)
    excluded = fields.List(fields.Nested(ExcludedSchema), required=True)
    summary = fields.Nested(RankingSummarySchema, required=True)
    warnings = fields.List(fields.Nested(RankingWarningSchema), required=True)
    robustness = fields.Nested(
        RobustnessSchema,
        allow_none=True,
        metadata={
            "description": "Whether rank 1 survives any one weight moved a quarter either way; null if no option."
        },
    )


# --- the shared pool ----------------------------------------------------------


class PlacementSchema(Schema):
    """A placement in the consortium's shared pool (who lives there is not shown)."""

    code = fields.String()
    label = fields.String()
    provider_name = fields.String()
    postcode = fields.String(allow_none=True)
    status = _one_of(PLACEMENT_STATUSES, "active, suspended or closed.")
    setting = _one_of(SETTINGS, "foster, residential, supported or secure.")
    place_code = fields.String(allow_none=True, metadata={"description": "SSDA903 PLACE code."})
    provider = fields.String(allow_none=True, metadata={"description": "SSDA903 PLACE_PROVIDER code."})
    urn = fields.String(allow_none=True, metadata={"description": "Ofsted unique reference number."})
    authority_code = fields.String(allow_none=True, metadata={"description": "GSS code of the host authority."})
    lat = fields.Float()
    lon = fields.Float()
    vacancies = fields.Integer()
    capacity = fields.Integer()
    age_min = fields.Integer()
    age_max = fields.Integer()
    sexes = fields.List(fields.String(), allow_none=True, metadata={"description": "Sexes accepted; null means any."})
    specialisms = fields.List(fields.String())
    specialist = fields.Boolean()
    ofsted_rating = fields.String(allow_none=True, validate=validate.OneOf(OFSTED_RATINGS))
    weekly_cost = fields.Float(allow_none=True, metadata={"description": "GBP a week."})
    fostering_exemption = fields.Boolean(
        metadata={"description": "The household is exempt from the usual fostering limit (Schedule 7)."}
    )
    approved_by = fields.String(
        allow_none=True, metadata={"description": "GSS code of the authority that approved these foster carers."}
    )
    connected_person = fields.Boolean(
        metadata={"description": "The carers are the child's relative, friend or other connected person (reg 24)."}
    )
    updated_at = _when("When the record was last changed.")


class GroupCodeSchema(Schema):
    code = fields.String()


class AreaSchema(Schema):
    """A gang-affected area: intelligence, with its source, confidence and review date."""

    code = fields.String()
    label = fields.String()
    kind = _one_of(AREA_KINDS, "What kind of area it is.")
    lat = fields.Float()
    lon = fields.Float()
    radius_km = fields.Float()
    severity = _one_of(SEVERITY, "high, medium or low.")
    source = fields.String()
    confidence = _one_of(("high", "medium", "low"), "How far the intelligence is trusted.")
    review_by = fields.Date(metadata={"description": "Not used after this date unless reviewed."})
    groups = fields.Pluck(GroupCodeSchema, "code", many=True, metadata={"description": "Codes of the linked groups."})
    updated_at = _when("When the record was last changed.")


# --- decisions and care-plan versions -------------------------------------------


DECISION_STATUSES = ("awaiting_approval", "approved", "refused")


class CarePlanVersionSchema(Schema):
    """One version of a care plan: never changed; amending adds the next."""

    number = fields.Integer(metadata={"description": "1 for the plan made with the decision, then one per amendment."})
    content = fields.Dict(
        keys=fields.String(),
        metadata={"description": "The care plan as recorded: rationale, wishes, safety plan, contact, education, ..."},
    )
    change_note = _text("Why it was amended (empty for version 1).")
    written_by = _text("Name of the user who wrote it.", attribute="written_by.name")
    written_at = _when("When it was written.")


class DecisionSummarySchema(Schema):
    """A decision: the option chosen from a ranking run, and the places it holds."""

    id = fields.Integer()
    referral = fields.String(attribute="referral.reference")
    ranking_run_id = fields.Integer()
    placement = _text("Code of the chosen placement.", attribute="placement.code")
    option_rank = fields.Integer(metadata={"description": "The chosen option's rank in the run (1 is the top)."})
    places = fields.Integer(metadata={"description": "Places taken (one per young person)."})
    status = _one_of(DECISION_STATUSES, "awaiting_approval, approved or refused.")
    approval_level = _one_of(APPROVAL_LEVELS, "reg 11 approval the placement needs.")
    approval_rule = fields.String(
        allow_none=True,
        validate=validate.OneOf(APPROVAL_RULES),
        metadata={"description": "Which reg 11 rule applied (as a ranking option's approval_rule); null if older."},
    )
    needs_education_approval = fields.Boolean(metadata={"description": "reg 10: a Key Stage 4 pupil's move."})
    emergency = fields.Boolean()
    out_of_area = fields.Boolean()
    at_a_distance = fields.Boolean(metadata={"description": "Out of area and not in an adjoining authority."})
    start_date = fields.Date()
    decided_by = _text("Name of the user who decided.", attribute="decided_by.name")
    decided_at = _when("When it was decided.")
    care_plan_version = fields.Method(
        "_latest", metadata={"type": "integer", "description": "Number of the current care-plan version."}
    )

    def _latest(self, decision: Any) -> int:
        return int(decision.versions[-1].number) if decision.versions else 0


class RequirementSchema(Schema):
    requirement = _one_of(("reg11", "reg10"), "Which approval.", attribute="key")
    title = fields.String()
    role_required = _text("The role that may approve it.", attribute="role")
    outcome = fields.String(
        allow_none=True,
        validate=validate.OneOf(("approved", "refused")),
        attribute="approval.outcome",
        metadata={"description": "null while waiting."},
    )
    comment = fields.String(allow_none=True, attribute="approval.comment")
    by = fields.String(allow_none=True, attribute="approval.by.name")
    at = _when("When it was answered.", allow_none=True, attribute="approval.at")
    care_plan_number = fields.Integer(
        allow_none=True, attribute="approval.care_plan_number", metadata={"description": "The version approved."}
    )


class DeadlineSchema(Schema):
    what = fields.String()
    law = fields.String()
    due = fields.Date()
    done_on = fields.Date(allow_none=True)


class HostStepSchema(Schema):
    what = fields.String()
    done_on = fields.Date(allow_none=True, metadata={"description": "As the current care plan records it."})
    needed_before_approval = fields.Boolean()


class DecisionSchema(DecisionSummarySchema):
    """A decision with its approvals, statutory deadlines (none once refused) and current care plan (audited)."""

    requirements = fields.List(fields.Nested(RequirementSchema))
    deadlines = fields.List(fields.Nested(DeadlineSchema))
    host_steps = fields.List(
        fields.Nested(HostStepSchema),
        metadata={"description": "The host-authority steps reg 11 approval checks, from the care plan's dates."},
    )
    care_plan = fields.Nested(CarePlanVersionSchema, attribute="current")

    @pre_dump
    def _flatten(self, view: Any, **kwargs: Any) -> Any:
        return _DecisionView(view)


class _DecisionView:
    """A decision view read as one object: the view's own parts, then the decision's fields."""

    def __init__(self, view: Any):
        self._view = view

    def __getattr__(self, name: str) -> Any:
        if hasattr(self._view, name):
            return getattr(self._view, name)
        return getattr(self._view.decision, name)


class ContactPlanSchema(Schema):
    frequency = fields.String(
        required=True, metadata={"description": "daily | weekly | fortnightly | monthly | less_often | none"}
    )
    supervision = fields.String(required=True, metadata={"description": "unsupervised | supervised | not_applicable"})
    travel = fields.String(load_default="")


class CarePlanInputSchema(Schema):
    """A care plan as written: the same parts as the decision form. Dates are ISO (YYYY-MM-DD)."""

    rationale = fields.String(required=True)
    why_not_top = fields.String(load_default="", metadata={"description": "Required when the option is not ranked 1."})
    why_not_closer = fields.String(
        load_default="",
        metadata={
            "description": "Required when the run warned (top_option_far_from_essential) that this option is "
            "much further from an essential person than another safe option."
        },
    )
    wishes_and_feelings = fields.String(required=True)
    risks_and_safety_plan = fields.String(required=True)
    education_school = fields.String(
        required=True, metadata={"description": "same_school | new_school | not_in_education"}
    )
    education_key_stage_4 = fields.Boolean(load_default=False)
    education_detail = fields.String(load_default="")
    health = fields.String(load_default="")
    rhi_provider = fields.String(required=True)
    contact = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(ContactPlanSchema),
        load_default=dict,
        metadata={"description": "One entry per support link id (S-...) in the ranking run's case."},
    )
    host_authority_notified_on = fields.String(load_default=None, allow_none=True)
    host_police_notified_on = fields.String(load_default=None, allow_none=True)
    host_consulted_on = fields.String(load_default=None, allow_none=True)
    care_plan_sent_to_host_on = fields.String(load_default=None, allow_none=True)
    placement_plan_agreed_on = fields.String(load_default=None, allow_none=True)


class DecideSchema(Schema):
    """Choose an option of a stored ranking run; takes the places in the same transaction."""

    run_id = fields.Integer(required=True, strict=True)
    placement_id = fields.String(required=True)
    start_date = fields.String(required=True, metadata={"description": "YYYY-MM-DD"})
    emergency = fields.Boolean(load_default=False)
    care_plan = fields.Nested(CarePlanInputSchema, required=True)


class AmendSchema(Schema):
    change_note = fields.String(required=True)
    care_plan = fields.Nested(CarePlanInputSchema, required=True)


class ApprovalInputSchema(Schema):
    requirement = fields.String(required=True, metadata={"description": "reg11 | reg10"})
    outcome = fields.String(required=True, metadata={"description": "approved | refused"})
    comment = fields.String(required=True)
    confirmations = fields.List(
        fields.String(),
        load_default=list,
        metadata={"description": "Every confirmation key of the requirement, to approve (see the decision page)."},
    )
    care_plan_number = fields.Integer(
        load_default=None,
        metadata={"description": "The care plan version the approver read; 409 if it has been amended since."},
    )


# --- placement panels and relocation reviews ----------------------------------


class PanelInputSchema(Schema):
    referrals = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        validate=validate.Length(max=500),
        metadata={"description": "References of open referrals of your authority (default: all of them)."},
    )


class ProposedMatchSchema(Schema):
    referral = _text("The referral's reference.", attribute="reference")
    needed_by = _one_of(URGENCY, "When the placement is needed.")
    young_people = fields.Integer()
    placement = _text("Code of the proposed placement.", attribute="placement_code")
    placement_label = fields.String()
    setting = fields.String()
    score = fields.Float()
    own_rank = fields.Integer(
        allow_none=True, metadata={"description": "Where the placement stands in the referral's own ranking."}
    )
    reasons = fields.List(fields.String())
    miles_from_home = fields.Float(allow_none=True)
    in_area = fields.Boolean(allow_none=True)
    approval = fields.String(allow_none=True, metadata={"description": "reg 11 approval the placement would need."})
    still_open = fields.Boolean(metadata={"description": "Whether the referral is still open now."})
    held = fields.String(
        allow_none=True,
        metadata={
            "description": "Set when the referral has had a live decision since the run: "
            "'holds P-0338, awaiting the nominated officer'. The proposal then does not apply."
        },
    )
    decision_id = fields.Integer(allow_none=True, metadata={"description": "That live decision."})
    free_now = fields.Integer(metadata={"description": "Places free at the proposed placement now."})
    no_longer_free = fields.Boolean(
        metadata={"description": "Fewer places free now than the referral's young people: taken since the run."}
    )
    may_take_forward = fields.Boolean(
        metadata={"description": "Still open, no live decision, and the places still free: accept may succeed."}
    )


class HeldReferralSchema(Schema):
    referral = _text("The referral's reference.", attribute="reference")
    needed_by = _one_of(URGENCY, "When the placement is needed.")
    young_people = fields.Integer()
    placement = _text("Code of the placement its decision holds.", attribute="placement_code")
    decision_id = fields.Integer()
    detail = _text(
        "'holds P-0338, awaiting the nominated officer' (as now, or as when the panel ran if no longer live).",
        attribute="words",
    )


class UnplacedSchema(Schema):
    referral = _text("The referral's reference.", attribute="reference")
    needed_by = _one_of(URGENCY, "When the placement is needed.")
    young_people = fields.Integer()
    reasons = fields.List(fields.String(), metadata={"description": "Why not, and what would change it."})


class PanelSummarySchema(Schema):
    id = fields.Integer()
    requested_by = fields.String()
    requested_at = _when("When the panel was run.")
    referrals = fields.Integer()
    result = _text("The solver's result, in words.", attribute="status_words")


class PanelRunSchema(Schema):
    """A placement panel's allocation, as stored: never edited."""

    id = fields.Integer()
    requested_by = fields.String()
    requested_at = _when("When the panel was run.")
    engine_version = fields.String()
    policy_version = fields.String()
    status = fields.String(metadata={"description": "optimal | feasible | unknown | infeasible"})
    result = _text("The solver's result, in words.", attribute="status_words")
    gap = fields.Float(allow_none=True, metadata={"description": "0 when proven optimal."})
    solve_seconds = fields.Float()
    urgency_points = fields.Integer(allow_none=True)
    urgency_bound = fields.Integer(allow_none=True)
    referrals = fields.Integer()
    placements = fields.Integer()
    matches = fields.List(
        fields.Nested(ProposedMatchSchema),
        metadata={"description": "Those that may be taken forward first; any overtaken since the run after them."},
    )
    unplaced = fields.List(fields.Nested(UnplacedSchema))
    held = fields.List(
        fields.Nested(HeldReferralSchema),
        metadata={"description": "Referrals left out because a live decision already holds their place."},
    )


class AcceptedSchema(Schema):
    referral = _text("The referral's reference.", attribute="reference")
    ranking_run_id = fields.Integer(metadata={"description": "The fresh ranking run that lists the proposal."})
    placement = _text("Code of the proposed placement.", attribute="placement_code")


class RelocationReviewSummarySchema(Schema):
    id = fields.Integer()
    young_person = fields.String()
    placement = _text("The placement's name.")
    reasons = fields.List(fields.String())
    trigger = _text("What changed, in words.")
    opened_at = _when("When the re-check opened the review.")
    assigned_to = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "open | kept | moving | superseded"})
    closed_by = fields.String(allow_none=True)
    closed_at = _when("When a social worker closed it.", allow_none=True)


class AlternativeSchema(Schema):
    placement = _text("Code of the alternative placement.", attribute="placement_id")
    label = fields.String()
    setting = fields.String()
    score = fields.Float()
    miles_from_home = fields.Float()
    in_area = fields.Boolean(allow_none=True)
    reasons = fields.List(fields.String())
    free_now = fields.Integer(metadata={"description": "Places free at the placement now."})
    no_longer_free = fields.Boolean(
        metadata={"description": "Taken since the review opened; listed after the alternatives still free."}
    )


class RelocationReviewSchema(RelocationReviewSummarySchema):
    placement_code = fields.String()
    decision_referral = fields.String(allow_none=True, attribute="decision_reference")
    decision_id = fields.Integer(allow_none=True)
    alternatives = fields.List(fields.Nested(AlternativeSchema))
    outcome = fields.String(allow_none=True, metadata={"description": "What the social worker decided, in words."})
    outcome_note = fields.String(allow_none=True)

    @pre_dump
    def _flatten(self, view: Any, **_: Any) -> dict[str, Any]:
        row = view.row
        return {
            **{name: getattr(row, name) for name in row.__dataclass_fields__},
            "placement_code": view.placement_code,
            "decision_reference": view.decision_reference,
            "decision_id": view.decision_id,
            "alternatives": view.alternatives,
            "outcome": view.outcome,
            "outcome_note": view.outcome_note,
        }


class RelocationDecisionSchema(Schema):
    outcome = fields.String(required=True, metadata={"description": "kept | moving"})
    note = fields.String(required=True, metadata={"description": "Why: what was weighed up."})


class AgreementSchema(Schema):
    """A data-sharing agreement: a member's, with a co-operative, for one purpose."""

    id = fields.Integer(required=True)
    cooperative_code = fields.String(required=True)
    cooperative = fields.String(required=True, metadata={"description": "The co-operative's name."})
    member_code = fields.String(required=True)
    member = fields.String(required=True, metadata={"description": "The member's name."})
    purpose = fields.String(required=True, validate=validate.OneOf(SHARING_PURPOSES))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True, allow_none=True, metadata={"description": "Null: until ended."})
    review_by = fields.Date(required=True)
    signed_by = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(("in force", "review overdue", "not started", "expired", "ended"))
    )
    ended_on = fields.Date(required=True, allow_none=True)
    end_reason = fields.String(required=True, allow_none=True)


class NewAgreementSchema(Schema):
    """A signed agreement to record for your own authority (administrators only)."""

    cooperative_code = fields.String(required=True, validate=validate.Length(min=2, max=40))
    purpose = fields.String(required=True, validate=validate.OneOf(SHARING_PURPOSES))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    review_by = fields.Date(required=True)
    signed_by = fields.String(required=True, validate=validate.Length(min=1, max=120))


class EndAgreementSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class GroupSchema(Schema):
    """A group (gang or network): intelligence, with its owner, source, confidence and review date."""

    code = fields.String(required=True)
    label = fields.String(required=True)
    source = fields.String(required=True)
    confidence = fields.String(required=True, validate=validate.OneOf(("high", "medium", "low")))
    review_by = fields.Date(required=True)
    owner_code = fields.String(required=True, allow_none=True, metadata={"description": "Who recorded it."})
    owner = fields.String(required=True)
    retired_on = fields.Date(required=True, allow_none=True)
    shared = fields.String(
        required=True, allow_none=True, metadata={"description": "Why another owner's group is visible to you."}
    )


class GroupInputSchema(Schema):
    """A group's label, source, confidence and review date."""

    label = fields.String(required=True, validate=validate.Length(min=1, max=120))
    source = fields.String(required=True, validate=validate.Length(min=1, max=120))
    confidence = fields.String(required=True, validate=validate.OneOf(("high", "medium", "low")))
    review_by = fields.Date(required=True)


class NewGroupSchema(GroupInputSchema):
    """A new group, owned by your authority."""

    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"))
