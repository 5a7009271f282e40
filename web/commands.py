"""Flask commands: `flask --app wsgi setup-db | demo-data | demo-passwords | agreements ...`."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from web import migrate
from web.accounts.services import accounts
from web.shared.services import reference_data

if TYPE_CHECKING:
    from planner.ssda903_rules import Finding
    from web.data_exchange.services.imports import Outcome


def register(app: Flask) -> None:
    app.cli.add_command(setup_db)
    app.cli.add_command(demo_data)
    app.cli.add_command(demo_passwords)
    app.cli.add_command(import_data)
    app.cli.add_command(export_data)
    app.cli.add_command(jobs_worker)
    app.cli.add_command(capacity_figures)
    app.cli.add_command(agreements_group)


@click.command("setup-db")
@with_appcontext
def setup_db() -> None:
    """Create or migrate the database and load the reference authorities."""
    migrate.upgrade(current_app._get_current_object())  # type: ignore[attr-defined]
    n = reference_data.load_authorities()
    click.echo(f"Database ready ({n} authorities).")


@click.command("demo-data")
@with_appcontext
@click.option("--seed", default=1, show_default=True, help="seed for the synthetic world")
@click.option("--if-empty", is_flag=True, help="only seed a database with no young people yet")
def demo_data(seed: int, if_empty: bool) -> None:
    """Seed the synthetic demo world (synthetic people only) and the demo accounts."""
    from web.demo.services import world

    if if_empty and not world.is_empty():
        click.echo("Demo data already present; leaving it as it is.")
        return
    from web.demo.services import decisions, relocation

    summary = world.generate(seed)
    summary["decisions"] = decisions.seed()
    summary["relocation reviews"] = relocation.seed()
    click.echo("Seeded the synthetic demo world: " + ", ".join(f"{v} {k}" for k, v in summary.items()) + ".")


@click.command("demo-passwords")
@with_appcontext
def demo_passwords() -> None:
    """Give each demo account a new random password and print how to sign in."""
    shown = accounts.reset_demo_passwords()
    if not shown:
        click.echo("No demo accounts: seed the demo world first (flask --app wsgi demo-data).")
        return
    click.echo("Sign in at http://127.0.0.1:5000 with one of these demo accounts (new passwords each start):")
    for role, email, password, authority in shown:
        click.echo(f"  {accounts.ROLE_NAMES.get(role, role):34} {email:34} {password}   ({authority})")


@click.command("import-data")
@with_appcontext
@click.argument("kind")
@click.option(
    "--file",
    "file_options",
    multiple=True,
    required=True,
    help="NAME=PATH for each file the importer reads (plain PATH when it reads one file)",
)
@click.option("--authority", required=True, help="GSS code of the importing authority, e.g. E10000012")
@click.option("--dry-run", is_flag=True, help="check every row and report, importing nothing")
@click.option(
    "--report",
    "report",
    type=click.Path(dir_okay=False, writable=True),
    help="write every problem (and, for ssda903, every flag of DfE's rules) to this CSV file",
)
def import_data(kind: str, file_options: tuple[str, ...], authority: str, dry_run: bool, report: str | None) -> None:
    """Import a file of KIND (postcodes, placements_csv, areas, ...): all rows or none.

    Prints what was imported, or every problem by file, row and column; exits 1 on problems
    in rows, 2 when a file cannot be read at all. An SSDA903 return's flags (DfE's rules for
    its collection year) are summarised by rule, then the first 100 listed; --report writes them all.
    """
    from pathlib import Path

    from web.data_exchange.services import imports
    from web.shared.services.errors import InvalidInput, NotFound

    try:
        importer = imports.importer_for(kind)
    except NotFound:
        kinds = ", ".join(i.kind for i in imports.all_importers())
        raise click.UsageError(f"no importer called {kind!r}; choose one of: {kinds}") from None
    names = [spec.name for spec in importer.files]
    files: dict[str, tuple[str, bytes]] = {}
    for option in file_options:
        name, sep, path = option.partition("=")
        if not sep or (len(names) == 1 and name not in names):
            if len(names) != 1:
                listed = ", ".join(names)
                raise click.UsageError(f"{kind} reads several files: give each as --file NAME=PATH ({listed})")
            name, path = names[0], option
        if name not in names:
            raise click.UsageError(f"{kind} reads no file called {name!r}; its files are: {', '.join(names)}")
        try:
            files[name] = (Path(path).name, Path(path).read_bytes())
        except OSError as error:
            raise click.UsageError(f"cannot read {path}: {error.strerror}") from None
    try:
        outcome = imports.run_import(kind, files, dry_run=dry_run, authority_code=authority.strip().upper())
    except InvalidInput as error:
        raise click.UsageError("; ".join(error.problems)) from None
    click.echo(outcome.summary())
    if outcome.reviews is not None:
        click.echo(outcome.reviews.sentence())
    if kind == "ssda903" or report:
        _flags_and_report(kind, files, outcome, report)
    for problem in outcome.problems:
        where = f"{problem.file}" + (f" row {problem.row}" if problem.row is not None else "")
        column = f", column {problem.field}" if problem.field else ""
        click.echo(f"  {where}{column}: {problem.message}")
    if outcome.more_problems:
        click.echo(f"  ... and {outcome.more_problems} more problems")
    if not outcome.ok:
        # A file that cannot be read at all (not JSON, nested too deep, a key given twice...)
        # is refused like a bad argument, exit 2; problems in its rows, exit 1.
        unreadable = all(problem.row is None for problem in outcome.problems)
        raise SystemExit(2 if outcome.problems and unreadable else 1)


# Flags listed on the terminal before pointing at the report for the rest.
FLAGS_SHOWN = 100


def _flags_and_report(kind: str, files: dict[str, tuple[str, bytes]], outcome: Outcome, report: str | None) -> None:
    """An SSDA903 return's flags (summary, then the first 100 rows) and the CSV report, if asked for."""
    from datetime import date
    from pathlib import Path

    from web.data_exchange.services.imports import ssda903

    found: list[Finding] = []
    if kind == "ssda903":
        year, found = ssda903.findings({name: data for name, (_f, data) in files.items()}, date.today())
        click.echo(f"DfE's rules for {year.ruleset.label} (the return's latest dates are in {year.label}):")
        for line in ssda903.summary_lines(found) or ["no row flagged"]:
            click.echo(f"  {line}")
        for f in found[:FLAGS_SHOWN]:
            click.echo(f"  {f.table} row {f.row}, column {f.field}: rule {f.code}, {f.message}")
        if len(found) > FLAGS_SHOWN:
            more = f"see {report}" if report else "--report FILE.csv lists them all"
            click.echo(f"  ... and {len(found) - FLAGS_SHOWN:,} more flags ({more})")
    if report:
        # The report's columns suit every import: other kinds have problems only, no rule codes.
        rows = ssda903.report_rows(outcome.problems, found)
        Path(report).write_text(ssda903.report_csv(rows), encoding="utf-8")
        click.echo(f"Report: {len(rows):,} rows written to {report}")


@click.command("export-data")
@with_appcontext
@click.argument("kind", type=click.Choice(["ssda903-episodes", "ps-referrals", "ps-placements", "nps-placements"]))
@click.option("--authority", required=True, help="GSS code of the authority whose records to export")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="file to write")
def export_data(kind: str, authority: str, out: str) -> None:
    """Export an authority's SSDA903 episodes (CSV), Placements Standard v2 referrals or placements (JSON),
    or National Placement Standard v01 referrals and placements (JSON-LD, checked against its SHACL shapes)."""
    from pathlib import Path

    from web.data_exchange.services import exports
    from web.shared.services.errors import InvalidInput, NotFound

    try:
        found = exports.export_from_command_line(kind, authority.strip().upper())
    except NotFound as error:
        raise click.UsageError(str(error)) from None
    except InvalidInput as error:
        click.echo("The file was not written: it would not meet the standard (referral: field: problem).")
        for problem in error.problems:
            click.echo(f"  {problem}")
        raise SystemExit(1) from None
    Path(out).write_text(found.content, encoding="utf-8", newline="")
    click.echo(f"Wrote {found.rows} {'rows' if kind == 'ssda903-episodes' else 'records'} to {out}.")


@click.command("jobs-worker")
@click.option("--workers", default=2, show_default=True, help="jobs run at once (threads)")
@with_appcontext
def jobs_worker(workers: int) -> None:
    """Run queued jobs (scenarios, exports) until stopped; `make run` starts one beside the web server."""
    from web import queue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    where = "Redis (REDIS_URL)" if app.config.get("REDIS_URL") else "the embedded SQLite queue in instance/"
    click.echo(f"Jobs worker: {workers} at once, from {where}. Ctrl-C stops it.")
    queue.consumer(app, workers).run()


@click.command("capacity-figures")
@with_appcontext
@click.argument("kind", type=click.Choice(["dfe"]))
@click.option("--authority", default="", help="GSS code of the responsible authority (default: every authority)")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="CSV file to write")
def capacity_figures(kind: str, authority: str, out: str) -> None:
    """Write the capacity review's DfE-comparable figures (children looked after at 31 March by distance
    and location, placements started), protected exactly as on the page, to a CSV file."""
    from pathlib import Path

    from web.capacity.services import capacity_dfe
    from web.shared.services.errors import InvalidInput

    try:
        content, years = capacity_dfe.command_line_csv(authority.strip().upper())
    except InvalidInput as error:
        raise click.UsageError("; ".join(error.problems)) from None
    Path(out).write_text(content, encoding="utf-8", newline="")
    click.echo(f"Wrote the DfE-comparable figures for {years} year{'s' if years != 1 else ''} to {out}.")


@click.group("agreements")
def agreements_group() -> None:
    """Co-operatives and data-sharing agreements: list, add, end (audited)."""


def _date_option(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.UsageError(f"{name} must be a date like 2026-12-31") from None


@agreements_group.command("list")
@with_appcontext
def agreements_list() -> None:
    """Every agreement with its status today (in force, review overdue, expired, ended, not started)."""
    from web.accounts.services import agreements

    rows = agreements.list_agreements(None)
    if not rows:
        click.echo("No agreements.")
    for r in rows:
        ends = r.ends_on.isoformat() if r.ends_on else "open-ended"
        click.echo(
            f"{r.id:>4}  {r.cooperative_code}  {r.member_code} {r.member}  {r.purpose}  "
            f"{r.starts_on.isoformat()} to {ends}, review {r.review_by.isoformat()}  [{r.status}]  "
            f"signed by {r.signed_by}"
        )


@agreements_group.command("add-organisation")
@with_appcontext
@click.argument("code")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(["cooperative", "police_force", "rhi_provider"]))
def agreements_add_organisation(code: str, name: str, kind: str) -> None:
    """Add a co-operative, police force or return-home-interview provider (CODE like COOP-GM or E23000005)."""
    from web.accounts.services import agreements
    from web.shared.services.errors import InvalidInput

    try:
        organisation = agreements.add_organisation(code, name, kind)
    except InvalidInput as error:
        raise click.UsageError("; ".join(error.problems)) from None
    click.echo(f"Added {organisation.kind.replace('_', ' ')} {organisation.code} ({organisation.name}).")


@agreements_group.command("add")
@with_appcontext
@click.argument("cooperative")
@click.argument("member")
@click.argument("purpose", type=click.Choice(["placement_finding", "intelligence", "sufficiency", "missing_from_care"]))
@click.option("--starts", required=True, help="first day in force, YYYY-MM-DD")
@click.option("--ends", default=None, help="last day in force, YYYY-MM-DD (none: until ended)")
@click.option("--review", required=True, help="review date, YYYY-MM-DD")
@click.option("--signed-by", required=True, help="name and post of the officer who signed it")
def agreements_add(
    cooperative: str, member: str, purpose: str, starts: str, ends: str | None, review: str, signed_by: str
) -> None:
    """Record MEMBER's signed agreement with COOPERATIVE for PURPOSE."""
    from web.accounts.services import agreements
    from web.shared.services.errors import InvalidInput

    starts_on, review_by = _date_option(starts, "--starts"), _date_option(review, "--review")
    assert starts_on is not None and review_by is not None  # both options are required
    new = agreements.NewAgreement(
        cooperative.strip().upper(), member.strip().upper(), purpose, starts_on, _date_option(ends, "--ends"),
        review_by, signed_by,
    )  # fmt: skip
    try:
        row = agreements.add_agreement(None, new)
    except InvalidInput as error:
        raise click.UsageError("; ".join(error.problems)) from None
    click.echo(f"Agreement {row.id}: {row.member} shares for {row.purpose} in {row.cooperative} [{row.status}].")


@agreements_group.command("end")
@with_appcontext
@click.argument("agreement_id", type=int)
@click.option("--reason", required=True, help="why it ends (no personal details)")
def agreements_end(agreement_id: int, reason: str) -> None:
    """End agreement AGREEMENT_ID today: the sharing stops at once."""
    from web.accounts.services import agreements
    from web.shared.services.errors import Conflict, InvalidInput, NotFound

    try:
        row = agreements.end_agreement(None, agreement_id, reason)
    except NotFound:
        raise click.UsageError(f"no agreement {agreement_id}") from None
    except (InvalidInput, Conflict) as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"Agreement {row.id} ended on {row.ended_on}: {row.member} no longer shares for {row.purpose}.")


@agreements_group.command("give-owner")
@with_appcontext
@click.argument("kind", type=click.Choice(["placement", "area", "group"]))
@click.argument("code")
@click.argument("owner")
def agreements_give_owner(kind: str, code: str, owner: str) -> None:
    """Give a record with no owner (stored before owners were known) its OWNER, e.g. E08000003."""
    from web.accounts.services import agreements
    from web.shared.services.errors import Conflict, InvalidInput, NotFound

    try:
        click.echo(agreements.give_owner(kind, code, owner.strip().upper()))
    except NotFound:
        raise click.UsageError(f"no {kind} {code}") from None
    except (InvalidInput, Conflict) as error:
        raise click.UsageError(str(error)) from None
