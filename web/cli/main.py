"""Entry point and shared plumbing of the CLI. Domain refusals and a database that
cannot work (engine.storage_failures: full disk, read-only, unreachable) become
one line on stderr in the chosen language and exit status 2; nothing prints a
traceback for them."""

from __future__ import annotations

import logging
from typing import Any

import click

from engine.catalogue import text as _
from engine.errors import DomainError
from engine.storage_failures import StorageFailure, storage_failure
from engine.workflow import WorkflowDefinitionError

from ..container import Container, build_container
from ..settings import Settings

__all__ = ["cli", "main", "pass_container", "fail", "storage_failed", "current_lang"]


log = logging.getLogger(__name__)
# The language of the command running, for a failure that escapes its context.
_lang = "vi"


class CliState:
    def __init__(self, lang: str, database_url: str | None) -> None:
        global _lang
        self.lang = _lang = lang
        self._database_url = database_url
        self._container: Container | None = None

    @property
    def container(self) -> Container:
        if self._container is None:
            overrides: dict[str, Any] = {"database_url": self._database_url} if self._database_url else {}
            self._container = build_container(Settings(**overrides))
        return self._container

    def close(self) -> None:
        if self._container is not None:
            self._container.close()


pass_state = click.make_pass_decorator(CliState)


def pass_container(func: Any) -> Any:
    @pass_state
    @click.pass_context
    def wrapper(ctx: click.Context, state: CliState, *args: Any, **kwargs: Any) -> Any:
        try:
            return ctx.invoke(func, state.container, *args, **kwargs)
        except DomainError as err:
            fail(_("cli.error", state.lang, message=err.message(state.lang)))
        except WorkflowDefinitionError as err:
            fail(str(err))
        except Exception as err:
            failure = storage_failure(err)
            if failure is None:
                raise
            storage_failed(failure, state.lang)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def current_lang() -> str:
    ctx = click.get_current_context(silent=True)
    return ctx.find_object(CliState).lang if ctx and ctx.find_object(CliState) else "vi"


def storage_failed(failure: StorageFailure, lang: str) -> None:
    if log.hasHandlers():  # a deployment's log; without one, stderr keeps its single line
        log.error("%s", failure.log_line())
    fail(_("cli.error", lang, message=failure.message(lang)))


def fail(message: str, code: int = 2) -> None:
    click.echo(message, err=True)
    raise SystemExit(code)


@click.group()
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", envvar="NGHEDAN_LANG", show_default=True,
              help="Language of messages.")
@click.option("--database-url", envvar="NGHEDAN_DATABASE_URL", default=None, help="Overrides the setting.")
@click.pass_context
def cli(ctx: click.Context, lang: str, database_url: str | None) -> None:
    """nghedan — theo dõi ý kiến của dân đến khi được trả lời."""
    state = CliState(lang, database_url)
    ctx.obj = state
    ctx.call_on_close(state.close)


def _register() -> None:
    from . import admin, audit, backup, cases, deadlines, demo, tokens, notify, reports  # noqa: F401  (commands attach themselves)
    from . import access  # noqa: F401
    from . import calendar  # noqa: F401  (the working calendar's commands)
    from . import files  # noqa: F401


def main(argv: list[str] | None = None) -> None:
    _register()
    try:
        cli.main(args=argv, prog_name="nghedan")
    except Exception as err:  # outside a command's own handling (closing the container, ...)
        failure = storage_failure(err)
        if failure is None:
            raise
        storage_failed(failure, _lang)
