"""The composition root: the one place that builds the objects a process runs on
(settings, the database engine, workflows, services and throttles), from settings
and a clock. The web app, the CLI, the worker and the tests all take a container
from :func:`build_container`; nothing else constructs these."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import Clock, SystemClock
from engine.db import make_engine, make_read_engine, make_session_factory
from engine.files import FileBox, FileLimits, FilesystemStore
from engine.files.s3 import S3Store
from engine.services.access import AccessService
from engine.services.cases import CaseService
from engine.services.consents import ConsentService
from engine.services.fund import FundService
from engine.services.meetings import MeetingService
from engine.services.programmes import ProgrammeServices
from engine.services.support import SupportService
from engine.services.visits import VisitService
from engine.workflow import Workflow, load_workflows
from notifications import NotifySettings
from workflows import load_builtin

from .api.config import ApiSettings
from .api.ratelimit import RateLimiter
from .security import LoginThrottle, TrackThrottle
from .settings import Settings

__all__ = ["Container", "build_container"]


@dataclass
class Container:
    settings: Settings
    api_settings: ApiSettings
    notify_settings: NotifySettings
    engine: Engine
    sessions: sessionmaker[Session]
    workflows: dict[str, Workflow]
    clock: Clock
    cases: CaseService
    meetings: MeetingService
    # Counted in the database, so they hold across processes: per API token (and
    # per address for failed tokens), sign-ins, public lookups.
    api_limiter: RateLimiter
    login_throttle: LoginThrottle
    track_throttle: TrackThrottle
    # Reception days, dialogues, Tổ dân vận teams, schedules and disputes.
    programmes: ProgrammeServices
    # Where attached files' bytes live, and the limits they are checked against.
    files: FileBox
    # "Làm dân tin" and "Mỗi tuần một điểm đến", on the case service's transactions.
    fund: FundService
    support: SupportService
    visits: VisitService
    # Deactivation, removed grants, password resets and changes.
    access: AccessService
    # Sessions for the reads that may lag the primary by the replication delay —
    # reports, public statistics, exports — on NGHEDAN_READ_DATABASE_URL's replica
    # when there is one, else the same as ``sessions``. Everything that must read its
    # own writes (a case page after an action, sign-in, lists an official acts from)
    # stays on ``sessions``.
    reads: sessionmaker[Session]
    read_engine: Engine | None

    def with_clock(self, clock: Clock) -> Container:
        """The same database and workflows with the services on another clock (the
        demo replays months of history on a frozen one)."""
        cases, meetings = _services(self.settings, self.sessions, self.workflows, clock, self.files)
        fund, support, visits = _support_services(cases)
        return replace(self, clock=clock, cases=cases, meetings=meetings, fund=fund, support=support, visits=visits,
                       access=AccessService(self.sessions, clock), programmes=ProgrammeServices(cases))

    def close(self) -> None:
        self.engine.dispose()
        if self.read_engine is not None:
            self.read_engine.dispose()

    @property
    def consents(self) -> ConsentService:
        """Citizens' consent to messages, on this container's case service (and clock)."""
        return ConsentService(self.cases)


def _services(settings: Settings, sessions: sessionmaker[Session], workflows: dict[str, Workflow],
              clock: Clock, files: FileBox) -> tuple[CaseService, MeetingService]:
    cases = CaseService(sessions, workflows, clock, office_close=settings.office_close, files=files)
    return cases, MeetingService(cases)


def _support_services(cases: CaseService) -> tuple[FundService, SupportService, VisitService]:
    fund = FundService(cases)
    return fund, SupportService(fund), VisitService(fund)


def build_container(settings: Settings, *, clock: Clock | None = None) -> Container:
    workflows = load_builtin()
    if settings.workflows_dir is not None:
        # A deployment's own files replace built-in programmes of the same key.
        workflows = load_workflows(settings.workflows_dir, over=workflows)
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    read_engine = make_read_engine(settings.read_database_url) if settings.read_database_url else None
    clock = clock or SystemClock()
    api = ApiSettings()
    files = _file_box(settings)
    cases, meetings = _services(settings, sessions, workflows, clock, files)
    fund, support, visits = _support_services(cases)
    return Container(
        settings=settings, api_settings=api, notify_settings=NotifySettings(), engine=engine, sessions=sessions,
        workflows=workflows, clock=clock, cases=cases, meetings=meetings,
        api_limiter=RateLimiter(api.rate_per_minute, api.burst), login_throttle=LoginThrottle(),
        track_throttle=TrackThrottle(), files=files, fund=fund, support=support, visits=visits,
        access=AccessService(sessions, clock), programmes=ProgrammeServices(cases),
        reads=make_session_factory(read_engine) if read_engine is not None else sessions, read_engine=read_engine,
    )


def _file_box(settings: Settings) -> FileBox:
    limits = FileLimits(max_file_bytes=settings.files_max_mb * 2**20, max_files_per_step=settings.files_per_step,
                        max_files_per_case=settings.files_per_case,
                        max_case_bytes=settings.files_case_total_mb * 2**20,
                        max_pixels=settings.files_max_megapixels * 1_000_000)
    if settings.files_backend == "s3":
        import boto3  # only deployments on a bucket need it loaded

        # Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID…, a profile, an instance role).
        client = boto3.client("s3", endpoint_url=settings.files_s3_endpoint, region_name=settings.files_s3_region)
        return FileBox(S3Store(client, settings.files_s3_bucket, settings.files_s3_prefix), limits)
    return FileBox(FilesystemStore(settings.files_dir), limits)
