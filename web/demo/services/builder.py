"""What the parts of the demo world share while it is built: the draws and what is made so far.

Each module (`intelligence`, `placements`, `young_people`, `residents`, `referrals`) takes a
`Builder`, draws from it and adds what it makes; later parts read what earlier ones made
(children are linked to groups, housed in placements, referred).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from web.demo.services.drawing import Drawing, Point
from web.models import Area, Group, Placement, Referral, Rivalry, YoungPerson


@dataclass
class GroupInfo:
    group: Group
    authority: str
    centre: Point
    territories: list[Area] = field(default_factory=list)
    destinations: list[Area] = field(default_factory=list)
    rivals: list[GroupInfo] = field(default_factory=list)


@dataclass
class Child:
    person: YoungPerson
    age: int
    role: str  # open | placed | closed | looked_after | home
    home: Point
    groups: list[GroupInfo] = field(default_factory=list)
    placement: Placement | None = None
    siblings: list[Child] = field(default_factory=list)
    eldest: bool = True  # the eldest (or only) child of a family in the demo


@dataclass
class ReferralPlan:
    authority: str
    size: int  # young people: more than one is a sibling group
    needed_by: str
    designed: str = ""  # "specialist_siblings" | "tight_distance": built to have no safe option
    children: list[Child] = field(default_factory=list)


class Builder(Drawing):
    """The world as built so far, drawn from one random generator in a fixed order."""

    def __init__(self, rng: random.Random, today: date):
        super().__init__(rng, today)
        self.groups: list[GroupInfo] = []
        self.areas: list[Area] = []
        self.area_authority: dict[str, str] = {}  # area code -> the authority it lies in
        self.rivalries: list[Rivalry] = []
        self.placements: list[Placement] = []
        self.children: list[Child] = []
        self.plans: list[ReferralPlan] = []
        self.referrals: list[Referral] = []
        self.residents: dict[str, list[str]] = {}  # placement code -> resident references
        self.urn_numbers: set[int] = set()
