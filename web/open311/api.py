"""Open311 GeoReport v2 under ``/open311/v2/``, in XML and JSON.

Mapping to nghedan:

* a **service** is a topic (lĩnh vực): ``service_code`` is the topic's code
  (``dien_nuoc``, ``giao_thong``, ...), ``service_name`` its label;
* a **service request** is a case on channel ``open311``; ``service_request_id`` is
  its public tracking code;
* the unit where the problem is comes from ``attribute[unit]`` (see the service
  definition) or else ``jurisdiction_id``: both take a unit code;
* ``status`` is ``closed`` in a final state of the case's workflow, else ``open``;
  ``status_notes`` is the latest answer recorded; ``agency_responsible`` the name of
  the unit handling it; ``expected_datetime`` its current deadline;
* location (``lat``/``long``, ``address_string``, ``address_id``), ``email``,
  ``device_id``, ``account_id`` and ``media_url`` are kept beside the case and given
  back; the location is also written into the case's content so that officials
  see it wherever they read the opinion.

Deliberate differences from the standard: ``api_key`` is required to *read*
requests too (the standard makes reading public; citizens' opinions here are not
public data), reads only show requests in the key holder's units, and a request
without any location is accepted (an opinion is about a unit, not always a point).

This module assembles the adapter: ``catalogue`` (discovery, services),
``request_intake`` (POST requests), ``request_reads`` (GET requests), over
``schemas`` (the wire models) and ``shared`` (router and helpers).
"""

from __future__ import annotations

from . import catalogue, request_intake, request_reads
from .formats import FORMATS
from .request_intake import DEFAULT_KIND
from .request_reads import MAX_RANGE, MAX_RESULTS
from .schemas import OPEN311_MODELS
from .shared import router

__all__ = ["router", "DEFAULT_KIND", "MAX_RESULTS", "MAX_RANGE", "OPEN311_MODELS"]

# Per format, in the order the routes have always been registered (it is the
# order of the OpenAPI document).
for _fmt in FORMATS:
    catalogue.register(_fmt)
    request_intake.register(_fmt)
    request_reads.register(_fmt)
