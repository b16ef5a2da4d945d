"""GeoReport v2 wire formats: XML (required by the standard) and JSON (its "Spark
convention" mapping of the same XML), and the standard's error lists.

XML is schemaless and namespace-free as the standard recommends; every document
starts with the UTF-8 declaration. Characters XML 1.0 cannot carry are dropped.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterable, Mapping
from xml.etree import ElementTree as ET

from fastapi.responses import JSONResponse, Response

from engine.calendar import LOCAL_TZ

__all__ = ["FORMATS", "XML_MEDIA_TYPE", "JSON_MEDIA_TYPE", "w3", "render", "render_errors"]

FORMATS = ("json", "xml")
XML_MEDIA_TYPE = "text/xml; charset=utf-8"
JSON_MEDIA_TYPE = "application/json"

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def w3(instant: datetime | None) -> str | None:
    """The W3C date-time profile of ISO 8601, in Vietnam's local time with its offset."""
    if instant is None:
        return None
    return instant.astimezone(LOCAL_TZ).replace(microsecond=0).isoformat()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(parent: ET.Element, value: Any, item_tag: str | None) -> None:
    if isinstance(value, Mapping):
        for key, sub in value.items():
            child = ET.SubElement(parent, key)
            _fill(child, sub, _ITEM_TAGS.get(key))
    elif isinstance(value, (list, tuple)):
        for sub in value:
            child = ET.SubElement(parent, item_tag or "item")
            _fill(child, sub, None)
    else:
        parent.text = _text(value)


# The element name of one item inside each list-valued element.
_ITEM_TAGS = {"services": "service", "service_requests": "request", "attributes": "attribute",
              "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error"}


def to_xml(root_tag: str, value: Any) -> bytes:
    root = ET.Element(root_tag)
    _fill(root, value, _ITEM_TAGS.get(root_tag))
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def render(fmt: str, root_tag: str, value: Any, *, status: int = 200,
           headers: Mapping[str, str] | None = None) -> Response:
    if fmt == "xml":
        return Response(to_xml(root_tag, value), status_code=status, media_type=XML_MEDIA_TYPE,
                        headers=dict(headers or {}))
    return JSONResponse(value, status_code=status, headers=dict(headers or {}))


def render_errors(fmt: str, status: int, descriptions: Iterable[str], *,
                  headers: Mapping[str, str] | None = None) -> Response:
    errors = [{"code": status, "description": d[:500]} for d in descriptions]
    return render(fmt, "errors", errors, status=status, headers=headers)
