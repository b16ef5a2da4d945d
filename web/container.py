"""Builds the engine's objects from settings, once per process, on demand."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import Clock, SystemClock
from engine.db import make_engine, make_session_factory
from engine.services.cases import CaseService
from engine.workflow import Workflow, load_workflows
from workflows import load_builtin

from .settings import Settings

__all__ = ["Container", "build_container"]


@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    workflows: dict[str, Workflow]
    clock: Clock
    cases: CaseService

    def close(self) -> None:
        self.engine.dispose()


def build_container(settings: Settings, *, clock: Clock | None = None) -> Container:
    workflows = load_builtin()
    if settings.workflows_dir is not None:
        # A deployment's own files replace built-in programmes of the same key.
        workflows = load_workflows(settings.workflows_dir, over=workflows)
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    clock = clock or SystemClock()
    cases = CaseService(sessions, workflows, clock, office_close=settings.office_close)
    return Container(settings, engine, sessions, workflows, clock, cases)
