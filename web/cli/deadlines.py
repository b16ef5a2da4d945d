"""Deadlines from the command line: one sweep, the worker, and extensions."""

from __future__ import annotations

import click

from engine.deadline_rules import DEFAULT_BATCH, sweep
from engine.services.fields import parse_instant

from ..container import Container
from .cases import _actor, _print_case, cases
from .main import cli, current_lang, pass_container


@cli.command("sweep")
@click.option("--at", "--now", "at", default=None, metavar="ISO",
              help="Sweep as of this instant, e.g. 2027-02-20T09:00+07:00 (default: now).")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=DEFAULT_BATCH, show_default=True)
@pass_container
def sweep_command(c: Container, at: str | None, batch_size: int) -> None:
    """Fire the reminders, overdue alerts and escalations due now (or at --at) once.

    For operators catching up after downtime and for tests; the worker does this
    every minute. Safe to run while a worker runs: nothing fires twice.
    """
    now = parse_instant("at", at) if at else c.clock.now()
    result = sweep(c.cases, now, batch_size=batch_size)
    if current_lang() == "vi":
        click.echo(f"nhắc hạn {result.reminders}, cảnh báo quá hạn {result.overdue}, "
                   f"tự động chuyển cấp {result.escalations}, tin nhắn {result.messages}, "
                   f"bỏ qua {result.skipped}, hủy {result.cancelled}")
    else:
        click.echo(result.summary())


@cli.command("worker")
@click.option("--interval", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds between deadline sweeps.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=DEFAULT_BATCH, show_default=True)
@pass_container
def worker_command(c: Container, interval: float, batch_size: int) -> None:
    """Run the scheduler: deadline sweeps, notification deliveries, the daily seal.

    Only one worker is active per database; a second one waits and takes over."""
    from ..logs import install
    from ..worker import WorkerOptions, run_worker

    install()  # filtered: no secret or personal data in a worker's log line
    run_worker(c, WorkerOptions(sweep_interval=interval, batch_size=batch_size))


@cases.command("extend")
@click.argument("code")
@click.option("--as", "username", required=True, help="A leader of the handling unit.")
@click.option("--working-days", type=int, required=True)
@click.option("--reason", required=True)
@click.option("--expected-version", type=int, default=None)
@pass_container
def cases_extend(c: Container, code: str, username: str, working_days: int, reason: str,
                 expected_version: int | None) -> None:
    """Gia hạn: move the current deadline by some working days, with a reason."""
    snap = c.cases.extend(_actor(c, username), code, working_days, reason, expected_version=expected_version)
    _print_case(c, snap, current_lang())
