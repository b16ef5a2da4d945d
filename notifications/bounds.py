"""How much one email may carry: a bounded number of cases, worst first, and a bounded size.

A sweep over a province can make thousands of overdue alerts for one leader; one
email of them all (7.9 MB for 3,012 cases) is refused by most servers (a 552) and
read by nobody. An email lists at most ``email_max_cases`` cases in the order of
its sections — overdue first, most overdue first (``mail.build_view`` sorts them) —
and says per section how many more there are, with a link to the board. If the
encoded message is still larger than ``email_max_bytes`` (long unit names, many
events per case), it lists half as many, until it fits.
"""

from __future__ import annotations

from dataclasses import replace
from email import policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # mail.py builds messages with fit(): no import cycle at run time
    from .mail import EmailView

__all__ = ["shorten", "fit", "encoded_size"]


def shorten(view: EmailView, max_cases: int) -> EmailView:
    """The view with at most ``max_cases`` lines, the first ones of its sections in order."""
    left = max(max_cases, 0)
    sections = []
    for section in view.sections:
        kept = section.lines[:left]
        left -= len(kept)
        sections.append(replace(section, lines=kept))
    return replace(view, sections=sections)


def encoded_size(message: EmailMessage) -> int:
    """Bytes on the wire after DATA, the size a server's limit counts."""
    return len(message.as_bytes(policy=policy.SMTP))


def fit(view: EmailView, max_cases: int, max_bytes: int,
        make: Callable[[EmailView], EmailMessage]) -> EmailMessage:
    """The message ``make`` builds from the longest shortening of ``view`` that is within
    both bounds (with no line at all it still says how many cases wait on the board)."""
    limit = max(max_cases, 0)
    while True:
        message = make(shorten(view, limit))
        if limit == 0 or encoded_size(message) <= max_bytes:
            return message
        limit //= 2
