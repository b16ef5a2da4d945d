"""Service discovery and the service catalogue: each topic (lĩnh vực) is a service,
its definition names the ``unit`` and ``kind`` attributes a request may carry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response

from engine.errors import NotFound
from engine.vocab import KINDS, TOPICS

from .formats import render
from .schemas import AttributeOut, DiscoveryOut, EndpointOut, ServiceDefinitionOut, ServiceOut, ValueOut
from .shared import errors_doc, lang_of, ok_doc, router

__all__ = ["register"]

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-21T00:00:00+07:00"


def _service(code: str, lang: str) -> dict[str, Any]:
    vi, en = TOPICS[code]
    return ServiceOut(
        service_code=code, service_name=vi if lang == "vi" else en,
        description=(f"Ý kiến, kiến nghị, phản ánh về lĩnh vực {vi.lower()}" if lang == "vi"
                     else f"Opinions, petitions and reports about {en.lower()}"),
        metadata=True, type="realtime", keywords=f"{vi}, {en}",
        group="Lĩnh vực" if lang == "vi" else "Topic",
    ).model_dump()


def _definition(code: str, lang: str) -> dict[str, Any]:
    vi = lang == "vi"
    return ServiceDefinitionOut(service_code=code, attributes=[
        AttributeOut(variable=True, code="unit", datatype="string", required=False,
                     datatype_description="Mã đơn vị" if vi else "Unit code", order=1,
                     description=("Mã xã, phường hoặc thôn, ấp nơi phát sinh ý kiến (bắt buộc nếu không gửi "
                                  "jurisdiction_id)") if vi else
                     "Code of the commune, ward or village concerned (required unless jurisdiction_id is sent)"),
        AttributeOut(variable=True, code="kind", datatype="singlevaluelist", required=False,
                     datatype_description=None, order=2,
                     description="Loại ý kiến (mặc định: phản ánh)" if vi else "Kind of opinion (default: report)",
                     values=[ValueOut(key=k, name=v[0] if vi else v[1]) for k, v in KINDS.items()]),
    ]).model_dump()


def register(fmt: str) -> None:
    """Attach discovery, the service list and service definitions in format ``fmt``."""

    @router.get(f"/discovery.{fmt}", summary=f"Service discovery ({fmt})", response_class=Response,
                responses={200: {"description": "Discovery document", **ok_doc(DiscoveryOut, fmt, many=False)},
                           **errors_doc()}, operation_id=f"open311_discovery_{fmt}")
    def discovery(request: Request) -> Response:
        base = str(request.base_url).rstrip("/") + "/open311/v2"
        doc = DiscoveryOut(
            changeset=CHANGESET, contact="Quản trị hệ thống nghedan / the nghedan administrators",
            key_service="API keys are issued by an administrator: nghedan users token USERNAME",
            endpoints=[EndpointOut(specification=SPEC_URL, url=base, changeset=CHANGESET, type="production",
                                   formats=["text/xml", "application/json"])],
        ).model_dump()
        return render(fmt, "discovery", doc)

    @router.get(f"/services.{fmt}", summary=f"GET Service List ({fmt}): topics as services",
                response_class=Response, operation_id=f"open311_services_{fmt}",
                responses={200: {"description": "Services", **ok_doc(ServiceOut, fmt, many=True)}, **errors_doc()})
    def services(request: Request,
                 jurisdiction_id: Annotated[str | None, Query(max_length=32)] = None) -> Response:
        lang = lang_of(request)
        return render(fmt, "services", [_service(code, lang) for code in TOPICS])

    @router.get(f"/services/{{service_code}}.{fmt}", summary=f"GET Service Definition ({fmt})",
                response_class=Response, operation_id=f"open311_service_definition_{fmt}",
                responses={200: {"description": "Service definition",
                                 **ok_doc(ServiceDefinitionOut, fmt, many=False)}, **errors_doc(404)})
    def service_definition(request: Request, service_code: Annotated[str, Path(max_length=64)],
                           jurisdiction_id: Annotated[str | None, Query(max_length=32)] = None) -> Response:
        if service_code not in TOPICS:
            raise NotFound(what="service_code", key=service_code[:64])
        return render(fmt, "service_definition", _definition(service_code, lang_of(request)))
