"""``nghedan demo``: load the demo data set."""

from __future__ import annotations

import click

from ..container import Container
from ..demo import DEMO_PASSWORD, load_demo
from .main import cli, pass_container


@cli.command("demo")
@pass_container
def demo(c: Container) -> None:
    """Load demo units, users and cases (idempotent)."""
    result = load_demo(c)
    click.echo(f"units +{result.units_created}, users +{result.users_created}, "
               f"meetings +{result.meetings_created}, cases +{result.cases_created}, "
               f"support +{result.support_created}")
    click.echo(f"Users canbo, lanhdao, giamsat, admin; password “{DEMO_PASSWORD}”.")
    click.echo("WARNING: demo password — for trying nghedan out only, never on a real server.", err=True)
