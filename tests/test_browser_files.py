"""Uploading evidence in Chromium, against a real uvicorn server over the demo data:
a photo at a meeting's intake, then a photo and a PDF with a remark on the case's
page; the thumbnails load under the page's CSP, the GPS is gone from what is served,
and nothing on the page errs."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image

from engine.actors import SYSTEM
from engine.files.access import list_files

from .files_support import GPS_IFD, jpeg_with_gps, pdf
from .browser.journeys import Problems
from .test_browser import context, demo, sign_in, site  # noqa: F401


def test_upload_at_intake_and_from_the_case_page_in_chromium(site, context, demo, tmp_path: Path):  # noqa: F811
    photo = tmp_path / "cầu gãy.jpg"
    photo.write_bytes(jpeg_with_gps((800, 600)))
    letter = tmp_path / "biên bản.pdf"
    letter.write_bytes(pdf())
    second = tmp_path / "ảnh 2.jpg"
    second.write_bytes(jpeg_with_gps((640, 480), (20, 120, 40)))
    page = context.new_page()
    problems = Problems(page)
    sign_in(page, site, "canbo")

    page.goto(f"{site}/meetings/new")
    page.select_option("#unit", "TAMNGAI")
    page.fill("#attendees", "30")
    page.select_option("#r0-topic", "giao_thong")
    page.fill("#r0-content", "Cầu khỉ gãy một nhịp, có ảnh kèm theo")
    page.set_input_files("#r0-files", str(photo))
    page.get_by_role("button", name="Lưu tất cả ý kiến").click()
    page.wait_for_url(re.compile(r".*/meetings/\d+\?saved=1$"))
    (code,) = page.locator("a.code").all_inner_texts()

    page.goto(f"{site}/cases/{code}")
    thumb = page.locator("#h-files ~ ul.files img.thumb").first
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete", arg=thumb.element_handle())
    assert thumb.evaluate("img => img.naturalWidth > 0")  # loaded under the CSP
    assert "cầu gãy.jpg" in page.locator("section[aria-labelledby=h-files]").inner_text()

    # An official's remark is a plain one: "Ý kiến giám sát" (urge, confirm) is the Front's form.
    page.locator("details.action > summary", has_text="Ghi nhận xét vào lịch sử").first.click()
    page.fill("#remark-note", "Bổ sung biên bản và ảnh chụp lại")
    page.set_input_files("#remark-files", [str(letter), str(second)])
    page.locator("form[action$='/remark'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*\?done=remark$"))
    listed = page.locator("section[aria-labelledby=h-files]").inner_text()
    assert "biên bản.pdf" in listed and "ảnh 2.jpg" in listed
    assert page.locator("#h-files ~ ul.files img.thumb").count() == 2

    href = page.locator("section[aria-labelledby=h-files] a", has_text="cầu gãy.jpg").get_attribute("href")
    served = page.request.get(f"{site}{href}")
    assert served.ok and served.headers["x-content-type-options"] == "nosniff"
    assert not Image.open(io.BytesIO(served.body())).getexif().get_ifd(GPS_IFD)
    files = list_files(demo.cases, SYSTEM, code)
    assert [(f.seq, f.media_type) for f in files] == [(1, "image/jpeg"), (2, "application/pdf"), (2, "image/jpeg")]
    assert problems.seen == []
