"""Flask commands: `flask --app wsgi setup-db | demo-data | demo-passwords`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from web import migrate
from web.accounts.services import accounts
from web.shared.services import reference_data


def register(app: Flask) -> None:
    app.cli.add_command(setup_db)
    app.cli.add_command(demo_data)
    app.cli.add_command(demo_passwords)
    app.cli.add_command(import_data)
    app.cli.add_command(export_data)
    app.cli.add_command(jobs_worker)


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
    from web.demo.services import demo_world

    if if_empty and not demo_world.is_empty():
        click.echo("Demo data already present; leaving it as it is.")
        return
    from web.demo.services import demo_decisions, demo_relocation

    summary = demo_world.generate(seed)
    summary["decisions"] = demo_decisions.seed()
    summary["relocation reviews"] = demo_relocation.seed()
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


# Files larger than this that an importer reads in slices are mapped from the disk, not read.
MAPPED_FILE_BYTES = 64 * 1024 * 1024


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
def import_data(kind: str, file_options: tuple[str, ...], authority: str, dry_run: bool) -> None:
    """Import a file of KIND (postcodes, placements_csv, areas, ...): all rows or none.

    Prints what was imported, or every problem by file, row and column; exits 1 on problems
    in rows, 2 when a file cannot be read at all.
    """
    import mmap
    from pathlib import Path

    from web.data_exchange.services import imports
    from web.data_exchange.services.imports.base import mapped_file
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
        spec = next(spec for spec in importer.files if spec.name == name)
        try:
            # A large file the importer reads in slices is mapped, not read: the full ONSPD is
            # 1.4 GB, and read whole it alone was most of the import's memory.
            if spec.streamed and Path(path).stat().st_size > MAPPED_FILE_BYTES:
                files[name] = (Path(path).name, mapped_file(path))
            else:
                files[name] = (Path(path).name, Path(path).read_bytes())
        except OSError as error:
            raise click.UsageError(f"cannot read {path}: {error.strerror}") from None
    try:
        outcome = imports.run_import(kind, files, dry_run=dry_run, authority_code=authority.strip().upper())
    except InvalidInput as error:
        raise click.UsageError("; ".join(error.problems)) from None
    finally:
        for _filename, content in files.values():
            if isinstance(content, mmap.mmap):
                content.close()
    click.echo(outcome.summary())
    if outcome.reviews is not None:
        click.echo(outcome.reviews.sentence())
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
