"""The answer of an API write that creates something: 201 with the created thing's
view, done once per ``Idempotency-Key`` (``engine.services.idempotency.once``: the
key, the write and the stored answer commit together; the same request again gets
the first answer and ``Idempotent-Replayed: true``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Callable

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from engine.actors import Actor
from engine.services.idempotency import once
from engine.uow import UnitOfWork

from ..container import Container

__all__ = ["created_once", "plain"]


def plain(view: Any) -> dict[str, Any]:
    return jsonable_encoder(asdict(view))


def created_once(container: Container, actor: Actor, key: str | None, operation: str, payload: Any,
                 work: Callable[[UnitOfWork], Any], status: int = 201) -> JSONResponse:
    """``work`` (returning a view) in one transaction; under ``key``, once."""
    if key is None:
        return JSONResponse(container.cases.within(lambda uow: jsonable_encoder(work(uow))), status_code=status)

    def answer(uow: UnitOfWork, body: Any) -> dict[str, Any]:
        return {"status": status, "body": jsonable_encoder(body)}

    first, replayed = once(container.cases, actor, key, operation, payload, work, answer)
    return JSONResponse(first["body"], status_code=first["status"],
                        headers={"Idempotent-Replayed": "true"} if replayed else {})
