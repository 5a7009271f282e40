"""The stored world: authorities, users, young people, intelligence, placements, referrals, runs.

SQLAlchemy 2 typed models. Only `web.repositories` runs queries against them;
services build them and hand them to repositories. Intelligence (groups,
rivalries, young person–group links, areas) always carries its source, a
confidence and a review date, because gang "intelligence" about children is
contested and stale intelligence must not be used silently.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


ROLES = (
    "placement_officer",
    "social_worker",
    "nominated_officer",
    "director",
    "commissioner",
    "admin",
    # People of organisations other than an authority (docs/decisions/0081): a co-operative's
    # placement officer and commissioner, a police force's missing-persons co-ordinator, and a
    # return-home-interview provider's worker. None of them is a casework role.
    "cooperative_officer",
    "cooperative_commissioner",
    "missing_persons_coordinator",
    "rhi_worker",
)
CONFIDENCE = ("high", "medium", "low")
# Who can own records or sign a data-sharing agreement (docs/decisions/0080).
ORGANISATION_KINDS = ("local_authority", "cooperative", "police_force", "rhi_provider")
SHARING_PURPOSES = ("placement_finding", "intelligence", "sufficiency", "missing_from_care")


class LocalAuthority(Base):
    __tablename__ = "local_authorities"

    gss_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str] = mapped_column(String(9))
    region_name: Mapped[str] = mapped_column(String(60))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Organisation(Base):
    """Anyone that owns records or signs agreements: every local authority (one row per
    `local_authorities` row, same code), and the co-operatives, police forces and
    return-home-interview providers an administrator adds (docs/decisions/0080)."""

    __tablename__ = "organisations"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20))  # one of ORGANISATION_KINDS


class CooperativeMember(Base):
    """A member of a co-operative: an authority, or a police force or provider that works with it."""

    __tablename__ = "cooperative_members"

    cooperative_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), primary_key=True)
    member_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), primary_key=True)
    joined_on: Mapped[date] = mapped_column(Date)

    member: Mapped[Organisation] = relationship(foreign_keys=[member_code])


class SharingAgreement(Base):
    """A member's data-sharing agreement with its co-operative, for one purpose.

    In force from `starts_on` to `ends_on` (inclusive) unless ended early (`ended_on`);
    outside that the member's records stop being shared at once. Rows are never deleted,
    so the audit trail can always name the agreement a read relied on.
    """

    __tablename__ = "sharing_agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cooperative_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    member_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))  # one of SHARING_PURPOSES
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    review_by: Mapped[date] = mapped_column(Date)
    signed_by: Mapped[str] = mapped_column(String(120))  # the officer's name and post, as signed
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    cooperative: Mapped[Organisation] = relationship(foreign_keys=[cooperative_code])
    member: Mapped[Organisation] = relationship(foreign_keys=[member_code])


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(30))
    # The authority the user works in: their own for an authority's staff; for the staff of a
    # co-operative, police force or provider, the authority they are based in (shown, never a
    # key to casework: their roles are not casework roles).
    authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"))
    # The organisation they act for when it is not an authority (co-operative, police force,
    # return-home-interview provider); None for an authority's own staff.
    organisation_code: Mapped[str | None] = mapped_column(ForeignKey("organisations.code"), nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    authority: Mapped[LocalAuthority] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class YoungPerson(Base):
    __tablename__ = "young_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Pseudonymous reference: never a name. Residents and avoid-lists use it.
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))  # SSDA903 SEX: 1 male, 2 female
    ethnicity: Mapped[str] = mapped_column(String(4))  # SSDA903 ETHNIC code, e.g. WBRI
    home_postcode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    home_lat: Mapped[float] = mapped_column(Float)
    home_lon: Mapped[float] = mapped_column(Float)
    responsible_authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"))
    risks: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    support_links: Mapped[list[SupportLink]] = relationship(back_populates="young_person", order_by="SupportLink.id")
    risk_locations: Mapped[list[RiskLocation]] = relationship(back_populates="young_person", order_by="RiskLocation.id")
    group_links: Mapped[list[YoungPersonGroup]] = relationship(
        back_populates="young_person", order_by="YoungPersonGroup.id"
    )
    people_to_avoid: Mapped[list[PersonToAvoid]] = relationship(order_by="PersonToAvoid.id")
    missing_episodes: Mapped[list[MissingEpisode]] = relationship(
        back_populates="young_person", order_by="MissingEpisode.start"
    )


class SupportLink(Base):
    __tablename__ = "support_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    young_person_id: Mapped[int] = mapped_column(ForeignKey("young_people.id"))
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    importance: Mapped[str] = mapped_column(String(20))
    visits_per_month: Mapped[float] = mapped_column(Float, default=1.0)
    max_km: Mapped[float | None] = mapped_column(Float, nullable=True)

    young_person: Mapped[YoungPerson] = relationship(back_populates="support_links")


class RiskLocation(Base):
    __tablename__ = "risk_locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    young_person_id: Mapped[int] = mapped_column(ForeignKey("young_people.id"))
    label: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_km: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    young_person: Mapped[YoungPerson] = relationship(back_populates="risk_locations")


class PersonToAvoid(Base):
    __tablename__ = "people_to_avoid"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    young_person_id: Mapped[int] = mapped_column(ForeignKey("young_people.id"))
    person_reference: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(200))


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120))  # fictional names only in demo data
    source: Mapped[str] = mapped_column(String(120))
    confidence: Mapped[str] = mapped_column(String(10))
    review_by: Mapped[date] = mapped_column(Date)
    # The authority or police force that recorded it (docs/decisions/0080): only it writes.
    owner_code: Mapped[str | None] = mapped_column(ForeignKey("organisations.code"), nullable=True, index=True)
    # Retired by its owner (disbanded, or the report withdrawn): kept for the record and for
    # past runs, never offered or used again.
    retired_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class Rivalry(Base):
    __tablename__ = "rivalries"
    __table_args__ = (UniqueConstraint("group_id", "rival_group_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    rival_group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    source: Mapped[str] = mapped_column(String(120))
    confidence: Mapped[str] = mapped_column(String(10))
    review_by: Mapped[date] = mapped_column(Date)
    # The authority or police force that recorded it (docs/decisions/0080): only it writes.
    owner_code: Mapped[str | None] = mapped_column(ForeignKey("organisations.code"), nullable=True, index=True)

    group: Mapped[Group] = relationship(foreign_keys=[group_id])
    rival: Mapped[Group] = relationship(foreign_keys=[rival_group_id])


class YoungPersonGroup(Base):
    __tablename__ = "young_person_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    young_person_id: Mapped[int] = mapped_column(ForeignKey("young_people.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    relationship_kind: Mapped[str] = mapped_column(String(30))  # affiliated | exploited_by
    source: Mapped[str] = mapped_column(String(120))
    confidence: Mapped[str] = mapped_column(String(10))
    review_by: Mapped[date] = mapped_column(Date)

    young_person: Mapped[YoungPerson] = relationship(back_populates="group_links")
    group: Mapped[Group] = relationship()


class Area(Base):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120))  # generic labels only, never a neighbourhood's name
    kind: Mapped[str] = mapped_column(String(30))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_km: Mapped[float] = mapped_column(Float, default=0.0)
    # A GeoJSON Polygon or MultiPolygon geometry (lon, lat); buffers then count from its edge.
    polygon: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    severity: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(120))
    confidence: Mapped[str] = mapped_column(String(10))
    review_by: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # The authority or police force that recorded it (docs/decisions/0080): only it writes.
    owner_code: Mapped[str | None] = mapped_column(ForeignKey("organisations.code"), nullable=True, index=True)

    groups: Mapped[list[Group]] = relationship(secondary="area_groups", order_by="Group.code")


class AreaGroup(Base):
    __tablename__ = "area_groups"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)


class Placement(Base):
    __tablename__ = "placements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(160))
    provider_name: Mapped[str] = mapped_column(String(160))
    postcode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | suspended | closed
    setting: Mapped[str] = mapped_column(String(20))
    place_code: Mapped[str | None] = mapped_column(String(4), nullable=True)
    provider: Mapped[str | None] = mapped_column(String(3), nullable=True)
    urn: Mapped[str | None] = mapped_column(String(20), nullable=True)
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("local_authorities.gss_code"), nullable=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    vacancies: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    age_min: Mapped[int] = mapped_column(Integer, default=0)
    age_max: Mapped[int] = mapped_column(Integer, default=17)
    sexes: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    specialisms: Mapped[list[str]] = mapped_column(JSON, default=list)
    specialist: Mapped[bool] = mapped_column(Boolean, default=False)
    ofsted_rating: Mapped[str | None] = mapped_column(String(30), nullable=True)
    weekly_cost: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Exempt from the usual fostering limit of three (Children Act 1989 Schedule 7 para 4).
    fostering_exemption: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The authority whose fostering service approved these carers (reg 11(4): own carers).
    approved_by: Mapped[str | None] = mapped_column(String(9), nullable=True)
    # Carers who are the child's relative, friend or other connected person (reg 24).
    connected_person: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # The authority or co-operative that lists or contracts it (docs/decisions/0080), which
    # may differ from `authority_code`, the authority it stands in. Only the owner writes.
    owner_code: Mapped[str | None] = mapped_column(ForeignKey("organisations.code"), nullable=True, index=True)

    residents: Mapped[list[CurrentResident]] = relationship(order_by="CurrentResident.id")
    authority: Mapped[LocalAuthority | None] = relationship()


class CurrentResident(Base):
    __tablename__ = "current_residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"))
    person_reference: Mapped[str] = mapped_column(String(40))
    since: Mapped[date] = mapped_column(Date)


class Referral(Base):
    __tablename__ = "referrals"
    # Each authority has its own references: a refusal must not reveal another authority's.
    __table_args__ = (UniqueConstraint("authority_code", "reference", name="uq_referrals_authority_reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40))
    authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | placed | closed
    needed_by: Mapped[str] = mapped_column(String(20))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    required_specialisms: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_specialisms: Mapped[list[str]] = mapped_column(JSON, default=list)
    solo: Mapped[bool] = mapped_column(Boolean, default=False)
    max_km_from_home: Mapped[float | None] = mapped_column(Float, nullable=True)
    # What allows a secure children's home: s25_order | authorisation, in force start..end.
    secure_basis: Mapped[str | None] = mapped_column(String(20), nullable=True)
    secure_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    secure_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    # An exemption from the usual fostering limit granted for this referral (Schedule 7).
    fostering_exemption: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # National Placement Standard v01 answers we have no column for (communication, pets,
    # out-of-area reason, ...), kept as imported so the export writes them back unchanged.
    nps_fields: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    young_people: Mapped[list[YoungPerson]] = relationship(
        secondary="referral_young_people", order_by="YoungPerson.reference"
    )
    authority: Mapped[LocalAuthority] = relationship()
    exclusions: Mapped[list[ReferralExclusion]] = relationship(order_by="ReferralExclusion.id")


class ReferralYoungPerson(Base):
    __tablename__ = "referral_young_people"

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), primary_key=True)
    young_person_id: Mapped[int] = mapped_column(ForeignKey("young_people.id"), primary_key=True)


class ReferralExclusion(Base):
    """A placement a worker ruled out for this referral, with the reason kept."""

    __tablename__ = "referral_exclusions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"))
    reason: Mapped[str] = mapped_column(Text)
    excluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    excluded_at: Mapped[datetime] = mapped_column(DateTime)

    placement: Mapped[Placement] = relationship()


class MissingEpisode(Base):
    __tablename__ = "missing_episodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    young_person_id: Mapped[int] = mapped_column(ForeignKey("young_people.id"))
    kind: Mapped[str] = mapped_column(String(1))  # SSDA903 MISSING: M missing, A away without authorisation
    start: Mapped[datetime] = mapped_column(DateTime)
    end: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # SSDA903 gives dates only: then the time part of start/end is 00:00 and means nothing.
    # An unknown return time starts the interview clock at the end of that day.
    start_time_known: Mapped[bool] = mapped_column(Boolean, default=True)
    end_time_known: Mapped[bool] = mapped_column(Boolean, default=True)
    # An away episode (A) counts as missing (interview clock, tasks) only once a person says so.
    marked_missing_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    marked_missing_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    where_found: Mapped[str | None] = mapped_column(String(160), nullable=True)
    found_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    found_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    reported_by: Mapped[str] = mapped_column(String(30))  # carer, school, police, ...
    rhi_offered: Mapped[bool] = mapped_column(Boolean, default=False)
    rhi_offered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    rhi_accepted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    rhi_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Who does the independent return home interview (often a provider in the host area).
    rhi_provider: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # The return-home-interview provider that recorded the interview offered or done, when it
    # was a commissioned provider in the host area (docs/decisions/0085), not the authority.
    rhi_recorded_by_code: Mapped[str | None] = mapped_column(ForeignKey("organisations.code"), nullable=True)
    # Set when a worker turned the found location into a risk location (never automatic).
    risk_location_id: Mapped[int | None] = mapped_column(ForeignKey("risk_locations.id"), nullable=True)

    young_person: Mapped[YoungPerson] = relationship(back_populates="missing_episodes")
    marked_missing_by: Mapped[User | None] = relationship(foreign_keys=[marked_missing_by_id])

    def __init__(self, **kwargs: Any) -> None:
        # Column defaults apply only at flush; the clock reads these on unsaved episodes too.
        kwargs.setdefault("start_time_known", True)
        kwargs.setdefault("end_time_known", True)
        super().__init__(**kwargs)

    @property
    def counts_as_missing(self) -> bool:
        """Missing (M), or away (A) and marked as missing by a person."""
        return self.kind == "M" or self.marked_missing_at is not None


class RankingRun(Base):
    """What the system recommended, exactly as it was: never edited."""

    __tablename__ = "ranking_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    engine_version: Mapped[str] = mapped_column(String(20))
    policy_version: Mapped[str] = mapped_column(String(64))
    case_sha256: Mapped[str] = mapped_column(String(64))
    # Runs before migration 0061 hold the whole case here. Newer ones hold the case without
    # its world (the referral, format and date) and name the world's snapshot in
    # `world_sha256`; `web.matching.services.stored_cases.stored_case` rebuilds either.
    case_json: Mapped[str] = mapped_column(Text)
    world_sha256: Mapped[str | None] = mapped_column(ForeignKey("world_snapshots.sha256"), nullable=True)
    result_json: Mapped[str] = mapped_column(Text)
    # What a list of runs shows ({"feasible", "options", "excluded", "top"}), so the list
    # never reads whole results; None on runs before migration 0061.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    feasible: Mapped[int] = mapped_column(Integer)

    requested_by: Mapped[User] = relationship()


class WorldVersion(Base):
    """One row naming the current state of the world a case is built from (placements, residents,
    areas, groups, rivalries and their links): a cheap check that a prepared world is current.

    Bumped in the transaction that makes the change (`web.shared.repositories.world_versions`).
    """

    __tablename__ = "world_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A fresh random token at each change, not a counter: a rolled-back change's token is
    # never written again, so a world prepared inside that transaction is never taken for another.
    version: Mapped[str] = mapped_column(String(32))


class WorldSnapshot(Base):
    """The world part of a case (groups, areas, placements), stored once whatever the number of
    runs that used it: zlib-compressed canonical JSON, named by the sha256 of that JSON."""

    __tablename__ = "world_snapshots"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    parts: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_ref: Mapped[str] = mapped_column(String(60), index=True)
    remote_addr: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # What changed, in words without personal details (a field name, a version number).
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # For an event with no user (a command-line import or export), the authority it acted
    # for, so that authority's administrators see it. Plain text: audit rows are never changed.
    authority_code: Mapped[str | None] = mapped_column(String(9), nullable=True)

    user: Mapped[User | None] = relationship()


class UserSession(Base):
    """A signed-in browser session, kept server-side so signing out really ends it.

    The cookie carries a random token; only its sha256 is stored, so a copy of
    the database cannot be used to take over a session.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ended_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)  # signed_out | idle | expired
    remote_addr: Mapped[str | None] = mapped_column(String(60), nullable=True)


class ApiToken(Base):
    """A personal API token: the same role and authority as its user; only a hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown on the tokens page to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    user: Mapped[User] = relationship()


class Postcode(Base):
    """Postcode lookup (ONS Postcode Directory), so postcodes resolve offline."""

    __tablename__ = "postcodes"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)  # upper case, no spaces
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    easting: Mapped[int | None] = mapped_column(Integer, nullable=True)
    northing: Mapped[int | None] = mapped_column(Integer, nullable=True)
    authority_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    lsoa_code: Mapped[str | None] = mapped_column(String(9), nullable=True)


DECISION_STATUSES = ("awaiting_approval", "approved", "refused")


class Decision(Base):
    """A person's choice of an option from a stored ranking run, and the places it holds.

    Submitting a decision takes the vacancies (one per young person) in the same
    transaction; a refusal gives them back. The care plan behind it lives in
    `CarePlanVersion` rows, never edited.
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    ranking_run_id: Mapped[int] = mapped_column(ForeignKey("ranking_runs.id"))
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"))
    option_rank: Mapped[int] = mapped_column(Integer)
    places: Mapped[int] = mapped_column(Integer)
    approval_level: Mapped[str] = mapped_column(String(20))  # none | nominated_officer | director
    # Which reg 11 rule gave the level (the option's approval_rule); null for older decisions.
    approval_rule: Mapped[str | None] = mapped_column(String(40), nullable=True)
    needs_education_approval: Mapped[bool] = mapped_column(Boolean, default=False)  # reg 10
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    out_of_area: Mapped[bool] = mapped_column(Boolean, default=False)
    at_a_distance: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime)

    referral: Mapped[Referral] = relationship()
    placement: Mapped[Placement] = relationship()
    ranking_run: Mapped[RankingRun] = relationship()
    decided_by: Mapped[User] = relationship()
    versions: Mapped[list[CarePlanVersion]] = relationship(order_by="CarePlanVersion.number")
    approvals: Mapped[list[Approval]] = relationship(order_by="Approval.id")


class CarePlanVersion(Base):
    """One version of the care plan behind a decision; amending adds a version."""

    __tablename__ = "care_plan_versions"
    __table_args__ = (UniqueConstraint("decision_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    change_note: Mapped[str] = mapped_column(Text, default="")
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(DateTime)

    written_by: Mapped[User] = relationship()


class HostNotification(Base):
    """A reg 13 notification to the authority a child is placed in, and its acknowledgement.

    Sent by the placing authority's social worker from the decision; the host authority's
    casework users read it in their Tasks and acknowledge it. Never edited but for the
    acknowledgement: a refused decision shows the notification as withdrawn.
    """

    __tablename__ = "host_notifications"
    __table_args__ = (UniqueConstraint("decision_id", "host_authority_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    placing_authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"))
    host_authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"), index=True)
    law: Mapped[str] = mapped_column(String(20))  # reg 13(4) (England) or the Welsh equivalent
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    decision: Mapped[Decision] = relationship()
    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    placing_authority: Mapped[LocalAuthority] = relationship(foreign_keys=[placing_authority_code])
    host_authority: Mapped[LocalAuthority] = relationship(foreign_keys=[host_authority_code])


class PoliceNotification(Base):
    """The host police force told that a child is placed in its area, beside the reg 13 notice.

    Sent with the host authority's notification (docs/decisions/0085) to the force whose area
    the host authority lies in; its missing-persons co-ordinator reads it and acknowledges it.
    Never edited but for the acknowledgement.
    """

    __tablename__ = "police_notifications"
    __table_args__ = (UniqueConstraint("decision_id", "force_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    host_notification_id: Mapped[int] = mapped_column(ForeignKey("host_notifications.id"))
    placing_authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"))
    host_authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"))
    force_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    basis: Mapped[str] = mapped_column(String(120))  # why the force may be told, in words
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    decision: Mapped[Decision] = relationship()
    force: Mapped[Organisation] = relationship()


class RhiCommission(Base):
    """A return-home-interview provider commissioned to interview children placed in an authority's area.

    The authority whose area it is records the commission; the provider then gets the
    interview tasks of children placed there whose placing authority shares for missing from
    care (docs/decisions/0085).
    """

    __tablename__ = "rhi_commissions"

    provider_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), primary_key=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"), primary_key=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    provider: Mapped[Organisation] = relationship()


class Approval(Base):
    """An approver's answer for one requirement (reg 11 placement, reg 10 education)."""

    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("decision_id", "requirement"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    requirement: Mapped[str] = mapped_column(String(20))  # reg11 | reg10
    role_required: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str] = mapped_column(String(10))  # approved | refused
    comment: Mapped[str] = mapped_column(Text)
    care_plan_number: Mapped[int] = mapped_column(Integer)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime)

    by: Mapped[User] = relationship()


class CareEpisode(Base):
    """One period of care as SSDA903 records it (Episodes table), imported or derived.

    `distance_miles` and `location` are DfE's PL_DISTANCE and PL_LOCATION, derived
    from the home and placement postcodes' grid references when both are known.
    """

    __tablename__ = "care_episodes"
    __table_args__ = (UniqueConstraint("young_person_id", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    young_person_id: Mapped[int] = mapped_column(ForeignKey("young_people.id"), index=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"), index=True)
    start: Mapped[date] = mapped_column(Date)  # DECOM
    end: Mapped[date | None] = mapped_column(Date, nullable=True)  # DEC
    reason_new_episode: Mapped[str | None] = mapped_column(String(2), nullable=True)  # RNE
    legal_status: Mapped[str | None] = mapped_column(String(2), nullable=True)  # LS
    category_of_need: Mapped[str | None] = mapped_column(String(2), nullable=True)  # CIN
    place: Mapped[str] = mapped_column(String(4))  # PLACE
    place_provider: Mapped[str | None] = mapped_column(String(3), nullable=True)  # PLACE_PROVIDER
    reason_ceased: Mapped[str | None] = mapped_column(String(3), nullable=True)  # REC
    reason_place_change: Mapped[str | None] = mapped_column(String(6), nullable=True)
    home_postcode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    placement_postcode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    urn: Mapped[str | None] = mapped_column(String(20), nullable=True)
    distance_miles: Mapped[float | None] = mapped_column(Float, nullable=True)  # PL_DISTANCE
    location: Mapped[str | None] = mapped_column(String(3), nullable=True)  # PL_LOCATION: IN | OUT
    source: Mapped[str] = mapped_column(String(20))  # ssda903 | decision
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), nullable=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"), nullable=True)

    young_person: Mapped[YoungPerson] = relationship()


class ImportReport(Base):
    """The row-by-row report of one import attempt (refused, dry run or imported), to download.

    Kept for the person who ran it (or, from the command line, the authority's admins): a
    return's flags can run to thousands of rows, more than a page shows. Compressed CSV.
    """

    __tablename__ = "import_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    import_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    rows: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ImportRun(Base):
    """A completed import: what file, of what kind, by whom, and what it added.

    Dry runs are not stored; a failed import writes nothing but its audit event.
    """

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # ssda903, placements_csv, areas, police_uk, postcodes, ps_v2
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("local_authorities.gss_code"), nullable=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)  # none from the command line
    at: Mapped[datetime] = mapped_column(DateTime)
    rows: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # counts only, never personal details

    by: Mapped[User | None] = relationship()


SUGGESTION_STATUSES = ("suggested", "confirmed", "dismissed")


class SuggestedArea(Base):
    """An LSOA where police.uk recorded many drug, weapon, violence or robbery offences.

    Only a suggestion for review: it never reaches a ranking until a person confirms it,
    which creates an `Area` with the source, confidence and review date they give.
    """

    __tablename__ = "suggested_areas"
    __table_args__ = (
        UniqueConstraint("import_id", "lsoa_code"),
        UniqueConstraint("missing_episode_id", name="uq_suggested_areas_missing_episode_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The police.uk import that suggested it; None for a found location a force's co-ordinator
    # suggested (`missing_episode_id`, `suggested_by_code`; docs/decisions/0085).
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"), index=True, nullable=True)
    missing_episode_id: Mapped[int | None] = mapped_column(ForeignKey("missing_episodes.id"), nullable=True)
    suggested_by_code: Mapped[str | None] = mapped_column(ForeignKey("organisations.code"), nullable=True)
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("local_authorities.gss_code"), nullable=True)
    lsoa_code: Mapped[str] = mapped_column(String(9))
    lsoa_name: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    first_month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    last_month: Mapped[str] = mapped_column(String(7))
    counts: Mapped[dict[str, int]] = mapped_column(JSON)  # drugs, weapons, violence, robbery
    total: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="suggested")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    review_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class PanelRun(Base):
    """A placement panel's allocation: the referrals it covered, the case and what came back.

    Like a ranking run it is never edited: it is the record of what the engine proposed.
    """

    __tablename__ = "panel_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    engine_version: Mapped[str] = mapped_column(String(20))
    policy_version: Mapped[str] = mapped_column(String(64))
    referral_refs: Mapped[list[str]] = mapped_column(JSON)
    case_sha256: Mapped[str] = mapped_column(String(64))
    # As on RankingRun: the whole case on old runs, the case without its world on new ones.
    case_json: Mapped[str] = mapped_column(Text)
    world_sha256: Mapped[str | None] = mapped_column(ForeignKey("world_snapshots.sha256"), nullable=True)
    result_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # the solver's: optimal | feasible | ...

    requested_by: Mapped[User] = relationship()


class RegionalPanelRun(Base):
    """A co-operative's panel over the open referrals of its consenting members, together.

    Its referral references are qualified by authority ("E08000003/R-0001"): references are
    unique only within an authority. `agreements` are the placement-finding agreements the
    run relied on, member by member. Never edited (docs/decisions/0082).
    """

    __tablename__ = "regional_panel_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cooperative_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    engine_version: Mapped[str] = mapped_column(String(20))
    policy_version: Mapped[str] = mapped_column(String(64))
    members: Mapped[list[str]] = mapped_column(JSON)
    referral_refs: Mapped[list[str]] = mapped_column(JSON)
    agreements: Mapped[dict[str, list[int]]] = mapped_column(JSON)
    case_sha256: Mapped[str] = mapped_column(String(64))
    case_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))

    requested_by: Mapped[User] = relationship()


class RegionalProposal(Base):
    """A regional panel's proposal sent to the placing authority: the ranking run it made on the
    authority's referral. Owned by that authority (its Tasks list it until it decides)."""

    __tablename__ = "regional_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("regional_panel_runs.id"))
    authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    ranking_run_id: Mapped[int] = mapped_column(ForeignKey("ranking_runs.id"))
    placement_code: Mapped[str] = mapped_column(String(40))
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(DateTime)

    run: Mapped[RegionalPanelRun] = relationship()
    referral: Mapped[Referral] = relationship()
    sent_by: Mapped[User] = relationship()


REVIEW_STATUSES = ("open", "kept", "moving", "superseded")


class RelocationReview(Base):
    """A current placement that a change of intelligence made unsafe, waiting for a person.

    Opened by the re-check after an area or a young person's groups or risk locations
    change; never moves anyone. The social worker records what they decided and why.
    """

    __tablename__ = "relocation_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    young_person_id: Mapped[int] = mapped_column(ForeignKey("young_people.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), nullable=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"))
    authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"), index=True)
    trigger: Mapped[str] = mapped_column(String(200))  # what changed, in words without personal details
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON)  # [{code, detail}]
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # ranked, from the engine
    status: Mapped[str] = mapped_column(String(20), default="open")
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    outcome_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The intelligence behind the reasons, each item with its version, so a re-check on the
    # same unchanged intelligence does not reopen a review a person closed:
    # {"areas": {code: version}, "rules": {rule: [codes]}, "groups": [...], "risk_locations": {id: "lat,lon,radius"}}.
    intelligence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    young_person: Mapped[YoungPerson] = relationship()
    decision: Mapped[Decision | None] = relationship()
    placement: Mapped[Placement] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])


JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(Base):
    """Long work run by a worker off the web request (docs/decisions/0070-jobs-on-a-queue.md).

    What it did is kept as aggregates or a file for the person who asked: a scenario's
    published tables, an export's file. A job whose worker stopped is failed with the reason.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    authority_code: Mapped[str] = mapped_column(ForeignKey("local_authorities.gss_code"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # When the worker last said it was still at it; a running job silent for too long has stopped.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # per cent
    message: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result_file: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    result_filename: Mapped[str | None] = mapped_column(String(200), nullable=True)
    result_mimetype: Mapped[str | None] = mapped_column(String(100), nullable=True)

    owner: Mapped[User] = relationship()


class JobFile(Base):
    """A file a job reads (an upload to import), kept in the database so a worker on any machine has it.

    Kept while the job may still run or be started again; a job that finished drops its files
    (an import's file can hold children's records, and what it left is in the database now).
    """

    __tablename__ = "job_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))  # what the job calls it, e.g. an importer's FileSpec.name
    filename: Mapped[str] = mapped_column(String(200))  # as the person gave it
    content: Mapped[bytes] = mapped_column(LargeBinary)
