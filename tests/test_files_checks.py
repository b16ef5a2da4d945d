"""What a file must be to be kept (engine.files.checks): every bad input of issue 17
refused with a message in both languages, and a photo's GPS gone after upload."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from engine.errors import InvalidField
from engine.files import FileLimits, Upload, check_file, safe_name

from .files_support import GPS_IFD, SVG, huge_png, jpeg_with_gps, pdf, png, zip_named_jpeg

LIMITS = FileLimits()


def refused(name: str, data: bytes, *words: str, limits: FileLimits = LIMITS) -> InvalidField:
    with pytest.raises(InvalidField) as caught:
        check_file(Upload(name, data), limits)
    err = caught.value
    assert err.params["field"] == "files"
    for word in words:
        assert word in err.message("en") or word in err.message("vi"), (word, err.message("en"))
    assert err.message("vi") != err.message("en")
    return err


def test_a_photos_gps_and_other_metadata_are_gone_after_the_check():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test photo has GPS
    kept = check_file(Upload("cầu.jpg", original), LIMITS)
    reread = Image.open(io.BytesIO(kept.data))
    assert kept.media_type == "image/jpeg" and reread.format == "JPEG" and reread.size == (64, 48)
    assert not reread.getexif().get_ifd(GPS_IFD) and len(reread.getexif()) == 0
    assert b"PhoneMaker" not in kept.data and "exif" not in reread.info
    assert kept.thumb is not None and Image.open(io.BytesIO(kept.thumb)).format == "WEBP"


def test_type_comes_from_the_content_not_the_name():
    kept = check_file(Upload("ảnh.pdf", png()), LIMITS)
    assert kept.media_type == "image/png" and kept.name == "ảnh.png"


def test_a_jpeg_that_is_a_zip_is_refused():
    refused("bridge.jpg", zip_named_jpeg(), "ZIP")


def test_a_40000_by_40000_png_is_refused_before_decoding():
    refused("bomb.png", huge_png(), "pixel limit")
    refused("wide.png", huge_png(9_000, 5_000), "9000 × 5000")  # under Pillow's own check, over ours


def test_the_pixel_limit_comes_from_the_settings():
    refused("big.png", png((100, 100)), "pixel", limits=FileLimits(max_pixels=5_000))
    check_file(Upload("ok.png", png((50, 50))), FileLimits(max_pixels=5_000))


def test_a_file_over_the_size_limit_is_refused():
    refused("video.jpg", b"\xff\xd8\xff" + b"0" * (2 * 2**20), "MB", limits=FileLimits(max_file_bytes=2**20))


@pytest.mark.parametrize("extra", [b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", b"/AA << /O 3 0 R >>",
                                   b"/Names << /EmbeddedFiles 5 0 R >>", b"/OpenAction << /S /Launch /F (cmd) >>",
                                   b"/J#61vaScript (x)"])
def test_a_pdf_that_can_run_something_is_refused(extra):
    refused("biên bản.pdf", pdf(extra), "PDF")


def test_active_names_hidden_in_a_compressed_stream_are_found():
    hidden = zlib.compress(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    body = b"3 0 obj << /Type /ObjStm /Filter /FlateDecode >> stream\n" + hidden + b"\nendstream endobj"
    refused("x.pdf", pdf(body), "JavaScript")


def test_a_plain_pdf_is_kept_byte_for_byte():
    kept = check_file(Upload("bien-ban", pdf()), LIMITS)
    assert kept.media_type == "application/pdf" and kept.data == pdf() and kept.name == "bien-ban.pdf"
    assert kept.thumb is None


def test_svg_heic_html_and_damaged_images_are_refused():
    refused("a.svg", SVG, "SVG")
    refused("a.png", b"  \n" + SVG, "SVG")
    refused("IMG_1.HEIC", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "HEIC")
    refused("a.jpg", b"<html><script>alert(1)</script></html>", "HTML")
    refused("a.jpg", jpeg_with_gps()[:200], "damaged")
    refused("empty.jpg", b"", "empty")
    refused("a.pdf", b"%PDF-1.4\n1 0 obj", "PDF")


@pytest.mark.parametrize("raw,expected", [
    ("../../etc/passwd", "passwd"), ("..\\..\\windows\\win.ini", "win.ini"), ("a\x00b\x1b[31m.jpg", "ab[31m.jpg"),
    ("\u202egpj.exe", "gpj.exe"), ("..", "tep"), ("", "tep"), (".htaccess", "htaccess"), ("x" * 300, "x" * 120),
])
def test_names_are_only_names(raw, expected):
    assert safe_name(raw) == expected


def test_a_path_as_a_name_is_stored_as_its_last_part_with_the_real_extension():
    kept = check_file(Upload("../../etc/passwd", png()), LIMITS)
    assert kept.name == "passwd.png"


def test_a_jpeg_with_a_zip_appended_keeps_only_the_picture():
    polyglot = jpeg_with_gps() + zip_named_jpeg()
    kept = check_file(Upload("cầu.jpg", polyglot), LIMITS)
    assert kept.media_type == "image/jpeg" and b"PK\x03\x04" not in kept.data and b"not a photo" not in kept.data


def test_a_16_bit_png_is_kept_as_an_image():
    out = io.BytesIO()
    Image.new("I;16", (30, 20), 1000).save(out, format="PNG")
    kept = check_file(Upload("sâu.png", out.getvalue()), LIMITS)
    assert kept.media_type == "image/png" and kept.thumb is not None
