"""The SSDA903 import: Header, Episodes and (optionally) Missing tables as CSV.

Header rows become young people, Episodes rows care episodes, Missing rows missing
episodes, all for the importing user's authority. A child's reference is the
authority's GSS code and the SSDA903 CHILD id ("E09000033-566910"), so two
authorities' CHILD ids never clash (docs/decisions/0020-ssda903-child-reference.md).
A child's home is the HOME_POST of their latest episode, resolved through the
postcode lookup (an imported ONS Postcode Directory edition, else the packaged one);
PL_DISTANCE and PL_LOCATION are derived as the DfE derives them (`planner.dfe`). A
postcode the lookup does not know is a problem, never a guess.

Importing the same return again updates rather than duplicates: a child is matched by
reference, an episode by child and DECOM, a missing episode by child, kind and start.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from planner.dfe import miles_from_coordinates, placement_distance_miles, placement_location
from planner.postcode_lookup import PostcodeRecord
from web.casework.repositories import care_episodes as repository
from web.data_exchange.services.imports.base import FileSpec, ImportContext, Loaded, Problems
from web.data_exchange.services.imports.tabular import Cells, Table, iterate_rows, read_csv
from web.models import CareEpisode, MissingEpisode, YoungPerson
from web.shared.services import postcodes as postcode_service
from web.shared.services.postcodes import compact, display, is_well_formed

KIND = "ssda903"
SOURCE = "ssda903"
MISSING_REPORTED_BY = "ssda903 import"

SEX_CODES = ("1", "2")
ETHNIC_CODES = (
    "WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
    "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
)  # fmt: skip
RNE_CODES = ("S", "L", "P", "T", "B", "U")
LS_CODES = ("C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3")
CIN_CODES = tuple(f"N{n}" for n in range(1, 10))
# Current codes, with the ones a return for an earlier year may still hold: H5 (before
# K3, 2024/25) and Z1 (before Z11-Z14, 2025/26).
PLACE_CODES = (
    "A3", "A4", "A5", "A6", "H5", "K1", "K2", "K3", "P1", "P2", "P3", "R1", "R2", "R3", "R5",
    "S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6",
    "Z1", "Z11", "Z12", "Z13", "Z14",
)  # fmt: skip
PLACE_PROVIDER_CODES = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
REC_CODES = (
    "X1", "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E4A", "E4B",
    "E41", "E45", "E46", "E47", "E48", "E5", "E6", "E7", "E8", "E9",
)  # fmt: skip
REASON_PLACE_CHANGE_CODES = (
    "CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE", "CUSTOD", "OTHER",
)  # fmt: skip
MISSING_CODES = ("M", "A")

HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC")
HEADER_OPTIONAL = ("UPN", "MOTHER", "MC_DOB")
EPISODE_COLUMNS = (
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "HOME_POST",
    "PL_POST",
)
EPISODE_OPTIONAL = ("REASON_PLACE_CHANGE", "URN")
MISSING_COLUMNS = ("CHILD", "MISSING", "MIS_START")
MISSING_OPTIONAL = ("DOB", "MIS_END")

# Stored references hold 40 characters: the GSS code, a hyphen and the CHILD id.
MAX_CHILD_LENGTH = 30
MAX_URN_LENGTH = 20

SKIPPED_CHILDREN = "children with no episode (so no home to record)"
SKIPPED_MISSING = "missing episodes of those children"


def child_reference(authority_code: str, child: str) -> str:
    """The young person's reference for an SSDA903 CHILD id of an authority."""
    return f"{authority_code}-{child}"


def child_id(authority_code: str, reference: str) -> str:
    """The SSDA903 CHILD id back from a reference (the reference itself if not imported)."""
    return reference.removeprefix(f"{authority_code}-")


@dataclass
class _Child:
    row: int
    child: str
    sex: str
    dob: date
    ethnic: str


@dataclass
class _Episode:
    row: int
    child: str
    start: date
    end: date | None
    rne: str | None
    ls: str | None
    cin: str | None
    place: str
    provider: str | None
    rec: str | None
    reason_place_change: str | None
    home_post: str | None  # compact
    pl_post: str | None  # compact
    urn: str | None


@dataclass
class _Missing:
    row: int
    child: str
    kind: str
    start: datetime
    end: datetime | None


class Ssda903Importer:
    kind = KIND
    label = "SSDA903 children looked after return"
    description = (
        "Reads the Header, Episodes and (optionally) Missing tables of an SSDA903 return as CSV "
        "(dates dd/mm/yyyy). Each child becomes a young person of your authority, referenced by your "
        "authority's code and their CHILD id; each episode a care episode with the DfE's placement "
        "distance (PL_DISTANCE) and in or out of area (PL_LOCATION) derived from the postcodes; "
        "each missing row a missing episode. Every HOME_POST and PL_POST must be a known UK postcode. "
        "Importing the same return again updates the records rather than adding them twice."
    )
    roles = ("admin",)
    files = (
        FileSpec("header", "Header table (CSV)", hint="Columns: CHILD, SEX, DOB, ETHNIC (UPN and others ignored)"),
        FileSpec(
            "episodes",
            "Episodes table (CSV)",
            hint="Columns: CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC, "
            "REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN",
        ),
        FileSpec(
            "missing", "Missing table (CSV)", required=False, hint="Columns: CHILD, DOB, MISSING, MIS_START, MIS_END"
        ),
    )

    def load(self, files: dict[str, bytes], context: ImportContext) -> Loaded:
        return _Load(context).run(files)


IMPORTER = Ssda903Importer()


class _Load:
    """One import: read and check every table, then write, all in the caller's transaction."""

    def __init__(self, context: ImportContext) -> None:
        self.context = context
        self.problems = Problems()
        self.rows = 0
        self.limits: dict[str, int | None] = {}

    def run(self, files: dict[str, bytes]) -> Loaded:
        if repository.get_authority(self.context.authority_code) is None:
            self.problems.add("header", None, None, "The authority code is not one this service knows")
            return self.problems.loaded(0, {})
        children = self._read_header(files["header"])
        episodes = self._read_episodes(files["episodes"], children)
        missing = self._read_missing(files["missing"], children) if "missing" in files else []
        if children is None or episodes is None or missing is None:
            return self.problems.loaded(self.rows, {})
        postcodes = self._resolve_postcodes(episodes)
        homes = self._homes(children, episodes, postcodes)
        if self.problems:
            return self.problems.loaded(self.rows, {})
        return self._write(children, episodes, missing, postcodes, homes)

    # Reading and checking

    def _table(self, data: bytes, file: str, required: tuple[str, ...], optional: tuple[str, ...]) -> Table | None:
        return read_csv(data, file=file, required=required, optional=optional, problems=self.problems)

    def _read_header(self, data: bytes) -> dict[str, _Child] | None:
        table = self._table(data, "header", HEADER_COLUMNS, HEADER_OPTIONAL)
        if table is None:
            return None
        children: dict[str, _Child] = {}
        # Every CHILD seen, valid row or not, by its upper-case form: "a100" and "A100" would
        # be two young people whose references differ only in case, which people cannot tell apart.
        first_seen: dict[str, int] = {}
        for number, values in iterate_rows(table, self.problems):
            self.rows += 1
            cells = Cells("header", number, values, self.problems)
            cells.extra()
            child = self._child_id(cells)
            sex = cells.choice("SEX", SEX_CODES, required=True)
            dob = cells.date("DOB", required=True)
            ethnic = cells.choice("ETHNIC", ETHNIC_CODES, required=True, upper=True)
            if dob is not None and dob > self.context.today:
                cells.problem("DOB", "DOB must not be in the future")
            if child is not None and child.upper() in first_seen:
                first = first_seen[child.upper()]
                cells.problem("CHILD", f"CHILD appears more than once in the Header table (first on row {first})")
                continue
            if child is not None:
                first_seen[child.upper()] = number
            if cells.ok and child and sex and dob and ethnic:
                children[child] = _Child(number, child, sex, dob, ethnic)
        return children

    def _child_id(self, cells: Cells) -> str | None:
        return cells.text("CHILD", required=True, max_length=MAX_CHILD_LENGTH)

    def _read_episodes(self, data: bytes, children: dict[str, _Child] | None) -> list[_Episode] | None:
        table = self._table(data, "episodes", EPISODE_COLUMNS, EPISODE_OPTIONAL)
        if table is None:
            return None
        episodes: list[_Episode] = []
        first_row: dict[tuple[str, date], int] = {}
        for number, values in iterate_rows(table, self.problems):
            self.rows += 1
            cells = Cells("episodes", number, values, self.problems)
            cells.extra()
            child = self._child_id(cells)
            if child is not None and children is not None and child not in children:
                cells.problem("CHILD", "CHILD is not in the Header table")
            start = cells.date("DECOM", required=True)
            end = cells.date("DEC")
            if start is not None and end is not None and end < start:
                cells.problem("DEC", "DEC (date episode ceased) must be on or after DECOM")
            if start is not None and start > self.context.today:
                cells.problem("DECOM", "DECOM must not be in the future")
            episode = _Episode(
                row=number,
                child=child or "",
                start=start or date.min,
                end=end,
                rne=cells.choice("RNE", RNE_CODES, required=True, upper=True),
                ls=cells.choice("LS", LS_CODES, required=True, upper=True),
                cin=cells.choice("CIN", CIN_CODES, required=True, upper=True),
                place=cells.choice("PLACE", PLACE_CODES, required=True, upper=True) or "",
                provider=cells.choice("PLACE_PROVIDER", PLACE_PROVIDER_CODES, upper=True),
                rec=cells.choice("REC", REC_CODES, upper=True),
                reason_place_change=self._stored_code(
                    cells, "REASON_PLACE_CHANGE", REASON_PLACE_CHANGE_CODES, "reason_place_change"
                ),
                home_post=self._postcode(cells, "HOME_POST"),
                pl_post=self._postcode(cells, "PL_POST"),
                urn=cells.text("URN", max_length=MAX_URN_LENGTH),
            )
            if child is not None and start is not None:
                key = (child, start)
                if key in first_row:
                    cells.problem(
                        "DECOM", f"This child already has an episode starting on this DECOM (row {first_row[key]})"
                    )
                else:
                    first_row[key] = number
            if cells.ok:
                episodes.append(episode)
        return episodes

    def _stored_code(self, cells: Cells, name: str, allowed: tuple[str, ...], column: str) -> str | None:
        code = cells.choice(name, allowed, upper=True)
        limit = self.limits.setdefault(column, repository.stored_length(column))
        if code is not None and limit is not None and len(code) > limit:
            # A valid code the database cannot hold yet: say so rather than fail at write.
            cells.problem(
                name,
                f"{name} code {code} is valid but this database keeps only {limit} characters "
                "for it: ask your administrator to upgrade the database",
            )
            return None
        return code

    def _postcode(self, cells: Cells, name: str) -> str | None:
        value = cells.raw(name)
        if not value:
            return None
        if not is_well_formed(value):
            cells.problem(name, f"{name} is not a UK postcode")
            return None
        return compact(value)

    def _read_missing(self, data: bytes, children: dict[str, _Child] | None) -> list[_Missing] | None:
        table = self._table(data, "missing", MISSING_COLUMNS, MISSING_OPTIONAL)
        if table is None:
            return None
        found: list[_Missing] = []
        first_row: dict[tuple[str, str, datetime], int] = {}
        for number, values in iterate_rows(table, self.problems):
            self.rows += 1
            cells = Cells("missing", number, values, self.problems)
            cells.extra()
            child = self._child_id(cells)
            known = children.get(child) if child is not None and children is not None else None
            if child is not None and children is not None and known is None:
                cells.problem("CHILD", "CHILD is not in the Header table")
            dob = cells.date("DOB")
            if known is not None and dob is not None and dob != known.dob:
                cells.problem("DOB", f"DOB differs from this child's DOB in the Header table (row {known.row})")
            kind = cells.choice("MISSING", MISSING_CODES, required=True, upper=True)
            start = cells.date("MIS_START", required=True)
            end = cells.date("MIS_END")
            if start is not None and end is not None and end < start:
                cells.problem("MIS_END", "MIS_END must be on or after MIS_START")
            if start is not None and start > self.context.today:
                cells.problem("MIS_START", "MIS_START must not be in the future")
            if child is None or kind is None or start is None:
                continue
            began = datetime.combine(start, datetime.min.time())
            key = (child, kind, began)
            if key in first_row:
                cells.problem("MIS_START", f"This child already has this episode on row {first_row[key]}")
                continue
            first_row[key] = number
            if cells.ok:
                ended = datetime.combine(end, datetime.min.time()) if end is not None else None
                found.append(_Missing(number, child, kind, began, ended))
        return found

    def _resolve_postcodes(self, episodes: list[_Episode]) -> dict[str, PostcodeRecord]:
        """The postcode records of every HOME_POST and PL_POST; a problem for each one not there."""
        wanted = {p for e in episodes for p in (e.home_post, e.pl_post) if p}
        found = postcode_service.find_many(wanted)
        for episode in episodes:
            for name, code in (("HOME_POST", episode.home_post), ("PL_POST", episode.pl_post)):
                if code and code not in found:
                    self.problems.add(
                        "episodes",
                        episode.row,
                        name,
                        f"{name} is not in the postcode lookup: import a newer ONS Postcode Directory that has it",
                    )
        return found

    def _homes(
        self, children: dict[str, _Child], episodes: list[_Episode], postcodes: dict[str, PostcodeRecord]
    ) -> dict[str, str]:
        """Each child's home postcode: the HOME_POST of their latest episode that has one."""
        latest: dict[str, _Episode] = {}
        for episode in episodes:
            if not episode.home_post:
                continue
            held = latest.get(episode.child)
            if held is None or episode.start > held.start:
                latest[episode.child] = episode
        return {child: e.home_post for child, e in latest.items() if e.home_post in postcodes}

    # Writing

    def _write(
        self,
        children: dict[str, _Child],
        episodes: list[_Episode],
        missing: list[_Missing],
        postcodes: dict[str, PostcodeRecord],
        homes: dict[str, str],
    ) -> Loaded:
        authority = self.context.authority_code
        by_child: dict[str, list[_Episode]] = defaultdict(list)
        for episode in episodes:
            by_child[episode.child].append(episode)
        stored = repository.young_people_by_reference(child_reference(authority, c) for c in children)
        now = datetime.now()
        people: dict[str, YoungPerson] = {}
        new_people: list[YoungPerson] = []
        skipped = 0
        for child, facts in children.items():
            person = stored.get(child_reference(authority, child))
            if person is not None and person.responsible_authority_code != authority:
                self.problems.add("header", facts.row, "CHILD", "This child is recorded by another authority")
                continue
            home = postcodes.get(homes[child]) if child in homes else None
            if person is None and home is None:
                if by_child.get(child):
                    latest = max(by_child[child], key=lambda e: e.start)
                    self.problems.add(
                        "episodes", latest.row, "HOME_POST", "HOME_POST is blank on every episode of this child"
                    )
                else:
                    skipped += 1
                continue
            if person is None:
                assert home is not None
                person = YoungPerson(
                    reference=child_reference(authority, child),
                    date_of_birth=facts.dob,
                    sex=facts.sex,
                    ethnicity=facts.ethnic,
                    home_postcode=display(home.postcode),
                    home_lat=home.lat,
                    home_lon=home.lon,
                    responsible_authority_code=authority,
                    risks=[],
                    created_at=now,
                )
                new_people.append(person)
            else:
                person.date_of_birth, person.sex, person.ethnicity = facts.dob, facts.sex, facts.ethnic
                if home is not None:
                    person.home_postcode = display(home.postcode)
                    person.home_lat, person.home_lon = home.lat, home.lon
                person.updated_at = now
            people[child] = person
        if self.problems:
            return self.problems.loaded(self.rows, {})
        repository.add_all(new_people)

        episodes_written = self._write_episodes(episodes, people, postcodes)
        missing_written, missing_skipped = self._write_missing(missing, people)
        added = {"young people": len(people), "care episodes": episodes_written}
        if missing:
            added["missing episodes"] = missing_written
        dropped = {SKIPPED_CHILDREN: skipped, SKIPPED_MISSING: missing_skipped}
        return self.problems.loaded(self.rows, added, {why: n for why, n in dropped.items() if n})

    def _write_episodes(
        self, episodes: list[_Episode], people: dict[str, YoungPerson], postcodes: dict[str, PostcodeRecord]
    ) -> int:
        authority = self.context.authority_code
        existing = repository.episodes_of(p.id for p in people.values())
        new: list[CareEpisode] = []
        for e in episodes:
            person = people[e.child]
            home = postcodes.get(e.home_post) if e.home_post else None
            placed = postcodes.get(e.pl_post) if e.pl_post else None
            episode = existing.get((person.id, e.start))
            if episode is None:
                episode = CareEpisode(young_person_id=person.id, start=e.start)
                new.append(episode)
            episode.authority_code = authority
            episode.end = e.end
            episode.reason_new_episode = e.rne
            episode.legal_status = e.ls
            episode.category_of_need = e.cin
            episode.place = e.place
            episode.place_provider = e.provider
            episode.reason_ceased = e.rec
            episode.reason_place_change = e.reason_place_change
            episode.home_postcode = display(e.home_post) if e.home_post else None
            episode.placement_postcode = display(e.pl_post) if e.pl_post else None
            episode.urn = e.urn
            episode.distance_miles = distance_between(home, placed)
            episode.location = (
                placement_location(authority, placed.authority_code)
                if placed is not None and placed.authority_code
                else None
            )
            episode.source = SOURCE
            episode.import_id = self.context.import_id
        repository.add_all(new)
        repository.flush()
        return len(episodes)

    def _write_missing(self, missing: list[_Missing], people: dict[str, YoungPerson]) -> tuple[int, int]:
        existing = repository.missing_episodes_of(p.id for p in people.values())
        new: list[MissingEpisode] = []
        written = skipped = 0
        for m in missing:
            person = people.get(m.child)
            if person is None:
                skipped += 1
                continue
            episode = existing.get((person.id, m.kind, m.start))
            if episode is None:
                # SSDA903 gives dates only: the times are not known, never 00:00.
                episode = MissingEpisode(
                    young_person_id=person.id,
                    kind=m.kind,
                    start=m.start,
                    start_time_known=False,
                    end_time_known=False,
                    reported_by=MISSING_REPORTED_BY,
                )
                new.append(episode)
            same_day = episode.end is not None and m.end is not None and episode.end.date() == m.end.date()
            if not same_day:
                episode.end = m.end
                episode.end_time_known = False
            # else: keep the time of return a person may have recorded for that same day.
            written += 1
        repository.add_all(new)
        return written, skipped


def distance_between(home: PostcodeRecord | None, placed: PostcodeRecord | None) -> float | None:
    """PL_DISTANCE between two postcodes: from grid references, else from coordinates."""
    if home is None or placed is None:
        return None
    if None not in (home.easting, home.northing, placed.easting, placed.northing):
        return placement_distance_miles(
            float(home.easting or 0), float(home.northing or 0), float(placed.easting or 0), float(placed.northing or 0)
        )
    return miles_from_coordinates(home.lat, home.lon, placed.lat, placed.lon)
