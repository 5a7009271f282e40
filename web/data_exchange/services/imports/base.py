"""The import framework: what an importer declares, and one run of an import.

An importer (one module per kind of file) declares the files it reads and the roles
that may run it, and `load`s them: it validates every row and writes through
repository functions into the current session, collecting a `Problem` per bad value.
`run_import` wraps it in one transaction: every row is written or none is. A file
with any problem, or a dry run, is rolled back; only its audit event remains.

Problems name the file, the row as a spreadsheet numbers it (header row 1, first data
row 2) and the field, never the value (it may be personal data). Audit details carry
the kind and the counts only.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import logging
import mmap
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol, cast

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from planner.nearby import Shape
from web import db
from web.accounts.services.accounts import SignedInUser
from web.models import ImportReport, ImportRun
from web.relocation.services import relocation
from web.shared.repositories import authorities
from web.shared.repositories import imports as repository
from web.shared.services import audit, sharing
from web.shared.services.errors import Forbidden, InvalidInput, NotFound

# Imports that add or change areas: the current placements are re-checked after them.
AREA_KINDS = ("areas",)

log = logging.getLogger(__name__)

# Problems kept in full; beyond this only their number is counted (a file of
# millions of bad rows must not exhaust memory to say so).
MAX_PROBLEMS_KEPT = 10_000
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileSpec:
    name: str  # form field / CLI name, e.g. "file", "header", "episodes", "missing"
    label: str  # shown on the page, e.g. "Episodes table (CSV)"
    required: bool = True
    extensions: tuple[str, ...] = (".csv",)
    # Shown on the page under the file input: the columns or properties expected.
    hint: str = ""
    # The importer reads the file in slices (`slices`, `release`), so the command line may map a
    # large one (`mapped_file`) instead of reading it whole: the full ONSPD is 1.4 GB.
    streamed: bool = False


@dataclass(frozen=True)
class Problem:
    file: str  # FileSpec.name
    row: int | None  # as a spreadsheet numbers it (header 1, first data row 2); None = whole file
    field: str | None  # column / property name
    message: str  # plain words naming the field; never echoes personal data beyond the row number


@dataclass(frozen=True)
class ImportContext:
    authority_code: str  # the importing user's authority (CLI: --authority)
    user_id: int | None  # None from the command line
    today: date
    import_id: int  # the ImportRun row, already added and flushed in this transaction
    # The importing user's role; the command line acts as the authority's administrator.
    role: str = "admin"

    def access(self) -> sharing.Access:
        """What the importing authority may write and read (the access policy, decision 0080)."""
        return sharing.for_organisation(self.authority_code, self.role, self.user_id, self.today)


@dataclass
class Loaded:
    rows: int  # data rows read across files
    added: dict[str, int]  # e.g. {"postcodes": 120} or {"young people": 12, "care episodes": 40}
    problems: list[Problem]
    # Problems found beyond those kept in `problems` (see `Problems`).
    more_problems: int = 0
    # Rows read but deliberately not imported, by reason (e.g. {"terminated postcodes": 3}).
    skipped: dict[str, int] = field(default_factory=dict)
    # Where intelligence changed (areas added or changed, before and after): the re-check
    # after the import looks at the placements near these only.
    changed_places: list[Shape] = field(default_factory=list)
    changed_areas: list[str] = field(default_factory=list)  # their codes


class Importer(Protocol):
    """What an importer declares (read-only, so frozen dataclasses and plain classes both fit)."""

    @property
    def kind(self) -> str:
        """ "postcodes" | "placements_csv" | "areas" | "ssda903" | "placements_standard" | "nps" | "police_uk"."""
        ...

    @property
    def label(self) -> str: ...

    @property
    def description(self) -> str:
        """One paragraph for the page: what it reads, what it writes."""
        ...

    @property
    def roles(self) -> tuple[str, ...]: ...

    @property
    def files(self) -> tuple[FileSpec, ...]: ...

    def load(self, files: dict[str, bytes], context: ImportContext) -> Loaded:
        """Validate every row and write through repositories; never commit or roll back.

        `files` holds the bytes of each file given, by FileSpec.name; a file may start
        with a UTF-8 byte order mark (`decode` and pandas' "utf-8-sig" drop it).
        """
        ...


class Problems:
    """A problem collector that keeps the first `MAX_PROBLEMS_KEPT` and counts the rest."""

    def __init__(self, limit: int = MAX_PROBLEMS_KEPT) -> None:
        self.kept: list[Problem] = []
        self.more = 0
        self._limit = limit

    def add(self, file: str, row: int | None, field: str | None, message: str) -> None:
        if len(self.kept) < self._limit:
            self.kept.append(Problem(file, row, field, message))
        else:
            self.more += 1

    def extend(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.add(problem.file, problem.row, problem.field, problem.message)

    def __len__(self) -> int:
        return len(self.kept) + self.more

    def __bool__(self) -> bool:
        return len(self) > 0

    def loaded(self, rows: int, added: dict[str, int], skipped: dict[str, int] | None = None) -> Loaded:
        """The importer's answer: counts, with the problems collected here."""
        return Loaded(rows, added, list(self.kept), self.more, dict(skipped or {}))


@dataclass
class Flags:
    """What the data standard's own rules question in a file that still loads (SSDA903: DfE's
    rules for the return's collection year): a heading, one line per rule, the first rows,
    and the downloadable report of every row (`report_id`)."""

    heading: str
    summary: list[str]
    shown: list[list[Any]]  # [table, row, field, rule, message], the first FLAGS_SHOWN
    count: int
    report_id: int | None = None


# Columns of every import's report: other kinds have no rule codes, only their problems.
REPORT_COLUMNS = ("table", "row", "CHILD", "field", "rule", "severity", "message")
REFUSED = "refused"
# Flag rows a page shows before pointing at the report for the rest.
FLAGS_SHOWN = 100
# Days an import's report is kept (IMPORT_REPORT_DAYS): it names children's ids (SSDA903 CHILD).
REPORT_DAYS = 30


@dataclass
class Outcome:
    kind: str
    dry_run: bool
    rows: int
    added: dict[str, int]
    problems: list[Problem]
    import_id: int | None  # None for a dry run or a refused file
    more_problems: int = 0
    files: dict[str, str] = field(default_factory=dict)  # FileSpec.name -> file name given
    skipped: dict[str, int] = field(default_factory=dict)
    # The relocation reviews the import opened (areas imports only; None when none ran).
    reviews: relocation.Opened | None = None
    # What the standard's own rules flag in a file that loads (SSDA903 only; None otherwise).
    flags: Flags | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.more_problems

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more_problems

    def summary(self) -> str:
        """One line in words: what was (or would be) added, or how many problems."""
        if not self.ok:
            return f"{self.problem_count} problem{'s' if self.problem_count != 1 else ''} found: nothing was imported."
        counts = ", ".join(f"{n:,} {what}" for what, n in self.added.items()) or "nothing"
        rows = f"{self.rows:,} row{'s' if self.rows != 1 else ''}"
        if self.dry_run:
            text = f"Checked {rows}: no problems. Nothing was imported; importing would give {counts}."
        else:
            text = f"Imported {rows}: {counts}."
        if self.skipped:
            text += " Skipped: " + ", ".join(f"{n} {why}" for why, n in self.skipped.items()) + "."
        return text


_REGISTRY: dict[str, Importer] = {}


def register(importer: Importer) -> None:
    """Make an importer available to pages and the command line, under its `kind`."""
    if importer.kind in _REGISTRY and _REGISTRY[importer.kind] is not importer:
        raise ValueError(f"an importer of kind {importer.kind!r} is already registered")
    _REGISTRY[importer.kind] = importer


def importer_for(kind: str) -> Importer:
    """The importer of `kind`; NotFound when there is none."""
    found = _REGISTRY.get(kind)
    if found is None:
        raise NotFound(f"no importer of kind {kind!r}")
    return found


def all_importers() -> list[Importer]:
    """Every registered importer, in label order."""
    return sorted(_REGISTRY.values(), key=lambda i: i.label)


def importers_for_role(role: str) -> list[Importer]:
    """The importers a user in `role` may run, in label order."""
    return [i for i in all_importers() if role in i.roles]


def may_import(role: str) -> bool:
    """True if `role` may run at least one importer (the navigation shows Imports)."""
    return bool(importers_for_role(role))


def decode(data: bytes) -> str:
    """The text of a file in UTF-8, a byte order mark allowed; UnicodeDecodeError otherwise."""
    return data.decode("utf-8-sig")


_SLICE = 1 << 24  # 16 MB, a whole number of pages


def mapped_file(path: str) -> bytes:
    """A large file mapped into memory, read only, for an importer whose FileSpec is `streamed`.

    An `mmap` has the bytes methods the checks use (len, slices, find) and the buffer the slices
    are read through; typed as bytes because that is every importer's contract. Read through
    `slices` (or `release` behind a reader), its pages do not stay resident: the process holds a
    slice at a time, not the file.
    """
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    return cast(bytes, mapped)


def release(data: bytes, start: int, length: int) -> None:
    """Let the kernel drop a mapped file's pages from this process (they stay in the page cache)."""
    if isinstance(data, mmap.mmap) and length > 0:
        mapped: mmap.mmap = data
        first = start - start % mmap.PAGESIZE
        mapped.madvise(mmap.MADV_DONTNEED, first, min(start + length, len(mapped)) - first)


def slices(data: bytes) -> Iterator[memoryview]:
    """The file in 16 MB slices, each released once the next is asked for."""
    view = memoryview(data)
    try:
        for start in range(0, len(view), _SLICE):
            with view[start : start + _SLICE] as part:
                yield part
            release(data, start, _SLICE)
    finally:
        view.release()  # also when the reader stops early: a mapped file can then be closed


def reader(data: bytes) -> io.BufferedIOBase:
    """The file as a binary stream (pandas reads one in chunks); a mapped file's pages are released
    behind the reader, a slice at a time."""
    if not isinstance(data, mmap.mmap):
        return io.BytesIO(data)  # shares the bytes' buffer, no copy
    return io.BufferedReader(_ReleasingReader(data))


class _ReleasingReader(io.RawIOBase):
    def __init__(self, mapped: mmap.mmap) -> None:
        self._mapped = mapped
        self._position = 0
        self._released = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with memoryview(buffer) as target:
            count = min(len(target), len(self._mapped) - self._position)
            target[:count] = self._mapped[self._position : self._position + count]
        self._position += count
        if self._position - self._released >= _SLICE:
            release(cast(bytes, self._mapped), self._released, self._position - self._released)
            self._released = self._position
        return count


def _utf8_error_at(data: bytes) -> int | None:
    """The offset of the first byte that is not UTF-8, or None; reads in slices, copying none whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    start = 0
    for part in slices(data):
        try:
            decoder.decode(part, final=start + len(part) >= len(data))
        except UnicodeDecodeError as error:
            return start + error.start
        start += len(part)
    return None


def _blank(data: bytes) -> bool:
    """Only white space (or only a byte order mark); any real file answers at its first slice."""
    if data[: len(_BOM)] == _BOM and len(data) == len(_BOM):
        return True
    return all(part.tobytes().isspace() for part in slices(data))


def _find_nul(data: bytes) -> int:
    start = 0
    for part in slices(data):
        found = part.tobytes().find(b"\x00")
        if found >= 0:
            return start + found
        start += len(part)
    return -1


def _sha256(data: bytes) -> str:
    digest = hashlib.sha256()
    for part in slices(data):
        digest.update(part)
    return digest.hexdigest()


def run_import(
    kind: str,
    files: Mapping[str, tuple[str, bytes]],
    *,
    dry_run: bool,
    user: SignedInUser | None = None,
    authority_code: str | None = None,
    today: date | None = None,
) -> Outcome:
    """Check and load `files` ({FileSpec.name: (file name, bytes)}) with the importer of `kind`.

    With a signed-in `user` the role is checked (Forbidden) and the authority is theirs;
    from the command line (`user` None) `authority_code` is required. One transaction:
    problems or a dry run roll everything back; otherwise it is committed. The audit
    event (import, import_refused or import_dry_run) is committed either way.
    """
    importer = importer_for(kind)
    if user is not None:
        if user.role not in importer.roles:
            raise Forbidden(f"the {user.role} role may not run the {kind} import")
        authority_code = user.authority_code
    if not authority_code:
        raise InvalidInput(["an authority is needed: give its GSS code"], {"authority": "Enter an authority code"})
    if user is None and authorities.get_authority(authority_code) is None:
        message = f"{authority_code} is not the GSS code of an English children's-services authority"
        raise InvalidInput([message], {"authority": message})
    user_id = user.id if user is not None else None
    given = {name: filename for name, (filename, _data) in files.items()}

    problems = Problems()
    contents = _check_files(importer, files, problems)
    if problems:
        return _refused(
            importer, user_id, authority_code, Outcome(kind, dry_run, 0, {}, problems.kept, None, problems.more, given)
        )

    run = ImportRun(
        kind=kind,
        filename=_joined_names(importer, files),
        sha256=_fingerprint(importer, contents),
        authority_code=authority_code,
        by_id=user_id,
        at=datetime.now(),
        rows=0,
        summary={},
    )
    try:
        repository.add_import_run(run)
        role = user.role if user is not None else "admin"
        context = ImportContext(authority_code, user_id, today or date.today(), run.id, role)
        loaded = importer.load(contents, context)
        if not loaded.problems and not loaded.more_problems and not dry_run:
            run.rows = loaded.rows
            run.summary = {"added": dict(loaded.added), "skipped": dict(loaded.skipped)}
            repository.flush()
    except InvalidInput as error:
        db.rollback()
        problem = Problem(importer.files[0].name, None, None, "; ".join(error.problems))
        return _refused(importer, user_id, authority_code, Outcome(kind, dry_run, 0, {}, [problem], None, 0, given))
    except SQLAlchemyError as error:
        # The importer validated every value it knows of; a database refusal (a value
        # too long, a duplicate) is still the file's problem, not a crash.
        db.rollback()
        log.warning("import %s refused by the database: %s", kind, type(error).__name__)
        problem = Problem(importer.files[0].name, None, None, _database_message(error))
        return _refused(importer, user_id, authority_code, Outcome(kind, dry_run, 0, {}, [problem], None, 0, given))

    order = {spec.name: i for i, spec in enumerate(importer.files)}
    problems_found = list(loaded.problems)
    if loaded.rows == 0 and not problems_found and not loaded.more_problems:
        # A header and nothing under it is almost always the wrong file (or an export
        # that failed): refused, so no import of nothing is recorded as if it were one.
        problems_found.append(
            Problem(
                importer.files[0].name,
                None,
                None,
                "The file holds nothing to import: a header row with no rows under it, or no records",
            )
        )
    outcome = Outcome(
        kind,
        dry_run,
        loaded.rows,
        dict(loaded.added),
        sorted(problems_found, key=lambda p: (order.get(p.file, len(order)), p.row or 0)),
        None,
        loaded.more_problems,
        given,
        dict(loaded.skipped),
    )
    if not outcome.ok:
        db.rollback()
        _add_flags(importer, contents, outcome, user_id, authority_code, today)
        return _refused(importer, user_id, authority_code, outcome)
    if dry_run:
        db.rollback()
        _add_flags(importer, contents, outcome, user_id, authority_code, today)
        audit.record(user_id, "import_dry_run", "import", kind, _detail(outcome), authority_code)
        db.commit()
        return outcome
    outcome.import_id = run.id
    audit.record(user_id, "import", "import", str(run.id), _detail(outcome), authority_code)
    try:
        db.commit()
    except SQLAlchemyError as error:
        db.rollback()
        log.warning("import %s refused at commit: %s", kind, type(error).__name__)
        problem = Problem(importer.files[0].name, None, None, _database_message(error))
        return _refused(importer, user_id, authority_code, Outcome(kind, dry_run, 0, {}, [problem], None, 0, given))
    log.info("import %s: %d rows, %s", kind, outcome.rows, outcome.added)
    _add_flags(importer, contents, outcome, user_id, authority_code, today)
    if kind in AREA_KINDS:
        # New or changed areas can make where children live now unsafe: re-check the placements
        # near them, never move anyone, and say which reviews it opened.
        result = relocation.recheck_near_areas(
            user_id, f"areas imported (import {run.id})", loaded.changed_places, loaded.changed_areas
        )
        outcome.reviews = relocation.opened_for(authority_code, result)
    return outcome


def _check_files(importer: Importer, files: Mapping[str, tuple[str, bytes]], problems: Problems) -> dict[str, bytes]:
    """Each declared file present (when required), of an allowed type, non-empty UTF-8."""
    contents: dict[str, bytes] = {}
    known = {spec.name for spec in importer.files}
    for name in sorted(set(files) - known):
        problems.add(name, None, None, f"{importer.label} does not read a file called {name!r}")
    for spec in importer.files:
        filename, data = files.get(spec.name, ("", b""))
        if not filename and not data:
            if spec.required:
                problems.add(spec.name, None, None, f"Choose the {spec.label} file")
            continue
        if filename and not filename.lower().endswith(spec.extensions):
            problems.add(spec.name, None, None, f"The {spec.label} file must be a {' or '.join(spec.extensions)} file")
            continue
        if not data or _blank(data):
            problems.add(spec.name, None, None, f"The {spec.label} file is empty")
            continue
        bad_byte = _utf8_error_at(data)
        if bad_byte is not None:
            problems.add(
                spec.name,
                None,
                None,
                f"The {spec.label} file is not UTF-8 text (byte {bad_byte} is not): save it as UTF-8 and try again",
            )
            continue
        nul = _find_nul(data)
        if nul >= 0:
            # PostgreSQL cannot store one, and no spreadsheet writes one: a sign of a binary
            # file or a UTF-16 one saved under a .csv name.
            line = data[:nul].count(b"\n") + 1
            problems.add(
                spec.name,
                line,
                None,
                f"The {spec.label} file contains a NUL character (line {line}): save it as UTF-8 text and try again",
            )
            continue
        # Passed on as given (no copy of a large file): it may start with a byte order
        # mark, which `decode` and pandas' "utf-8-sig" encoding drop.
        contents[spec.name] = data
    return contents


def _add_flags(
    importer: Importer,
    contents: Mapping[str, bytes],
    outcome: Outcome,
    user_id: int | None,
    authority_code: str,
    today: date | None,
) -> None:
    """For an importer whose standard has rules of its own (`flags_of`), what they flag, and
    the whole report stored to download (its own transaction: after the import's)."""
    flags_of = getattr(importer, "flags_of", None)
    if flags_of is None:
        return
    try:
        _store_flags(flags_of, contents, outcome, user_id, authority_code, today)
    except Exception:
        # Never turn a saved import into a failure (a job re-run would import it twice).
        db.rollback()
        log.exception("import %s: DfE's rules could not be run; the import stands without its flags", outcome.kind)


def _store_flags(
    flags_of: Any,
    contents: Mapping[str, bytes],
    outcome: Outcome,
    user_id: int | None,
    authority_code: str,
    today: date | None,
) -> None:
    heading, summary, flag_rows = flags_of(contents, today or date.today())
    rows: list[tuple[str, ...]] = [
        (p.file, "" if p.row is None else str(p.row), "", p.field or "", "", REFUSED, p.message)
        for p in outcome.problems
    ]
    rows.extend(flag_rows)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    writer.writerows(rows)
    report = ImportReport(
        kind=outcome.kind,
        authority_code=authority_code,
        by_id=user_id,
        import_run_id=outcome.import_id,
        created_at=datetime.now(),
        rows=len(rows),
        content=zlib.compress(text.getvalue().encode("utf-8")),
    )
    repository.add_report(report)
    # Reports name children's ids: those older than the retention period go as a new one comes.
    days = int(current_app.config.get("IMPORT_REPORT_DAYS", REPORT_DAYS))
    repository.delete_reports_made_before(report.created_at - timedelta(days=days))
    db.commit()
    shown = [[t, int(r), f, rule, m] for t, r, _child, f, rule, _severity, m in flag_rows[:FLAGS_SHOWN]]
    outcome.flags = Flags(heading, summary, shown, len(flag_rows), report.id)


def stored_report(report_id: int) -> bytes:
    """The CSV of a report just made (the command line, which ran the import itself)."""
    report = repository.get_report(report_id)
    if report is None:
        raise NotFound(str(report_id))
    return zlib.decompress(report.content)


def report_file(user: SignedInUser, report_id: int) -> tuple[str, bytes]:
    """(file name, CSV) of an import's report, for the person who ran it; the download is audited.

    A report made from the command line (no person) is for the authority's administrators.
    """
    report = repository.get_report(report_id)
    if report is None or report.authority_code != user.authority_code:
        raise NotFound(str(report_id))
    if report.by_id != user.id and not (report.by_id is None and user.role == "admin"):
        raise NotFound(str(report_id))
    audit.record(user.id, "download", "import_report", str(report.id), f"{report.kind}: {report.rows} rows")
    db.commit()
    return f"{report.kind}-report-{report.id}.csv", zlib.decompress(report.content)


def _refused(importer: Importer, user_id: int | None, authority_code: str, outcome: Outcome) -> Outcome:
    audit.record(user_id, "import_refused", "import", importer.kind, _detail(outcome), authority_code)
    db.commit()
    return outcome


def _detail(outcome: Outcome) -> str:
    counts = ", ".join(f"{what} {n}" for what, n in outcome.added.items())
    text = f"{outcome.kind}: rows {outcome.rows}"
    if counts:
        text += f"; {counts}"
    if not outcome.ok:
        text += f"; problems {outcome.problem_count}"
    return text[:200]


def _joined_names(importer: Importer, files: Mapping[str, tuple[str, bytes]]) -> str:
    names = [files[spec.name][0] or spec.name for spec in importer.files if spec.name in files]
    return ", ".join(names)[:200]


def _fingerprint(importer: Importer, contents: dict[str, bytes]) -> str:
    """sha256 of the file; of several, sha256 over each file's name and sha256, in declared order."""
    if len(contents) == 1:
        return _sha256(next(iter(contents.values())))
    lines = "".join(f"{spec.name}:{_sha256(contents[spec.name])}\n" for spec in importer.files if spec.name in contents)
    return hashlib.sha256(lines.encode()).hexdigest()


def _database_message(error: SQLAlchemyError) -> str:
    name = type(getattr(error, "orig", None) or error).__name__.lower()
    if "integrity" in name or "unique" in name:
        return "The database refused the file: two rows (or a row and a stored record) clash on a code"
    return "The database refused the file: a value is too long or of the wrong kind"
