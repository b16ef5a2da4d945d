"""Typed refusals of the domain, each a message of the catalogue with its parameters.

``key`` is the msgid (``engine.catalogue``) every surface renders: the CLI prints
``message(lang)``, pages and the API too; the API turns ``code`` into a problem+json
``type``. ``code`` values are stable identifiers; never rename one. A parameter given in
both languages (``problem_vi``/``problem_en``) reaches the template as ``{problem}`` in
the reader's language.
"""

from __future__ import annotations

from typing import Any, Sequence

from .catalogue import language, text

__all__ = [
    "DomainError",
    "NotFound",
    "OutOfScope",
    "InvalidTransition",
    "RoleNotAllowed",
    "MissingField",
    "InvalidField",
    "UnitNotAllowed",
    "StaleVersion",
    "Conflict",
]


class DomainError(Exception):
    code = "domain-error"
    key = "error.domain-error"

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "vi", **labels: Any) -> str:
        """The text in ``lang``; ``labels`` replace parameters by what a person reads
        (the pages give field and trigger labels)."""
        params = {**self.params, **labels}
        suffix = f"_{language(lang)}"
        for name, value in list(params.items()):
            if name.endswith(suffix):
                params.setdefault(name[:-3], value)
        return text(self.key, lang, **params)


class NotFound(DomainError):
    code = "not-found"
    key = "error.not-found"


class OutOfScope(DomainError):
    """The case exists but not in the actor's units. Outer layers should answer
    exactly as for NotFound so that codes cannot be probed."""

    code = "out-of-scope"
    key = "error.out-of-scope"


class InvalidTransition(DomainError):
    code = "invalid-transition"
    key = "error.invalid-transition"

    def __init__(self, *, trigger: str, state: str, allowed: Sequence[str]) -> None:
        allowed = list(allowed)
        super().__init__(
            trigger=trigger, state=state, allowed=allowed,
            allowed_text=", ".join(allowed) if allowed else "—",
        )


class RoleNotAllowed(DomainError):
    code = "role-not-allowed"
    key = "error.role-not-allowed"

    def __init__(self, *, trigger: str, roles: Sequence[str]) -> None:
        super().__init__(trigger=trigger, roles=list(roles), roles_text=", ".join(roles))


class MissingField(DomainError):
    code = "missing-field"
    key = "error.missing-field"


class InvalidField(DomainError):
    code = "invalid-field"
    key = "error.invalid-field"

    def __init__(self, *, field: str, problem_vi: str, problem_en: str | None = None) -> None:
        super().__init__(field=field, problem_vi=problem_vi, problem_en=problem_en or problem_vi)


class UnitNotAllowed(InvalidField):
    """A unit where the actor may not record opinions, or may not hand one to when
    recording it (``engine.authz``)."""

    code = "unit-out-of-scope"

    def __init__(self, *, field: str, problem_vi: str = "bạn không được nhập ý kiến cho đơn vị này",
                 problem_en: str = "you may not record opinions for this unit") -> None:
        super().__init__(field=field, problem_vi=problem_vi, problem_en=problem_en)


class StaleVersion(DomainError):
    code = "stale-version"
    key = "error.stale-version"


class Conflict(DomainError):
    code = "conflict"
    key = "error.conflict"
