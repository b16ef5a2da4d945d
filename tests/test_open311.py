"""Open311 GeoReport v2 driven the way a client does: discover, list services,
read a definition, post a request with api_key (form-encoded), fetch it by id,
list by status and date range — with the standard's field names and types, in
JSON and XML."""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select, update

from engine.models import Case, CaseEvent
from engine.vocab import TOPICS

from .api_support import *  # noqa: F403  (fixtures)
from .api_support import bearer

BASE = "/open311/v2"
SERVICE_FIELDS = {"service_code": str, "service_name": str, "description": str, "metadata": bool, "type": str,
                  "keywords": str, "group": str}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}


def w3(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


def post(api, token: str, fmt: str = "json", **fields: object):  # type: ignore[no-untyped-def]
    form = {"api_key": token, "service_code": "dien_nuoc", "attribute[unit]": "A1",
            "description": "Ống nước bị vỡ trước nhà số 12", "lat": "9.8501", "long": "106.0692",
            "address_string": "12 đường 30/4, ấp A1", "email": "dan@example.vn", "first_name": "Văn Dân",
            "last_name": "Nguyễn", "phone": "0901234567", "device_id": "dev-1", "account_id": "acc-7",
            "media_url": "https://example.vn/anh.jpg", **fields}
    return api.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in form.items() if v is not None})


def test_discovery_and_service_list(api):
    disc = api.get(f"{BASE}/discovery.json").json()
    endpoint = disc["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and "text/xml" in endpoint["formats"]
    r = api.get(f"{BASE}/services.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    services = r.json()
    assert [s["service_code"] for s in services] == list(TOPICS)
    for s in services:
        assert set(s) == set(SERVICE_FIELDS) and all(isinstance(s[k], t) for k, t in SERVICE_FIELDS.items())
        assert s["type"] == "realtime" and s["metadata"] is True
    assert services[0]["service_name"] == "Giao thông"
    en = api.get(f"{BASE}/services.json", headers={"Accept-Language": "en"}).json()
    assert en[0]["service_name"] == "Traffic and roads"


def test_service_definition_and_unknown_service(api):
    d = api.get(f"{BASE}/services/dien_nuoc.json").json()
    assert d["service_code"] == "dien_nuoc"
    attrs = {a["code"]: a for a in d["attributes"]}
    assert attrs["unit"]["datatype"] == "string" and attrs["unit"]["variable"] is True
    assert attrs["kind"]["datatype"] == "singlevaluelist"
    assert {v["key"] for v in attrs["kind"]["values"]} == {"kien_nghi", "phan_anh", "khieu_nai", "to_cao"}
    assert [a["order"] for a in d["attributes"]] == [1, 2]
    missing = api.get(f"{BASE}/services/khong_co.json")
    assert missing.status_code == 404
    assert isinstance(missing.json(), list) and missing.json()[0]["code"] == 404
    assert "khong_co" in missing.json()[0]["description"]


def test_client_posts_then_reads_its_request(api, tokens, sessions, clock):
    r = post(api, tokens["off_a"])
    assert r.status_code == 201, r.text
    created = r.json()
    assert isinstance(created, list) and len(created) == 1
    assert set(created[0]) == {"service_request_id", "service_notice", "account_id"}
    sr_id = created[0]["service_request_id"]
    assert sr_id.startswith("P-2026-") and created[0]["account_id"] == "acc-7"
    assert "08/12/2026" in created[0]["service_notice"]

    with sessions() as s:
        case = s.scalar(select(Case).where(Case.code == sr_id))
        assert case.channel == "open311" and case.kind == "phan_anh" and case.topic == "dien_nuoc"
        assert case.citizen_name == "Nguyễn Văn Dân" and case.citizen_phone == "0901234567"
        assert "12 đường 30/4, ấp A1" in case.content  # officials see where it is

    got = api.get(f"{BASE}/requests/{sr_id}.json", params={"api_key": tokens["off_a"]})
    assert got.status_code == 200
    (req,) = got.json()
    assert set(req) == REQUEST_FIELDS
    assert req["service_request_id"] == sr_id and req["status"] == "open" and req["status_notes"] is None
    assert req["service_code"] == "dien_nuoc" and req["service_name"] == "Điện nước hạ tầng"
    assert req["description"].startswith("Ống nước bị vỡ") and req["agency_responsible"] == "Ấp A1"
    assert w3(req["requested_datetime"]) == clock.now() and w3(req["updated_datetime"]) == clock.now()
    assert w3(req["expected_datetime"]) == datetime.fromisoformat("2026-12-08T17:00:00+07:00")
    assert req["lat"] == pytest.approx(9.8501) and req["long"] == pytest.approx(106.0692)
    assert isinstance(req["lat"], float) and req["address"] == "12 đường 30/4, ấp A1"
    assert req["media_url"] == "https://example.vn/anh.jpg" and req["zipcode"] is None
    # Also with the token as a bearer header instead of api_key.
    assert api.get(f"{BASE}/requests/{sr_id}.json", headers=bearer(tokens["aud_p"])).status_code == 200


def test_status_follows_the_case_and_notes_carry_the_answer(api, tokens, clock):
    sr_id = post(api, tokens["off_a"]).json()[0]["service_request_id"]
    clock.advance(timedelta(hours=1))
    for who, trigger, data in [("off_a", "answer_on_site", {"answer": "Đã cử người sửa ống nước"}),
                               ("lead_a", "verify", {"satisfaction": "satisfied", "note": "ok"}),
                               ("off_a", "resolve", {})]:
        assert api.post(f"/api/v1/cases/{sr_id}/actions/{trigger}", json={"data": data},
                        headers=bearer(tokens[who])).status_code == 200
    (req,) = api.get(f"{BASE}/requests/{sr_id}.json", params={"api_key": tokens["off_a"]}).json()
    assert req["status"] == "closed" and req["status_notes"] == "Đã cử người sửa ống nước"
    assert req["expected_datetime"] is None
    assert w3(req["updated_datetime"]) == clock.now() > w3(req["requested_datetime"])


def test_list_by_status_and_date_range(api, tokens, clock):
    early = post(api, tokens["off_a"], description="Sớm").json()[0]["service_request_id"]
    clock.advance(timedelta(days=10))
    late = post(api, tokens["off_a"], service_code="giao_thong", description="Muộn").json()[0]["service_request_id"]
    api.post(f"/api/v1/cases/{late}/actions/withdraw", json={"data": {"reason": "Dân rút"}},
             headers=bearer(tokens["off_a"]))
    key = {"api_key": tokens["off_a"]}

    def ids(**params: str) -> list[str]:
        r = api.get(f"{BASE}/requests.json", params={**key, **params})
        assert r.status_code == 200, r.text
        return [x["service_request_id"] for x in r.json()]

    assert ids() == [late, early]  # newest first, default: the last 90 days
    assert ids(status="open") == [early]
    assert ids(status="closed") == [late]
    assert ids(status="open,closed") == [late, early]
    assert ids(service_code="giao_thong") == [late]
    start = (clock.now() - timedelta(days=5)).isoformat()
    assert ids(start_date=start) == [late]
    assert ids(end_date=start) == [early]
    assert ids(start_date="2026-11-23T00:00:00+07:00", end_date="2026-11-23T23:59:59+07:00") == [early]
    assert ids(service_request_id=f"{early}, {late.lower()}, P-2026-0000000") == [late, early]
    # Only the key holder's units.
    assert api.get(f"{BASE}/requests.json", params={"api_key": tokens["off_b"]}).json() == []


@pytest.mark.parametrize("params, status", [
    ({"status": "pending"}, 400),
    ({"start_date": "yesterday"}, 400),
    ({"start_date": "2026-11-01T00:00:00"}, 400),  # no offset
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}, 400),  # > 90 days
    ({"start_date": "2026-11-10T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}, 400),
    ({"start_date": "0001-01-01T00:00:00+14:00"}, 400),
    ({"service_code": "khong_co"}, 400),
])
def test_list_refuses_bad_filters_in_the_standards_error_shape(api, tokens, params, status):
    r = api.get(f"{BASE}/requests.json", params={"api_key": tokens["off_a"], **params})
    assert r.status_code == status, r.text
    assert r.json()[0]["code"] == status and r.json()[0]["description"]


def test_post_refusals(api, tokens, clock):
    assert post(api, "nd_wrong").status_code == 403
    # No api_key and no bearer token: the standard's 403 for a missing api_key (it was a
    # 400 while the form required the field, which also refused a bearer-only client).
    missing = post(api, tokens["off_a"], api_key=None)
    assert missing.status_code == 403 and missing.json()[0]["code"] == 403
    assert post(api, tokens["aud_p"]).status_code == 403  # an auditor records no opinions
    assert post(api, tokens["off_b"]).status_code == 403  # another commune
    assert post(api, tokens["off_a"], service_code="khong_co").status_code == 404
    assert post(api, tokens["off_a"], **{"attribute[unit]": "KHONG-CO"}).status_code == 404
    assert post(api, tokens["off_a"], **{"attribute[unit]": None}).status_code == 400
    assert post(api, tokens["off_a"], **{"attribute[unit]": None, "jurisdiction_id": "A2"}).status_code == 201
    assert post(api, tokens["off_a"], **{"attribute[kind]": "to_cao"}).status_code == 201
    assert post(api, tokens["off_a"], **{"attribute[kind]": "bogus"}).status_code == 400
    assert post(api, tokens["off_a"], description="   ").status_code == 400
    assert post(api, tokens["off_a"], description="d" * 4001).status_code == 400
    assert post(api, tokens["off_a"], lat="91").status_code == 400
    assert post(api, tokens["off_a"], lat="nan").status_code == 400
    assert post(api, tokens["off_a"], long=None).status_code == 400
    assert post(api, tokens["off_a"], phone="<script>").status_code == 400
    assert api.post(f"{BASE}/requests.json", data={"api_key": tokens["off_a"], "description": "x" * 400_000}) \
        .status_code == 413
    body = post(api, tokens["off_a"], lat="abc").json()
    assert body[0]["code"] == 400 and "lat" in body[0]["description"]


def test_reading_needs_a_key_and_hides_other_communes(api, tokens):
    sr_id = post(api, tokens["off_a"]).json()[0]["service_request_id"]
    assert api.get(f"{BASE}/requests/{sr_id}.json").status_code == 403
    assert api.get(f"{BASE}/requests.json").status_code == 403
    hidden = api.get(f"{BASE}/requests/{sr_id}.json", params={"api_key": tokens["off_b"]})
    missing_id = sr_id[:-7] + "2222222"
    absent = api.get(f"{BASE}/requests/{missing_id}.json", params={"api_key": tokens["off_b"]})
    assert hidden.status_code == absent.status_code == 404
    assert hidden.text.replace(sr_id, "X") == absent.text.replace(missing_id, "X")


def test_xml_mirrors_json(api, tokens):
    r = api.get(f"{BASE}/services.xml")
    assert r.status_code == 200 and r.headers["content-type"] == "text/xml; charset=utf-8"
    assert r.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    services = ET.fromstring(r.content)
    assert services.tag == "services" and [s.findtext("service_code") for s in services] == list(TOPICS)
    assert services[0].findtext("metadata") == "true"

    created = ET.fromstring(post(api, tokens["off_a"], fmt="xml").content)
    assert created.tag == "service_requests" and created[0].tag == "request"
    sr_id = created[0].findtext("service_request_id")
    got = ET.fromstring(api.get(f"{BASE}/requests/{sr_id}.xml", params={"api_key": tokens["off_a"]}).content)
    (req,) = list(got)
    assert {child.tag for child in req} == REQUEST_FIELDS
    assert req.findtext("status") == "open" and float(req.findtext("lat")) == pytest.approx(9.8501)
    as_json = api.get(f"{BASE}/requests/{sr_id}.json", params={"api_key": tokens["off_a"]}).json()[0]
    assert req.findtext("description") == as_json["description"]
    assert req.findtext("requested_datetime") == as_json["requested_datetime"]

    error = ET.fromstring(api.get(f"{BASE}/services/khong_co.xml").content)
    assert error.tag == "errors" and error[0].tag == "error" and error[0].findtext("code") == "404"
    definition = ET.fromstring(api.get(f"{BASE}/services/dien_nuoc.xml").content)
    assert definition.tag == "service_definition"
    kinds = definition.find("attributes")[1].find("values")
    assert [v.findtext("key") for v in kinds] == ["kien_nghi", "phan_anh", "khieu_nai", "to_cao"]


def test_control_characters_never_break_the_xml(api, tokens, sessions):
    # Sent now, control characters are refused (engine.services.fields) and nothing is written ...
    refused = post(api, tokens["off_a"], description="a\x01b\x0bc <&> ]]>")
    assert refused.status_code == 400 and "U+0001" in refused.text
    # ... but a case stored before that rule may hold them, and its XML must still parse.
    sr_id = post(api, tokens["off_a"], description="abc <&> ]]>").json()[0]["service_request_id"]
    with sessions.begin() as s:
        s.execute(update(Case).where(Case.code == sr_id).values(content="a\x01b\x0bc <&> ]]>"))
    r = api.get(f"{BASE}/requests/{sr_id}.xml", params={"api_key": tokens["off_a"]})
    (req,) = list(ET.fromstring(r.content))
    assert req.findtext("description").startswith("abc <&> ]]>")


def test_post_authenticates_with_a_bearer_token_as_the_api_does(api, tokens, sessions):
    """The same token works as ``api_key`` or as ``Authorization: Bearer`` on every
    endpoint, POST included; a bad bearer token is refused like a bad api_key."""
    form = {"service_code": "dien_nuoc", "attribute[unit]": "A1", "description": "Đèn đường hỏng ở ấp A1"}
    created = api.post(f"{BASE}/requests.json", data=form, headers=bearer(tokens["off_a"]))
    assert created.status_code == 201, created.text
    code = created.json()[0]["service_request_id"]
    with sessions() as session:
        case = session.scalar(select(Case).where(Case.code == code))
        creator = session.scalar(select(CaseEvent.actor).where(CaseEvent.case_id == case.id, CaseEvent.seq == 1))
        assert case.channel == "open311" and creator == "off_a"
    assert api.post(f"{BASE}/requests.json", data=form, headers=bearer("nd_wrong")).status_code == 403
    assert api.post(f"{BASE}/requests.json", data=form, headers=bearer(tokens["aud_p"])).status_code == 403
    assert api.post(f"{BASE}/requests.json", data=form, headers={"Authorization": "Basic b2ZmX2E6eA=="}) \
        .status_code == 403
