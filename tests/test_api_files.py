"""Files on the API: a step with files in one multipart request, a new case with
files, listing and downloading under the case's authorization, problem+json for
every bad input with nothing stored."""

from __future__ import annotations

import http.server
import json
import threading

import pytest
from sqlalchemy import func, select

from engine.models import Attachment, CaseEvent

from .api_support import api, api_app, api_container, as_user, bearer, tokens  # noqa: F401
from .test_open311 import post as open311_post
from .files_support import huge_png, jpeg_with_gps, pdf, png, zip_named_jpeg


def new_case(api, as_user, **extra):
    body = {"unit": "A1", "topic": "giao_thong", "kind": "phan_anh", "content": "Cầu gãy", **extra}
    response = api.post("/api/v1/cases", json=body, headers=as_user("off_a"))
    assert response.status_code == 201, response.text
    return response.json()


def stored(api_container, sessions=None) -> tuple[int, int]:
    with api_container.sessions() as s:
        return (s.scalar(select(func.count()).select_from(Attachment)) or 0,
                len(list(api_container.files.store.keys())))


def test_an_answer_with_files_in_one_request(api, as_user, api_container):
    case = new_case(api, as_user)
    response = api.post(f"/api/v1/cases/{case['code']}/files", headers=as_user("off_a"),
                        data={"step": "answer_on_site", "data": json.dumps({"answer": "Đã sửa"}),
                              "expected_version": str(case["version"])},
                        files=[("files", ("cầu.jpg", jpeg_with_gps(), "image/jpeg")),
                               ("files", ("bb.pdf", pdf(), "application/pdf"))])
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "answered_on_site"
    listed = api.get(f"/api/v1/cases/{case['code']}/files", headers=as_user("aud_p")).json()["items"]
    assert [(f["seq"], f["type"]) for f in listed] == [(2, "image/jpeg"), (2, "application/pdf")]
    events = api.get(f"/api/v1/cases/{case['code']}/events", headers=as_user("off_a")).json()
    assert events["chain"]["valid"] and [f["sha256"] for f in events["events"][1]["data"]["files"]] == \
        [f["sha256"] for f in listed]
    got = api.get(listed[1]["url"], headers=as_user("off_a"))
    assert got.content == pdf() and got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff" and "sandbox" in got.headers["content-security-policy"]


def test_a_new_case_with_files_and_a_keyed_replay(api, as_user, api_container):
    body = {"unit": "A1", "topic": "giao_thong", "kind": "phan_anh", "content": "Cầu gãy"}
    send = lambda: api.post("/api/v1/cases/with-files", headers={**as_user("off_a"), "Idempotency-Key": "k-1"},  # noqa: E731
                            data={"case": json.dumps(body)}, files=[("files", ("a.png", png(), "image/png"))])
    first, again = send(), send()
    assert first.status_code == 201 and again.status_code == 201, first.text
    assert again.headers.get("idempotent-replayed") == "true" and again.json()["code"] == first.json()["code"]
    assert stored(api_container)[0] == 1


@pytest.mark.parametrize("name,body,word", [
    ("a.jpg", zip_named_jpeg(), "ZIP"), ("b.png", huge_png(), "pixel"),
    ("c.pdf", pdf(b"/OpenAction << /S /JavaScript /JS (x) >>"), "JavaScript"), ("../../etc/passwd", b"root:x:0:0", "only"),
])
def test_bad_files_are_problem_json_and_nothing_is_stored(api, as_user, api_container, name, body, word):
    case = new_case(api, as_user)
    response = api.post(f"/api/v1/cases/{case['code']}/files", headers=as_user("off_a", lang="en"),
                        data={"step": "remark", "note": "x"}, files=[("files", (name, body, "image/jpeg"))])
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")
    assert word in response.json()["detail"]
    assert stored(api_container) == (0, 0)


def test_another_communes_case_and_a_stale_version(api, as_user, api_container):
    case = new_case(api, as_user)
    foreign = api.post(f"/api/v1/cases/{case['code']}/files", headers=as_user("off_b"),
                       data={"step": "remark", "note": "x"}, files=[("files", ("a.png", png(), "image/png"))])
    assert foreign.status_code == 404
    stale = api.post(f"/api/v1/cases/{case['code']}/files", headers=as_user("off_a"),
                     data={"step": "remark", "note": "x", "expected_version": "99"},
                     files=[("files", ("a.png", png(), "image/png"))])
    assert stale.status_code == 409
    assert stored(api_container) == (0, 0)


def test_a_200_mb_body_is_refused_unread(api, as_user):
    case = new_case(api, as_user)
    response = api.post(f"/api/v1/cases/{case['code']}/files", content=b"x",
                        headers={**as_user("off_a"), "content-length": str(200 * 2**20),
                                 "content-type": "multipart/form-data; boundary=x"})
    assert response.status_code == 413


def test_a_cut_off_upload_is_refused_whole(api, as_user, api_container):
    case = new_case(api, as_user)
    cut = (b"--x\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nx\r\n--x\r\n"
           b"Content-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
           + png()[:40])
    response = api.post(f"/api/v1/cases/{case['code']}/files", content=cut,
                        headers={**as_user("off_a"), "content-type": "multipart/form-data; boundary=x"})
    assert response.status_code == 422 and "cut short" in response.json()["detail"] or "cắt" in response.json()["detail"]
    with api_container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 1
    assert stored(api_container) == (0, 0)


def test_open311_media_url_stays_a_link_never_fetched(api, tokens, api_container):
    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(png())

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/anh.png"
        created = open311_post(api, tokens["off_a"], media_url=url)
        assert created.status_code == 201, created.text
        code = created.json()[0]["service_request_id"]
        got = api.get(f"/open311/v2/requests/{code}.json", params={"api_key": tokens["off_a"]}).json()[0]
        assert got["media_url"] == url  # kept as the link it is
        assert api.get(f"/api/v1/cases/{code}/files", headers=bearer(tokens["off_a"])).json() == {"items": []}
    finally:
        server.shutdown()
        server.server_close()
    assert hits == [] and stored(api_container) == (0, 0)
