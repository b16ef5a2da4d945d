"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from .base import Base, UTCDateTime
from .cases import Case, CaseEvent, Meeting
from .outbox import OutboxMessage
from .units import CalendarOverride, RoleGrant, Unit, User

__all__ = [
    "Base", "UTCDateTime", "Unit", "User", "RoleGrant", "CalendarOverride",
    "Meeting", "Case", "CaseEvent", "OutboxMessage",
]
