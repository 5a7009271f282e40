"""The options page beyond the table: the map, comparing options, and excluding an option.

Everything drawn or compared comes from the stored run (its case and its result), so
the page shows what the engine saw when it ranked, not today's records. Worker
exclusions are the exception: they are the referral's current list, because lifting
or adding one changes the next run.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from itertools import combinations
from typing import Any, TypeVar

from planner.authorities import authority_name
from planner.geometry import buffer_outline, km_to_miles
from planner.score_words import component_points, why_above
from web import db
from web.accounts.repositories import users as user_repository
from web.accounts.services.accounts import SignedInUser
from web.casework.services.referrals import get_for, may_edit
from web.matching.repositories import exclusions as exclusion_repository
from web.matching.repositories import ranking_runs as run_repository
from web.matching.services import ranking_runs, run_exclusions
from web.matching.services.ranking_runs import RunView
from web.matching.services.stored_cases import stored_case, stored_placements
from web.models import RankingRun, Referral, ReferralExclusion
from web.shared.repositories import authorities, intelligence
from web.shared.services import audit
from web.shared.services.errors import Forbidden, InvalidInput, NotFound

MAX_REASON_LENGTH = 500
T = TypeVar("T")
COMPARE_FEWEST, COMPARE_MOST = 2, 3


class FieldProblems(InvalidInput):
    """Invalid input with each message keyed by the form field it is about."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(list(fields.values()))
        self.fields = fields


@dataclass(frozen=True)
class WorkerExclusion:
    """A placement a worker has excluded for the referral, as it stands now."""

    id: int
    placement_code: str
    placement_label: str
    reason: str
    excluded_by: str
    excluded_at: datetime


@dataclass(frozen=True)
class ExcludedLine:
    """One placement excluded for a reason, in words."""

    placement_id: str
    label: str
    detail: str


@dataclass(frozen=True)
class OptionsPage:
    run: RunView
    # Every layer small enough to send with the page; the others are fetched for the map's view.
    map_layers: dict[str, list[dict[str, Any]]]
    exclusions: list[WorkerExclusion]
    referral_open: bool
    may_change: bool  # whether this user may exclude options and lift exclusions now
    map_counts: dict[str, int] = field(default_factory=dict)  # every layer's size, sent or not
    fetched_layers: tuple[str, ...] = ()
    # The first few placements excluded for each reason; the rest are a page of their own.
    excluded_preview: dict[str, list[ExcludedLine]] = field(default_factory=dict)
    # Placement id -> whose intelligence excluded or lowered it ("Salford: high-severity area ..."),
    # for the placements the page names.
    intelligence: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ExcludedPage:
    """One page of the placements a run excluded for one reason."""

    run: RunView
    code: str
    lines: list[ExcludedLine]
    page: int
    pages: int
    total: int
    first: int  # the position (from 1) of the page's first line among all of them
    intelligence: dict[str, list[str]] = field(default_factory=dict)  # as on OptionsPage, for these lines


@dataclass(frozen=True)
class ComparedOption:
    option: dict[str, Any]
    placement: dict[str, Any]
    points: dict[str, float]  # each component's share of the score, in points out of 100
    nearest_linked_area: str | None
    nearest_risk_location: str | None
    authority: str | None
    support: list[tuple[str, float]]  # (support link label, km)


@dataclass(frozen=True)
class Comparison:
    run: RunView
    options: list[ComparedOption]
    # "Why is A above B" for each pair of the compared options, higher-ranked first
    # (`planner.score_words.why_above`): the points each component adds or takes away.
    why: list[dict[str, Any]] = field(default_factory=list)


def _stored_case(run_id: int) -> dict[str, Any]:
    run = run_repository.get_run(run_id)
    if run is None:
        raise NotFound(str(run_id))
    return stored_case(run)


def _worker_exclusions(referral: Referral) -> list[WorkerExclusion]:
    found = []
    for e in referral.exclusions:
        user = user_repository.get_user(e.excluded_by_id) if e.excluded_by_id is not None else None
        found.append(
            WorkerExclusion(
                e.id, e.placement.code, e.placement.label, e.reason, user.name if user else "Unknown", e.excluded_at
            )
        )
    return found


# A layer with more items than this is not sent with the page: the map fetches what is in its
# view (`map_layer_in_view`). At regional scale the excluded placements and high-severity areas
# were 5.7 MB of a 6.8 MB page; what a person reads is the options and the reasons' counts.
INLINE_MAP_ITEMS = 300
FETCHED_LAYERS = ("excluded", "high_severity_areas")
MAP_ITEMS_IN_VIEW = 1000  # at most this many of a layer per view: zoom in for the rest
# Placements listed under each reason on the options page: those the run stored worded.
EXCLUDED_SHOWN = run_exclusions.WORDED_PER_CODE
EXCLUDED_PAGE_SIZE = 50

_layers_lock = threading.Lock()
_layers: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_LAYERS_KEPT = 4


def _kept(key: tuple[Any, ...], make: Callable[[], T]) -> T:
    """What `make` returns for a run, kept by a key holding (run id, case hash): a run never
    changes, and its page and its map's requests (one at every pan) read the same layers."""
    with _layers_lock:
        if key in _layers:
            _layers.move_to_end(key)
            found: T = _layers[key]
            return found
    made = make()
    with _layers_lock:
        _layers[key] = made
        while len(_layers) > _LAYERS_KEPT:
            _layers.popitem(last=False)
    return made


def _page_map(
    stored: RankingRun, case: dict[str, Any], result: dict[str, Any]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int], tuple[str, ...]]:
    """(the layers the page sends, every layer's size, the layers left for the map to fetch)."""
    sizes = large_layer_sizes(case, result)
    fetched = tuple(k for k in FETCHED_LAYERS if sizes[k] > INLINE_MAP_ITEMS)
    if "excluded" not in fetched:
        # The page draws every excluded placement with its reasons: few enough to word here.
        result = run_exclusions.worded_result(stored, result)
    # Only what the page sends is worked out here; the map's requests work out the rest once.
    layers = map_layers(case, result, leave_out=fetched)
    return layers, {k: len(v) for k, v in layers.items()} | {k: sizes[k] for k in fetched}, fetched


def _excluded_lines(
    stored: RankingRun, run: RunView, code: str, placement_ids: list[str]
) -> tuple[list[ExcludedLine], dict[str, list[dict[str, str]]]]:
    """The lines of `placement_ids` (excluded for `code`) in their order, and their reasons worded."""
    reasons = run_exclusions.worded(stored, run.result, placement_ids)
    lines = []
    for placement_id in placement_ids:
        label = run.placements.get(placement_id, {}).get("label", placement_id)
        lines += [
            ExcludedLine(placement_id, label, r["detail"]) for r in reasons.get(placement_id, []) if r["code"] == code
        ]
    return lines, reasons


def _preview_excluded(
    stored: RankingRun, run: RunView, codes: Collection[str]
) -> tuple[dict[str, list[ExcludedLine]], dict[str, list[dict[str, str]]]]:
    """The first EXCLUDED_SHOWN placements under each reason, read from the codes and worded
    together (only these few of a regional run's thousands); and their reasons worded."""
    firsts = {code: run_exclusions.excluded_ids(stored, run.result, code)[:EXCLUDED_SHOWN] for code in codes}
    shown = list(dict.fromkeys(p for ids in firsts.values() for p in ids))
    reasons = run_exclusions.worded(stored, run.result, shown)
    preview = {}
    for code, ids in firsts.items():
        preview[code] = [
            ExcludedLine(p, run.placements.get(p, {}).get("label", p), r["detail"])
            for p in ids
            for r in reasons.get(p, [])
            if r["code"] == code
        ]
    return preview, reasons


def options_page(user: SignedInUser, reference: str, run_id: int) -> OptionsPage:
    """A stored run (its view audited), what the map draws, and the referral's current exclusions."""
    run, referral, stored = ranking_runs.viewed_run(user, reference, run_id)
    key = ("page", run_id, stored.case_sha256, INLINE_MAP_ITEMS)
    layers, sizes, fetched = _kept(key, lambda: _page_map(stored, stored_case(stored), run.result))
    preview, reasons = _preview_excluded(stored, run, run.result["summary"].get("excluded_by_reason", {}))
    return OptionsPage(
        run,
        layers,
        _worker_exclusions(referral),
        referral.status == "open",
        referral.status == "open" and may_edit(user),
        sizes,
        fetched,
        preview,
        _intelligence_shown(stored, run.result, reasons, _shown(run.result, preview)),
    )


def _shown(result: dict[str, Any], preview: dict[str, list[ExcludedLine]]) -> set[str]:
    """The placements the page names: its options and the few listed under each reason."""
    return {o["placement_id"] for o in result.get("options", [])} | {
        line.placement_id for lines in preview.values() for line in lines
    }


def excluded_page(user: SignedInUser, reference: str, run_id: int, code: str, page: int) -> ExcludedPage:
    """Page `page` (from 1) of the placements the run excluded for reason `code` (the view is audited)."""
    run = ranking_runs.get_run(user, reference, run_id)
    total = run.result["summary"].get("excluded_by_reason", {}).get(code)
    if not total:
        raise NotFound(code)
    pages = max(1, -(-total // EXCLUDED_PAGE_SIZE))
    if not 1 <= page <= pages:
        raise NotFound(str(page))
    first = (page - 1) * EXCLUDED_PAGE_SIZE
    stored = run_repository.get_run(run_id)
    assert stored is not None  # get_run found it
    # The page's placements come from the stored codes; only they are worded.
    ids = run_exclusions.excluded_ids(stored, run.result, code)[first : first + EXCLUDED_PAGE_SIZE]
    lines, reasons = _excluded_lines(stored, run, code, ids)
    shown = {line.placement_id for line in lines}
    behind = _intelligence_shown(stored, run.result, reasons, shown) if code in AREA_RULES else {}
    return ExcludedPage(run, code, lines, page, pages, total, first + 1, behind)


def _in_view(item: dict[str, Any], west: float, south: float, east: float, north: float) -> bool:
    """Whether the item, with its buffer if it has one, reaches into the view."""
    km = float(item.get("buffer_km", 0.0))
    if item.get("buffer_outline"):
        lons = [lon for line in item["buffer_outline"] for lon, _ in line]
        lats = [lat for line in item["buffer_outline"] for _, lat in line]
        return min(lons) <= east and max(lons) >= west and min(lats) <= north and max(lats) >= south
    lat, lon = float(item["lat"]), float(item["lon"])
    # Degrees a buffer spans: 111 km a degree of latitude, fewer km a degree of longitude away from the equator.
    dlat = km / 111.0
    dlon = km / max(1e-6, 111.0 * math.cos(math.radians(lat)))
    return lon - dlon <= east and lon + dlon >= west and lat - dlat <= north and lat + dlat >= south


def map_layer_in_view(
    user: SignedInUser, reference: str, run_id: int, layer: str, bbox: tuple[float, float, float, float]
) -> dict[str, Any]:
    """The items of one of a run's large map layers that reach into the view (west, south, east, north).

    Not audited on its own: the options page that draws the map audited the view of the run,
    and the map asks again at every pan and zoom.
    """
    if layer not in FETCHED_LAYERS:
        raise FieldProblems({"layer": f"layer must be one of: {', '.join(FETCHED_LAYERS)}"})
    west, south, east, north = bbox
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise FieldProblems({"bbox": "bbox must be west,south,east,north in degrees, west <= east and south <= north"})
    referral = get_for(user, reference, records=False)
    run = run_repository.get_run(run_id)
    if run is None or run.referral_id != referral.id:
        raise NotFound(str(run_id))
    layers = _kept(
        ("all", run.id, run.case_sha256),
        lambda: map_layers(stored_case(run), run_exclusions.worded_result(run, ranking_runs.stored_result(run))),
    )
    found = [item for item in layers[layer] if _in_view(item, west, south, east, north)]
    return {
        "layer": layer,
        "in_view": len(found),
        "items": found[:MAP_ITEMS_IN_VIEW],
        "truncated": len(found) > MAP_ITEMS_IN_VIEW,
    }


AREA_RULES = ("near_linked_area", "in_high_severity_area")


def _labels(case: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    areas = {a["id"]: a for a in case.get("areas", [])}
    by_label: dict[str, list[str]] = {}
    for code, area in areas.items():
        by_label.setdefault(area.get("label", code), []).append(code)
    return areas, by_label


def _area_codes_in(detail: str, by_label: dict[str, list[str]]) -> list[str]:
    """The areas a reason's words name, read from where the engine puts the label
    ("from LABEL, an area linked to ..." or "a high-severity area (LABEL), within ...");
    failing that, every label found in the words (slow at regional scale, so only a fallback)."""
    for before, after in ((" from ", ", an area linked to "), ("a high-severity area (", "), within ")):
        if before in detail and after in detail:
            label = detail.split(after, 1)[0].rsplit(before, 1)[-1]
            if label in by_label:
                return list(by_label[label])
    return [c for label, cs in by_label.items() if f"({label})" in detail or f"from {label}," in detail for c in cs]


def _intelligence_shown(
    run: RankingRun,
    result: dict[str, Any],
    reasons: dict[str, list[dict[str, str]]],
    placement_ids: Collection[str],
) -> dict[str, list[str]]:
    """`intelligence_behind` for the placements a page shows, with the run's areas by label kept per run."""
    areas, by_label = _kept(("labels", run.id, run.case_sha256), lambda: _labels(stored_case(run)))
    return intelligence_behind(areas, by_label, result, reasons, placement_ids)


def intelligence_behind(
    areas: dict[str, dict[str, Any]],
    by_label: dict[str, list[str]],
    result: dict[str, Any],
    reasons: dict[str, list[dict[str, str]]],
    placement_ids: Collection[str] | None = None,
) -> dict[str, list[str]]:
    """For each placement the run excluded or scored down because of an area, whose area it was.

    The engine names an excluding area by its label in the reason, and a scored option's
    nearest linked area by id; the owner (who recorded it, and so answers for it) comes from
    the stored area by its code. Areas the stored case did not hold are never named. Only
    the placements in `placement_ids` (all when None): a page names a few of 10,000.
    `reasons` are the worded reasons of the excluded placements to look at, by placement.
    """
    wanted = None if placement_ids is None else set(placement_ids)
    found_codes: dict[str, list[str]] = {}
    for placement_id, worded in reasons.items():
        if wanted is not None and placement_id not in wanted:
            continue
        codes: list[str] = []
        for reason in worded:
            if reason["code"] in AREA_RULES:
                codes += _area_codes_in(reason["detail"], by_label)
        if codes:
            found_codes[placement_id] = list(dict.fromkeys(codes))
    # An option's safety is lowered only by a linked area nearer than the policy's safe distance.
    safe_km = float(result.get("policy", {}).get("safe_km", 0))
    for option in result.get("options", []):
        facts = option.get("facts", {})
        nearest, km = facts.get("nearest_linked_id"), facts.get("nearest_linked_km")
        if nearest in areas and km is not None and km < safe_km:
            found_codes[option["placement_id"]] = [nearest]
    owners = intelligence.area_owners({c for cs in found_codes.values() for c in cs})
    names = authorities.organisation_names({o for o in owners.values() if o})

    def sentence(code: str) -> str:
        area = areas[code]
        owner = owners.get(code)
        who = names.get(owner, owner) if owner else "No recorded owner"
        return f"{who}: {area['severity']}-severity area ({area.get('label', code)}), review by {area['review_by']}"

    return {placement: [sentence(c) for c in codes] for placement, codes in found_codes.items()}


# ---------------------------------------------------------------------------
# The map
# ---------------------------------------------------------------------------


def _in_force(area: dict[str, Any], as_of: date, use_expired: bool) -> bool:
    # The engine's rule: an area past its review date is left out unless the policy says otherwise.
    review_by = area.get("review_by")
    return use_expired or review_by is None or date.fromisoformat(review_by) >= as_of


def _linked_groups(case: dict[str, Any]) -> set[str]:
    """The young people's groups and every rival of those groups (rivalry works both ways)."""
    own = {g for person in case["referral"]["young_people"] for g in person.get("groups", [])}
    linked = set(own)
    for group in case.get("groups", []):
        rivals = set(group.get("rivals", []))
        if group["id"] in own:
            linked |= rivals
        if rivals & own:
            linked.add(group["id"])
    return linked


def _point(item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": item["id"], "label": item.get("label", item["id"]), "lat": item["lat"], "lon": item["lon"], **extra}


def _miles(km: float) -> float:
    return round(km_to_miles(km), 1)


def polygon_buffer_outline(polygon: dict[str, Any], km: float) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Lines [lon, lat] around a GeoJSON Polygon or MultiPolygon, `km` from its edge, for the map."""
    return _buffer_outline(json.dumps(polygon, sort_keys=True), km)


@lru_cache(maxsize=256)
def _buffer_outline(geometry: str, km: float) -> tuple[tuple[tuple[float, float], ...], ...]:
    # Kept per polygon and buffer: every view of every run over the same areas draws the same lines.
    shape = json.loads(geometry)
    parts = [shape["coordinates"]] if shape["type"] == "Polygon" else shape["coordinates"]
    return tuple(tuple(line) for line in buffer_outline(parts, km))


def map_layers(
    case: dict[str, Any], result: dict[str, Any], leave_out: Collection[str] = ()
) -> dict[str, list[dict[str, Any]]]:
    """What the options map draws, layer by layer, from a stored case and its ranking.

    Buffers are the hard buffers the engine applied, as radii from the centre:
    an area's (or risk location's) own radius plus the policy's buffer. Layers named in
    `leave_out` are not worked out (the page leaves large ones for the map to fetch).
    """
    policy = result["policy"]
    as_of = date.fromisoformat(result.get("as_of") or case["as_of"])
    use_expired = bool(policy.get("use_expired_intelligence", False))
    linked_buffer = float(policy["min_km_from_linked_areas"])
    high_buffer = float(policy["min_km_from_high_severity_areas"])
    people = case["referral"]["young_people"]
    group_labels = {g["id"]: g.get("label", g["id"]) for g in case.get("groups", [])}
    linked = _linked_groups(case)
    areas = [a for a in case.get("areas", []) if _in_force(a, as_of, use_expired)]
    placements = {p["id"]: p for p in case["placements"]}

    def area(a: dict[str, Any], buffer_km: float) -> dict[str, Any]:
        radius = float(a.get("radius_km", 0))
        drawn = _point(
            a,
            radius_km=radius,
            buffer_km=radius + buffer_km,
            buffer_miles=_miles(radius + buffer_km),
            severity=a["severity"],
            groups=[group_labels.get(g, g) for g in a.get("groups", []) if g in linked],
        )
        if a.get("polygon"):
            # A polygon area's buffer counts from its edge: the outline is worked out here.
            drawn["polygon"] = a["polygon"]
            drawn["buffer_outline"] = polygon_buffer_outline(a["polygon"], radius + buffer_km)
        return drawn

    support: dict[str, dict[str, Any]] = {}
    risk_locations: dict[str, dict[str, Any]] = {}
    for person in people:
        for s in person.get("support", []):
            support.setdefault(s["id"], _point(s, kind=s["kind"], importance=s.get("importance", "important")))
        for r in person.get("risk_locations", []):
            buffer = float(r.get("radius_km", 0)) + linked_buffer
            risk_locations.setdefault(
                r["id"], _point(r, radius_km=buffer - linked_buffer, buffer_km=buffer, buffer_miles=_miles(buffer))
            )

    layers = {
        "options": [
            {
                **_point(placements[o["placement_id"]]),
                "rank": o["rank"],
                "score": o["score"],
                "miles_from_home": _miles(o["facts"]["distance_from_home_km"]),
            }
            for o in result.get("options", [])
        ],
        "linked_areas": [area(a, linked_buffer) for a in areas if linked.intersection(a.get("groups", []))],
        "risk_locations": list(risk_locations.values()),
        "homes": [
            {"id": p["id"], "label": f"Home of {p['id']}", "lat": p["home"]["lat"], "lon": p["home"]["lon"]}
            for p in people
            if "lat" in p["home"]
        ],
        "support": list(support.values()),
    }
    if "excluded" not in leave_out:
        layers["excluded"] = [
            {**_point(placements[e["placement_id"]]), "reasons": [r["detail"] for r in e["reasons"]]}
            for e in result.get("excluded", [])
        ]
    if "high_severity_areas" not in leave_out:
        layers["high_severity_areas"] = [area(a, high_buffer) for a in areas if a["severity"] == "high"]
    return layers


def large_layer_sizes(case: dict[str, Any], result: dict[str, Any]) -> dict[str, int]:
    """How many items the layers that may be fetched would hold, without working them out."""
    as_of = date.fromisoformat(result.get("as_of") or case["as_of"])
    use_expired = bool(result["policy"].get("use_expired_intelligence", False))
    summary = result["summary"]
    return {
        # Every placement not feasible was excluded: counted without reading the exclusions.
        "excluded": summary["placements"] - summary["feasible"],
        "high_severity_areas": sum(
            1 for a in case.get("areas", []) if a["severity"] == "high" and _in_force(a, as_of, use_expired)
        ),
    }


# ---------------------------------------------------------------------------
# Comparing options
# ---------------------------------------------------------------------------


def compare(user: SignedInUser, reference: str, run_id: int, chosen: list[str]) -> Comparison:
    """Two or three of a run's options side by side, in rank order."""
    picked = list(dict.fromkeys(c.strip() for c in chosen if c.strip()))
    if not COMPARE_FEWEST <= len(picked) <= COMPARE_MOST:
        count = "none" if not picked else f"{len(picked)}"
        raise FieldProblems({"placement": f"Select 2 or 3 options to compare (you selected {count})"})
    run = ranking_runs.get_run(user, reference, run_id)
    by_id = {o["placement_id"]: o for o in run.result["options"]}
    if any(p not in by_id for p in picked):
        raise FieldProblems({"placement": "Select options from this ranking to compare"})
    case = _stored_case(run_id)
    areas = {a["id"]: a.get("label", a["id"]) for a in case.get("areas", [])}
    people = case["referral"]["young_people"]
    risk_labels = {r["id"]: r.get("label", r["id"]) for p in people for r in p.get("risk_locations", [])}
    support_labels = {s["id"]: s.get("label", s["id"]) for p in people for s in p.get("support", [])}
    weights = run.result["policy"]["weights"]
    compared = []
    for option in sorted((by_id[p] for p in picked), key=lambda o: o["rank"]):
        facts = option["facts"]
        compared.append(
            ComparedOption(
                option=option,
                placement=run.placements[option["placement_id"]],
                points=component_points(option, weights),
                nearest_linked_area=areas.get(facts.get("nearest_linked_id") or ""),
                nearest_risk_location=risk_labels.get(facts.get("nearest_risk_location_id") or ""),
                authority=authority_name(facts.get("la_code")),
                support=[(support_labels.get(k, k), km) for k, km in facts.get("support_km", {}).items()],
            )
        )
    why = [why_above(a.option, b.option, weights) for a, b in combinations(compared, 2)]
    return Comparison(run, compared, why)


def why_above_in_run(user: SignedInUser, reference: str, run_id: int, above: str, below: str) -> dict[str, Any]:
    """Why option `above` of a stored run scores above (or below) option `below`, component by component.

    Raises FieldProblems naming `above` or `below` when it is not an option of the run,
    NotFound when the run is not this authority's referral's.
    """
    run = ranking_runs.get_run(user, reference, run_id)
    by_id = {o["placement_id"]: o for o in run.result["options"]}
    problems = {
        name: f"{code or 'nothing'} is not an option of this ranking"
        for name, code in (("above", above), ("below", below))
        if code not in by_id
    }
    if not problems and above == below:
        problems["below"] = "Choose two different options"
    if problems:
        raise FieldProblems(problems)
    return why_above(by_id[above], by_id[below], run.result["policy"]["weights"])


# ---------------------------------------------------------------------------
# Excluding an option, and lifting an exclusion
# ---------------------------------------------------------------------------


def _open_referral_run(
    user: SignedInUser, reference: str, run_id: int
) -> tuple[Referral, dict[str, Any], dict[str, str]]:
    """The referral, the run's result, and its placements' labels by code (messages name places, not codes)."""
    # The same people who make and change referrals (placement officers, social workers) change its exclusions.
    referral = get_for(user, reference)
    if not may_edit(user):
        raise Forbidden("only placement officers and social workers exclude options")
    run = run_repository.get_run(run_id)
    if run is None or run.referral_id != referral.id:
        raise NotFound(str(run_id))
    labels = {code: p["label"] for code, p in stored_placements(run).items()}
    return referral, json.loads(run.result_json), labels


def _rerun(user: SignedInUser, reference: str) -> int:
    """Rank again in the same transaction: if the ranking fails, the change is not kept either."""
    try:
        return ranking_runs.run_ranking(user, reference)
    except InvalidInput as error:
        db.rollback()
        problem = "The options could not be ranked again: " + "; ".join(error.problems)
        raise FieldProblems({"placement": problem}) from None


def exclude_and_rerun(
    user: SignedInUser, reference: str, run_id: int, placement_code: str, reason: str
) -> tuple[int, str]:
    """Exclude one of a run's options for the referral, with the worker's reason, and rank again.

    Returns the new run's id and the placement's label. Raises FieldProblems naming `reason` or `placement`,
    NotFound (not this authority's referral or run), Forbidden (a role that does not change referrals).
    """
    referral, result, labels = _open_referral_run(user, reference, run_id)
    label = labels.get(placement_code, placement_code)
    reason = reason.strip()
    problems: dict[str, str] = {}
    option_ids = {o["placement_id"] for o in result.get("options", [])}
    if referral.status != "open":
        problems["placement"] = f"This referral is {referral.status}: its options can no longer be changed"
    elif placement_code not in option_ids:
        problems["placement"] = "Choose an option from this ranking to exclude"
    elif any(e.placement.code == placement_code for e in referral.exclusions):
        problems["placement"] = f"{label} is already excluded for this referral"
    if not reason:
        problems["reason"] = "Enter why you are excluding this option"
    elif len(reason) > MAX_REASON_LENGTH:
        problems["reason"] = f"The reason must be {MAX_REASON_LENGTH} characters or fewer"
    placement = exclusion_repository.get_live_placement(placement_code) if not problems else None
    if not problems and placement is None:
        problems["placement"] = f"{label} is no longer in the placement pool"
    if problems:
        raise FieldProblems(problems)
    assert placement is not None
    exclusion_repository.add_exclusion(
        referral,
        ReferralExclusion(placement=placement, reason=reason, excluded_by_id=user.id, excluded_at=datetime.now()),
    )
    # The reason stays out of the audit detail: it is free text and may name people.
    audit.record(user.id, "exclude_placement", "referral", referral.reference, detail=f"placement {placement_code}")
    return _rerun(user, reference), label


def lift_and_rerun(user: SignedInUser, reference: str, run_id: int, exclusion_id: int) -> int:
    """Lift one of the referral's worker exclusions and rank again; returns the new run's id."""
    referral, _result, _labels = _open_referral_run(user, reference, run_id)
    exclusion = next((e for e in referral.exclusions if e.id == exclusion_id), None)
    if exclusion is None:
        raise NotFound(str(exclusion_id))
    if referral.status != "open":
        raise FieldProblems({"lift": f"This referral is {referral.status}: its options can no longer be changed"})
    code = exclusion.placement.code
    if not exclusion_repository.remove_exclusion(referral, exclusion.id):
        raise NotFound(str(exclusion_id))
    audit.record(user.id, "lift_exclusion", "referral", referral.reference, detail=f"placement {code}")
    return _rerun(user, reference)
