"""Typed refusals of the domain, each with a message in Vietnamese and English.

The outer layers map them: the CLI prints ``message(lang)``, the API turns ``code``
into a problem+json ``type``. ``code`` values are stable identifiers; never rename one.
"""

from __future__ import annotations

from typing import Any, Sequence

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
    template_vi = "Yêu cầu không hợp lệ."
    template_en = "Invalid request."

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "vi") -> str:
        template = self.template_vi if lang == "vi" else self.template_en
        return template.format(**self.params)


class NotFound(DomainError):
    code = "not-found"
    template_vi = "Không tìm thấy {what} “{key}”."
    template_en = "No {what} “{key}”."


class OutOfScope(DomainError):
    """The case exists but not in the actor's units. Outer layers should answer
    exactly as for NotFound so that codes cannot be probed."""

    code = "out-of-scope"
    template_vi = "Ý kiến {case} không thuộc đơn vị bạn được phân công."
    template_en = "Case {case} is outside your units."


class InvalidTransition(DomainError):
    code = "invalid-transition"
    template_vi = "Không thể “{trigger}” khi ý kiến đang ở trạng thái “{state}”. Thao tác được phép: {allowed_text}."
    template_en = "Cannot “{trigger}” a case in state “{state}”. Allowed now: {allowed_text}."

    def __init__(self, *, trigger: str, state: str, allowed: Sequence[str]) -> None:
        allowed = list(allowed)
        super().__init__(
            trigger=trigger, state=state, allowed=allowed,
            allowed_text=", ".join(allowed) if allowed else "—",
        )


class RoleNotAllowed(DomainError):
    code = "role-not-allowed"
    template_vi = "Vai trò của bạn không được phép “{trigger}” (cần: {roles_text})."
    template_en = "Your role may not “{trigger}” (needs: {roles_text})."

    def __init__(self, *, trigger: str, roles: Sequence[str]) -> None:
        super().__init__(trigger=trigger, roles=list(roles), roles_text=", ".join(roles))


class MissingField(DomainError):
    code = "missing-field"
    template_vi = "Thiếu thông tin bắt buộc “{field}” cho thao tác “{trigger}”."
    template_en = "“{trigger}” requires the field “{field}”."


class InvalidField(DomainError):
    code = "invalid-field"
    template_vi = "Trường “{field}” không hợp lệ: {problem_vi}"
    template_en = "Field “{field}” is invalid: {problem_en}"

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
    template_vi = "Ý kiến {case} vừa được người khác cập nhật (phiên bản {actual}, bạn gửi {expected}). Hãy tải lại và thử lại."
    template_en = "Case {case} was changed by someone else (version {actual}, you sent {expected}). Reload and try again."


class Conflict(DomainError):
    code = "conflict"
    template_vi = "Xung đột dữ liệu: {detail}"
    template_en = "Conflict: {detail}"
