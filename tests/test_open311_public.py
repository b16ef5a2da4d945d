"""Open311 without an api_key, as a standard GeoReport v2 client reads it: discovery,
the service list, GET Service Requests and GET Service Request in JSON and XML —
with the public fields only (what the tracking page shows without a PIN), no
denunciation in a list, and an unknown id the standard's 404."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from .api_support import *  # noqa: F403  (fixtures)
from .test_open311 import BASE, REQUEST_FIELDS

PUBLIC = {"service_request_id", "status", "service_name", "service_code", "agency_responsible",
          "requested_datetime", "updated_datetime", "expected_datetime"}


class GeoReportClient:
    """The calls a GeoReport v2 client makes (no key: the read-only endpoints)."""

    def __init__(self, http, base: str = BASE) -> None:
        self.http, self.base = http, base

    def services(self) -> list[dict]:
        return self.http.get(f"{self.base}/services.json").json()

    def requests(self, **params) -> list[dict]:
        r = self.http.get(f"{self.base}/requests.json", params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def request(self, sr_id: str, fmt: str = "json"):
        return self.http.get(f"{self.base}/requests/{sr_id}.{fmt}")


def test_a_client_without_a_key_lists_and_reads_public_fields_only(api, world, service, clock):
    opinion = world.new_case(content="Ống nước vỡ trước nhà bà Thạch Thị Sương", citizen_name="Thạch Thị Sương",
                             citizen_phone="0987654321")
    service.fire(world["off_a"], opinion.code, "answer_on_site", {"answer": "Đã báo công ty cấp nước"})
    denunciation = world.new_case(kind="to_cao", content="Tố cáo cán bộ địa chính xã A", citizen_name="Người tố cáo")
    client = GeoReportClient(api)
    assert client.services()  # discovery works without a key too
    listed = client.requests()
    assert [r["service_request_id"] for r in listed] == [opinion.code]
    (row,) = listed
    assert set(row) == REQUEST_FIELDS
    assert {k for k, v in row.items() if v not in (None, "")} <= PUBLIC
    assert row["status"] == "open" and row["agency_responsible"] == "Ấp A1" and row["service_code"] == "dien_nuoc"
    text = repr(listed)
    for secret in ("Thạch Thị Sương", "0987654321", "Ống nước", "Đã báo công ty", "Tố cáo"):
        assert secret not in text
    (one,) = client.request(opinion.code).json()
    assert one == row
    # A denunciation is read only by whoever holds its code, and shows no content.
    (den,) = client.request(denunciation.code).json()
    assert den["description"] == "" and "Người tố cáo" not in repr(den)
    xml = ET.fromstring(client.request(opinion.code, "xml").content)
    assert xml.find("request/service_request_id").text == opinion.code
    assert xml.find("request/description").text in (None, "")


def test_an_unknown_id_without_a_key_is_the_standards_404(api, world):
    case = world.new_case()
    client = GeoReportClient(api)
    missing = case.code[:-7] + "2222222"
    r = client.request(missing)
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    assert client.request("nonsense").status_code == 404
