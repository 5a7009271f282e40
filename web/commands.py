"""Flask commands: `flask --app wsgi setup-db | demo-data | demo-passwords`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from web import migrate
from web.services import accounts, reference_data


def register(app: Flask) -> None:
    app.cli.add_command(setup_db)
    app.cli.add_command(demo_data)
    app.cli.add_command(demo_passwords)


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
    from web.services import demo_world

    if if_empty and not demo_world.is_empty():
        click.echo("Demo data already present; leaving it as it is.")
        return
    from web.services import demo_decisions

    summary = demo_world.generate(seed)
    summary["decisions"] = demo_decisions.seed()
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
