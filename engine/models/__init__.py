"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from .base import Base, UTCDateTime
from .cases import Case, CaseEvent, ChainRekey, Meeting
from .outbox import OutboxMessage
from .timers import Timer
from .notifications import (  # noqa: F401  (notifications/ delivery records)
    EmailItem, InboxItem, NotificationDelivery, NotificationPreference, ProviderToken, WebhookSubscription,
)
from .units import CalendarOverride, RoleGrant, Unit, UnitPlacement, User
from .unit_paths import in_units, path_under
from .tokens import ApiToken  # noqa: F401  (API bearer tokens)
from .open311 import Open311Request  # noqa: F401  (Open311 intake details)
from .reports import CaseFacts, DailySeal  # noqa: F401  (report facts, daily seals)
from .rollups import ReportRollup, RollupDeadline  # noqa: F401  (report roll-ups per unit subtree)
from .web_sessions import RateCounter, WebSession  # noqa: F401  (web pages, throttles)
from .access import AccessChange  # noqa: F401  (the record of access changes)
from .idempotency import IdempotencyKey  # noqa: F401  (requests that take effect once)
from .attachments import Attachment  # noqa: F401  (files on a case's steps)
from .calendar_state import CalendarChange, CalendarFingerprint  # noqa: F401  (calendar recomputations)
from .participants import MeetingParticipant  # noqa: F401  (officials who took part in a meeting)
from .consents import CitizenConsent  # noqa: F401  (a citizen's consent to messages)

__all__ = [
    "Base", "UTCDateTime", "Unit", "UnitPlacement", "User", "RoleGrant", "CalendarOverride",
    "Meeting", "Case", "CaseEvent", "ChainRekey", "OutboxMessage", "Timer", "path_under", "in_units",
]
from .receipts import ReceiptPin  # noqa: F401  (the PIN on a case's receipt, hashed)
from .programmes import (  # noqa: F401,E402  (teams, reception schedules and days, dialogues, disputes)
    CaseParty, Dialogue, DocumentItem, PublicDocument, ReceptionDay, ReceptionSchedule, Team, TeamMember,
)
from .support import FundEntry, FundLedger, HomeVisit, HomeVisitCase, SupportActivity  # noqa: F401,E402  (Làm dân tin)
