"""Delivery of the engine's outbox: email (SMTP), webhooks, the in-app inbox, digests.

The engine writes outbox rows in the same transaction as the facts they describe;
this package reads them and never the other way round (it imports ``engine`` only).
The worker calls :func:`run_once` every minute::

    stats = notifications.run_once(sessions, NotifySettings(), clock, workflows=workflows)

Modules, one concept each: ``config`` (settings), ``recipients`` (who is told),
``content`` (what may leave the app), ``fanout`` (outbox → inbox items, email items,
webhook deliveries), ``compose`` (email items → immediate emails and daily digests),
``delivery`` (claim, send, retry, dead), ``outcome`` (what an answer means: sent,
retry, permanent), ``channels`` (the channel interface), ``mail``/``bounds``/``smtp``/
``email_channel`` (email), ``signing``/``webhook``/``subscriptions`` (webhooks),
``inbox`` (in-app), ``preferences``, ``admin`` (dead letters), ``worker``.
"""

from __future__ import annotations

from . import inbox
from .config import NotifySettings
from .worker import Stats, default_channels, run_once

__all__ = ["NotifySettings", "Stats", "run_once", "default_channels", "inbox"]
