"""Files on a case's page: uploaded with an action or a remark, listed with
thumbnails, downloaded through the application with safe headers; every bad
input refused in the reader's language with nothing written."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from engine.files import Upload
from engine.files.access import list_files
from engine.models import Attachment, CaseEvent

from .browser.web import browser, counts, csrf_of, web_app, web_container  # noqa: F401
from .files_support import GPS_IFD, SVG, huge_png, jpeg_with_gps, pdf, png, zip_named_jpeg


def post_files(page, code: str, path: str, fields: dict[str, str], files: list[tuple[str, bytes, str]]):
    html = page.get(f"/cases/{code}").text
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    data = {"version": version, "csrf": csrf_of(html), **fields}
    parts = [("files", (name, body, kind)) for name, body, kind in files]
    return page.http.post(f"/cases/{code}/{path}", data=data, files=parts or None, follow_redirects=False)


def attachments(sessions) -> list[Attachment]:
    with sessions() as s:
        return list(s.scalars(select(Attachment).order_by(Attachment.id)))


def store_keys(container) -> list[str]:
    return [k for k, _ in container.files.store.keys()]


def test_answer_with_a_photo_and_a_pdf_from_the_case_page(browser, world, sessions, web_container):
    case = world.new_case()
    page = browser("off_a")
    response = post_files(page, case.code, "act", {"trigger": "answer_on_site", "answer": "Đã sửa cầu"},
                          [("cầu gãy.jpg", jpeg_with_gps(), "image/jpeg"), ("biên bản.pdf", pdf(), "application/pdf")])
    assert response.status_code == 303, response.text
    photo, document = attachments(sessions)
    html = page.get(f"/cases/{case.code}").text
    assert f'/cases/{case.code}/files/{photo.id}/thumb' in html and "biên bản.pdf" in html
    shown = page.get(f"/cases/{case.code}/files/{photo.id}")
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert shown.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert not Image.open(io.BytesIO(shown.content)).getexif().get_ifd(GPS_IFD)  # the GPS is gone
    got = page.get(f"/cases/{case.code}/files/{document.id}")
    assert got.content == pdf() and got.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''bi%C3%AAn%20b%E1%BA%A3n.pdf" in got.headers["content-disposition"]
    thumb = page.get(f"/cases/{case.code}/files/{photo.id}/thumb")
    assert thumb.headers["content-type"] == "image/webp"


def test_a_remark_with_a_file(browser, world, sessions):
    case = world.new_case()
    page = browser("aud_p")
    response = post_files(page, case.code, "remark", {"kind": "urge", "note": "Đề nghị xử lý"},
                          [("ảnh.png", png(), "image/png")])
    assert response.status_code == 303, response.text
    (a,) = attachments(sessions)
    assert a.added_by == "aud_p" and a.media_type == "image/png"


@pytest.mark.parametrize("name,body,words_vi,words_en", [
    ("cầu.jpg", zip_named_jpeg(), "tệp nén ZIP", "ZIP archive"),
    ("bom.png", huge_png(), "điểm ảnh", "pixel"),
    ("biên bản.pdf", pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "PDF có nội dung tự chạy", "run"),
    ("vẽ.svg", SVG, "SVG", "SVG"),
    ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "chỉ nhận ảnh", "only JPEG"),
])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_bad_files_are_refused_in_the_readers_language_and_nothing_is_kept(browser, world, sessions, web_container,
                                                                            name, body, words_vi, words_en, lang):
    case = world.new_case()
    page = browser("off_a")
    if lang == "en":
        page.post("/lang", {"lang": "en", "next": "/"}, token_from="/")
    before = counts(sessions)
    response = post_files(page, case.code, "act", {"trigger": "answer_on_site", "answer": "Đã sửa"},
                          [("ok.png", png(), "image/png"), (name, body, "image/jpeg")])
    assert response.status_code == 400
    assert (words_vi if lang == "vi" else words_en) in response.text
    assert "Đã sửa" in response.text  # what was typed is kept
    assert counts(sessions) == before and attachments(sessions) == [] and store_keys(web_container) == []


def test_an_upload_to_another_communes_case_is_not_found_and_keeps_nothing(browser, world, sessions, web_container):
    case = world.new_case()
    page = browser("off_b")
    token = csrf_of(page.get("/cases").text)
    response = page.http.post(f"/cases/{case.code}/remark", data={"csrf": token, "version": "1", "note": "x"},
                              files=[("files", ("a.png", png(), "image/png"))], follow_redirects=False)
    assert response.status_code == 404
    assert attachments(sessions) == [] and store_keys(web_container) == []


def test_a_stale_form_with_files_changes_nothing(browser, world, sessions, service, web_container):
    case = world.new_case()
    page = browser("off_a")
    html = page.get(f"/cases/{case.code}").text
    service.remark(world["aud_p"], case.code, "đôn đốc")  # the case moves on
    response = page.http.post(f"/cases/{case.code}/act", data={
        "csrf": csrf_of(html), "version": "1", "trigger": "answer_on_site", "answer": "Đã sửa"},
        files=[("files", ("a.png", png(), "image/png"))], follow_redirects=False)
    assert response.status_code == 409
    assert attachments(sessions) == [] and store_keys(web_container) == []


def test_a_200_mb_upload_is_refused_unread(browser, world, sessions):
    case = world.new_case()
    page = browser("off_a")
    response = page.http.post(f"/cases/{case.code}/remark", content=b"x" * 1024,
                              headers={"content-length": str(200 * 2**20),
                                       "content-type": "multipart/form-data; boundary=x"})
    # The browser's page in the reader's language (web.errors), not a bare line of text.
    assert response.status_code == 413 and "Nội dung gửi lên quá lớn" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_an_interrupted_upload_keeps_nothing(browser, world, sessions, web_container):
    case = world.new_case()
    page = browser("off_a")
    token = csrf_of(page.get(f"/cases/{case.code}").text)
    cut = (b"--x\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + token.encode() +
           b"\r\n--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n"
           b"Content-Type: image/png\r\n\r\n" + png()[:50])  # the connection dropped here
    response = page.http.post(f"/cases/{case.code}/remark", content=cut,
                              headers={"content-type": "multipart/form-data; boundary=x"})
    assert response.status_code == 400
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 1
    assert attachments(sessions) == [] and store_keys(web_container) == []


def test_files_of_another_case_or_commune_are_not_served(browser, world, service):
    mine = world.new_case(files=(Upload("a.png", png()),))
    other = world.new_case()
    (f,) = list_files(service, world["off_a"], mine.code)
    assert browser("off_a").get(f"/cases/{other.code}/files/{f.id}").status_code == 404
    assert browser("off_b").get(f"/cases/{mine.code}/files/{f.id}").status_code == 404
    assert browser().get(f"/cases/{mine.code}/files/{f.id}").status_code == 303  # sign in first


def test_public_tracking_shows_no_file(browser, world, service):
    snap = world.new_case(files=(Upload("a.png", png()),))
    page = browser()
    html = page.get(f"/track/{snap.code}").text
    assert "/files/" not in html and "a.png" not in html


def test_a_meetings_intake_keeps_each_opinions_files_on_its_receipt(browser, world, sessions, service):
    from .test_web_intake import THREE, intake_form, meeting

    page = browser("off_a")
    hidden = intake_form(page)
    data = meeting(hidden, THREE)
    response = page.http.post("/meetings/new", data=data, follow_redirects=False, files=[
        ("r0_files", ("nước đục.jpg", jpeg_with_gps(), "image/jpeg")), ("r2_files", ("biên bản.pdf", pdf(), "application/pdf")),
        ("r2_files", ("ảnh.png", png(), "image/png"))])
    assert response.status_code == 303, response.text[-2000:]
    with sessions() as s:
        rows = [(a.case.content, a.media_type, a.event.seq) for a in s.scalars(select(Attachment).order_by(Attachment.id))]
    assert rows == [("Nước sinh hoạt bị đục", "image/jpeg", 1), ("Trộm gà ban đêm", "application/pdf", 1),
                    ("Trộm gà ban đêm", "image/png", 1)]


def test_a_bad_file_at_intake_is_named_on_its_row_and_nothing_is_saved(browser, world, sessions, web_container):
    from .test_web_intake import THREE, intake_form, meeting

    page = browser("off_a")
    hidden = intake_form(page)
    before = counts(sessions)
    response = page.http.post("/meetings/new", data=meeting(hidden, THREE), follow_redirects=False, files=[
        ("r0_files", ("ok.png", png(), "image/png")), ("r1_files", ("cầu.jpg", zip_named_jpeg(), "image/jpeg"))])
    assert response.status_code == 400
    html = response.text
    row1 = html[html.index('id="row-1"'):html.index('id="row-2"')]
    assert "tệp nén ZIP" in row1
    assert counts(sessions) == before and attachments(sessions) == [] and store_keys(web_container) == []


def test_an_administrator_removes_a_file_from_the_case_page_with_a_reason(browser, world, service, web_container):
    snap = world.new_case(files=(Upload("nhà dân.jpg", jpeg_with_gps()),))
    (f,) = list_files(service, world["off_a"], snap.code)
    official = browser("off_a")
    assert f"/files/{f.id}/remove" not in official.get(f"/cases/{snap.code}").text
    token = csrf_of(official.get(f"/cases/{snap.code}").text)
    refused = official.post(f"/cases/{snap.code}/files/{f.id}/remove", {"reason": "x"}, csrf=token)
    assert refused.status_code == 400 and web_container.files.store.exists(f.sha256)
    admin = browser("admin")
    html = admin.get(f"/cases/{snap.code}").text
    assert f"/files/{f.id}/remove" in html
    done = admin.post(f"/cases/{snap.code}/files/{f.id}/remove", {"reason": "Yêu cầu của người dân"}, csrf=csrf_of(html))
    assert done.status_code == 303
    page = admin.get(done.headers["location"]).text
    assert "Đã xóa theo quyết định: Yêu cầu của người dân" in page and "mã băm và lý do" in page
    assert not web_container.files.store.exists(f.sha256)
    assert admin.get(f"/cases/{snap.code}/files/{f.id}").status_code == 404
