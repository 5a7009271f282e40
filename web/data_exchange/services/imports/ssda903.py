"""The SSDA903 import: Header, Episodes and (optionally) Missing tables as CSV.

Header rows become young people, Episodes rows care episodes, Missing rows missing
episodes, all for the importing user's authority. A child's reference is the
authority's GSS code and the SSDA903 CHILD id ("E09000033-566910"), so two
authorities' CHILD ids never clash (docs/decisions/0020-ssda903-child-reference.md).
A child's home is the HOME_POST of their latest episode, resolved through the
postcode lookup (an imported ONS Postcode Directory edition, else the packaged one);
PL_DISTANCE and PL_LOCATION are derived as the DfE derives them (`planner.dfe`).

Only what the product cannot store as it is refuses a return: a missing table or column,
a date that is not a date (or is in the future), an end before its start, a CHILD that
cannot be a reference or is not in the Header, the same episode twice. Everything DfE's
rules question (codes not valid in the collection year, postcodes that are not postcodes,
overlapping episodes, short breaks, missing periods) is a data-quality flag from
`planner.ssda903_rules`: the return loads as it is and `findings` lists the flags for a
report (docs/decisions/0071-ssda903-dfe-rules.md). A postcode the lookup does not know
is never guessed: that PL_DISTANCE is "not known", as DfE publishes it. A child with no
known HOME_POST on any episode (typical of an unaccompanied asylum-seeking child) is
recorded with no home postcode, placed for the engine at the responsible authority's
centre.

Importing the same return again updates rather than duplicates: a child is matched by
reference, an episode by child and DECOM, a missing episode by child, kind and start.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from planner import ssda903_rules
from planner.dfe import miles_from_coordinates, placement_distance_miles, placement_location
from planner.postcode_lookup import PostcodeRecord
from web.casework.repositories import care_episodes as repository
from web.data_exchange.services.imports.base import FileSpec, ImportContext, Loaded, Problem, Problems
from web.data_exchange.services.imports.tabular import Cells, Table, iterate_rows, read_csv
from web.models import CareEpisode, MissingEpisode, YoungPerson
from web.shared.services import postcodes as postcode_service
from web.shared.services.postcodes import compact, display

KIND = "ssda903"
SOURCE = "ssda903"
MISSING_REPORTED_BY = "ssda903 import"

SEX_CODES = ("1", "2")
# From 2024/25 SEX is M, F or U; stored as the earlier codes the product reads (U as U).
SEX_FROM_2024_25 = {"M": "1", "F": "2", "U": "U"}
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
SKIPPED_MISSING_KIND = "missing rows that are neither M nor A (DfE rule 1006)"
SKIPPED_MISSING_CHILD = "missing rows of a CHILD not in the Header (DfE rule INT04)"


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
        "each missing row a missing episode. Only unreadable tables, columns and dates refuse the return; what "
        "DfE's rules for its collection year question (codes, postcodes not found, overlapping episodes, short "
        "breaks, missing periods) is flagged, and the command line's --report writes every flag as CSV. "
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
        self.dropped: dict[str, int] = defaultdict(int)

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
            # Codes are DfE's to question (rules 101 and 103, by year): kept as given when they fit.
            sex = self._sex(cells)
            dob = cells.date("DOB", required=True)
            ethnic = self._code(cells, "ETHNIC", 4) or ""
            if dob is not None and dob > self.context.today:
                cells.problem("DOB", "DOB must not be in the future")
            if child is not None and child.upper() in first_seen:
                first = first_seen[child.upper()]
                cells.problem("CHILD", f"CHILD appears more than once in the Header table (first on row {first})")
                continue
            if child is not None:
                first_seen[child.upper()] = number
            if cells.ok and child and sex is not None and dob:
                children[child] = _Child(number, child, sex, dob, ethnic)
        return children

    def _sex(self, cells: Cells) -> str | None:
        value = cells.raw("SEX").upper()
        stored = SEX_FROM_2024_25.get(value, value)
        if len(stored) > 1:
            cells.problem("SEX", "SEX is one character (1 or 2; M, F or U from 2024/25)")
            return None
        return stored

    def _code(self, cells: Cells, name: str, width: int) -> str | None:
        """The code as given, upper case (None when blank); a problem only when it cannot be stored."""
        value = cells.raw(name).upper()
        if not value:
            return None
        if len(value) > width:
            cells.problem(name, f"{name} is at most {width} characters: this value cannot be a code")
            return None
        return value

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
                # Codes not valid for the return's year are DfE's rules' flags, not refusals.
                rne=self._code(cells, "RNE", 2),
                ls=self._code(cells, "LS", 2),
                cin=self._code(cells, "CIN", 2),
                place=self._code(cells, "PLACE", 4) or "",
                provider=self._code(cells, "PLACE_PROVIDER", 3),
                rec=self._code(cells, "REC", 3),
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
        code = self._code(cells, name, max(len(a) for a in allowed))
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
        # One that is not a postcode is flagged by DfE's rule 392c and never resolves.
        value = cells.raw(name)
        return compact(value)[:10] if value else None

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
            # A DOB that differs from the Header's is DfE's rule INT13, a flag.
            cells.date("DOB")
            kind = self._code(cells, "MISSING", 1)
            start = cells.date("MIS_START", required=True)
            end = cells.date("MIS_END")
            if start is not None and end is not None and end < start:
                cells.problem("MIS_END", "MIS_END must be on or after MIS_START")
            if start is not None and start > self.context.today:
                cells.problem("MIS_START", "MIS_START must not be in the future")
            if child is None or start is None:
                continue
            if kind not in MISSING_CODES:
                self.dropped[SKIPPED_MISSING_KIND] += 1
                continue
            if children is not None and known is None:
                self.dropped[SKIPPED_MISSING_CHILD] += 1
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
        """The postcode records of every HOME_POST and PL_POST found (current or terminated).

        One not found is DfE's rule 392c, a flag: its episode's PL_DISTANCE is not known.
        """
        wanted = {p for e in episodes for p in (e.home_post, e.pl_post) if p}
        return postcode_service.find_many(wanted)

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
        found = repository.get_authority(authority)
        assert found is not None  # checked in `run`
        centre = (found.lat, found.lon)
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
            if person is None and not by_child.get(child):
                skipped += 1
                continue
            if person is None:
                # No known HOME_POST on any episode (an unaccompanied asylum-seeking child, or
                # postcodes not found): no home postcode, and the authority's centre for the engine.
                person = YoungPerson(
                    reference=child_reference(authority, child),
                    date_of_birth=facts.dob,
                    sex=facts.sex,
                    ethnicity=facts.ethnic,
                    home_postcode=display(home.postcode) if home is not None else None,
                    home_lat=home.lat if home is not None else centre[0],
                    home_lon=home.lon if home is not None else centre[1],
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
        dropped = {SKIPPED_CHILDREN: skipped, SKIPPED_MISSING: missing_skipped, **self.dropped}
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


# The report: one row per problem that refused the file and per DfE rule's flag.
REPORT_COLUMNS = ("table", "row", "CHILD", "field", "rule", "severity", "message")
REFUSED = "refused"
_TABLE_WORDS = {
    "header": ("Header row", "Header rows"),
    "episodes": ("episode", "episodes"),
    "missing": ("missing row", "missing rows"),
}


def findings(
    files: Mapping[str, bytes], today: date
) -> tuple[ssda903_rules.CollectionYear, list[ssda903_rules.Finding]]:
    """DfE's rules for the return's collection year, run on its tables; nothing when a table cannot be read.

    A return that cannot be read (a missing column, not CSV) is refused by the import,
    which says why; the rules need readable tables, so they find nothing then.
    """
    try:
        tables = {name: ssda903_rules.read_table(data) for name, data in files.items() if name in ssda903_rules.TABLES}
    except (ValueError, UnicodeDecodeError):  # pandas' ParserError and EmptyDataError are ValueErrors
        return ssda903_rules.CollectionYear.containing(today), []
    # The optional columns DfE's rules read are blank when left out.
    for name, optional in (("missing", MISSING_OPTIONAL), ("episodes", EPISODE_OPTIONAL)):
        for column in optional:
            if name in tables and column not in tables[name].columns:
                tables[name][column] = None
    needed = {"header": set(HEADER_COLUMNS), "episodes": set(EPISODE_COLUMNS), "missing": set(MISSING_COLUMNS)}
    if any(not needed[name] <= set(frame.columns) for name, frame in tables.items()):
        return ssda903_rules.CollectionYear.containing(today), []
    year = ssda903_rules.year_of_return(tables, today)
    postcodes: set[str] = set()
    if "episodes" in tables:
        for column in ("HOME_POST", "PL_POST"):
            postcodes.update(compact(v) for v in tables["episodes"][column].dropna())
    found = postcode_service.find_many(postcodes)
    return year, ssda903_rules.check(tables, year, lambda code: compact(code) in found)


def summary_lines(found: Iterable[ssda903_rules.Finding]) -> list[str]:
    """One line per rule that flagged rows, most first: "5,047 episodes: Postcode(s) ... (DfE rule 392c)"."""
    return [
        f"{n:,} {_TABLE_WORDS.get(table, (table, table))[n != 1]}: {message} (DfE rule {code})"
        for table, code, message, n in ssda903_rules.summary(found)
    ]


def report_rows(problems: Iterable[Problem], found: Iterable[ssda903_rules.Finding]) -> list[tuple[str, ...]]:
    """The report's rows: the problems that refused the file, then every flag, in table and row order."""
    rows: list[tuple[str, ...]] = [
        (p.file, str(p.row) if p.row is not None else "", "", p.field or "", "", REFUSED, p.message) for p in problems
    ]
    rows.extend((f.table, str(f.row), f.child or "", f.field, f.code, f.severity, f.message) for f in found)
    return rows


def report_csv(rows: Iterable[tuple[str, ...]]) -> str:
    """The report as CSV text, with its header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()
