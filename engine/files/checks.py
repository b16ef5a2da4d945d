"""What a file must be to be kept: the type decided from its bytes, images decoded
and re-encoded (metadata such as EXIF GPS dropped: the photo of a broken bridge must
not give away where the citizen lives), pixel limits checked from the header before
anything is decoded, PDFs that cannot run anything, and a name that is only a name.

Refusals are ``InvalidField(field="files")`` naming the file, in both languages.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zlib
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InvalidField
from .limits import FileLimits
from .store import sha256_of

__all__ = ["Upload", "Checked", "check_file", "safe_name", "IMAGE_TYPES", "PDF_TYPE", "sniff"]

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PDF_TYPE = "application/pdf"
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", PDF_TYPE: ".pdf"}
# Names in a PDF that make a reader run or open something: refused, not cleaned.
_PDF_ACTIVE = frozenset({"JavaScript", "JS", "OpenAction", "Launch", "EmbeddedFile", "EmbeddedFiles", "AA",
                         "RichMedia", "XFA", "SubmitForm", "ImportData", "GoToR", "GoToE"})
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#_.\-]+)")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
# A compressed stream is inflated only this far when looking for active names.
_INFLATE_LIMIT = 16 * 1024 * 1024
_NAME_MAX = 120


@dataclass(frozen=True)
class Upload:
    """A file as a surface received it: the name it came with and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Checked:
    """A file as it will be kept: the bytes stored (re-encoded for images), their
    hash, type and a safe name; images have a thumbnail."""

    name: str
    media_type: str
    data: bytes
    sha256: str
    thumb: bytes | None
    thumb_sha256: str | None

    @property
    def size(self) -> int:
        return len(self.data)

    def chain_entry(self) -> dict[str, object]:
        """What the event that adds the file records in its hashed payload. Not the
        name: it may name a person ("đơn của …"), and the chain is exported."""
        return {"sha256": self.sha256, "size": self.size, "type": self.media_type}


def _refuse(name: str, vi: str, en: str) -> InvalidField:
    return InvalidField(field="files", problem_vi=f"tệp “{name}”: {vi}", problem_en=f"file “{name}”: {en}")


def safe_name(raw: object) -> str:
    """The last path component, without control or direction characters, NFC, at
    most 120 characters, never hidden (leading dots) and never empty."""
    text = raw if isinstance(raw, str) else ""
    text = unicodedata.normalize("NFC", text).replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    text = text.strip().lstrip(".").strip()
    if text in ("", "..", "."):
        text = "tep"
    return text[-_NAME_MAX:] if len(text) > _NAME_MAX else text


def _with_extension(name: str, media_type: str) -> str:
    # The stored name says what the file is: "passwd.jpg" that is a PNG becomes "passwd.png".
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem or "tep")[: _NAME_MAX - 5] + _EXTENSIONS[media_type]


def sniff(data: bytes) -> str:
    """A short word for what the bytes are, from their first bytes only."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"):
        return "heic"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    stripped = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in stripped:
        return "svg"
    if stripped.startswith((b"<html", b"<!doctype html", b"<script")):
        return "html"
    return "unknown"


def check_file(upload: Upload, limits: FileLimits) -> Checked:
    name = safe_name(upload.name)
    data = upload.data
    if len(data) == 0:
        raise _refuse(name, "tệp rỗng", "the file is empty")
    if len(data) > limits.max_file_bytes:
        raise _refuse(name, f"lớn hơn giới hạn {limits.max_file_bytes // (1024 * 1024)} MB",
                      f"larger than the {limits.max_file_bytes // (1024 * 1024)} MB limit")
    kind = sniff(data)
    if kind in ("jpeg", "png", "webp"):
        return _image(name, data, limits)
    if kind == "pdf":
        return _pdf(name, data)
    if kind == "heic":
        raise _refuse(name, "ảnh HEIC chưa được hỗ trợ; hãy chụp hoặc xuất ảnh dạng JPEG",
                      "HEIC photos are not supported; take or export the photo as JPEG")
    if kind == "svg":
        raise _refuse(name, "không nhận ảnh SVG (có thể chứa mã chạy); hãy gửi PNG hoặc JPEG",
                      "SVG is not accepted (it can carry scripts); send PNG or JPEG")
    shown = {"zip": "một tệp nén ZIP", "html": "một trang HTML"}.get(kind, "loại không nhận")
    shown_en = {"zip": "a ZIP archive", "html": "an HTML page"}.get(kind, "a type not accepted")
    raise _refuse(name, f"nội dung là {shown}; chỉ nhận ảnh JPEG, PNG, WebP và tệp PDF",
                  f"the content is {shown_en}; only JPEG, PNG and WebP photos and PDF files are accepted")


def _image(name: str, data: bytes, limits: FileLimits) -> Checked:
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check warns at 89 Mpx: make it the refusal it is.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            width, height = image.size
            if width * height > limits.max_pixels or width < 1 or height < 1:
                raise _refuse(name, f"ảnh {width} × {height} điểm ảnh vượt giới hạn {limits.max_pixels:,} điểm ảnh",
                              f"{width} × {height} pixels is over the {limits.max_pixels:,} pixel limit")
            fmt = image.format
            if fmt not in IMAGE_TYPES:
                raise _refuse(name, "không phải ảnh JPEG, PNG hay WebP", "not a JPEG, PNG or WebP image")
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)  # an animation keeps its first frame
            image.load()
            clean = ImageOps.exif_transpose(image)  # the orientation the EXIF asked for, then no EXIF
            stored = _encode(clean, fmt)
            thumb = clean.copy()
            thumb.thumbnail((limits.thumb_px, limits.thumb_px))
            thumb_bytes = _encode(thumb, "WEBP")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(name, f"ảnh vượt giới hạn {limits.max_pixels:,} điểm ảnh (nghi “bom giải nén”)",
                      f"over the {limits.max_pixels:,} pixel limit (a decompression bomb?)") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _refuse(name, "ảnh hỏng hoặc không đọc được", "the image is damaged or unreadable") from None
    media_type = IMAGE_TYPES[fmt]
    return Checked(name=_with_extension(name, media_type), media_type=media_type, data=stored,
                   sha256=sha256_of(stored), thumb=thumb_bytes, thumb_sha256=sha256_of(thumb_bytes))


def _encode(image: Image.Image, fmt: str) -> bytes:
    # A fresh info dict: nothing of the original (EXIF, XMP, text chunks, ICC, GPS)
    # can ride along into the saved file.
    image = image.copy()
    image.info = {}
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if fmt in ("PNG", "WEBP") and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    options = {"quality": 88} if fmt in ("JPEG", "WEBP") else {"optimize": False}
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _pdf_names(blob: bytes) -> set[str]:
    found = set()
    for match in _PDF_NAME.finditer(blob):
        # "/J#61vaScript" is "/JavaScript": decode the #xx escapes a name may use.
        raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        found.add(raw.decode("latin-1"))
    return found


def _pdf(name: str, data: bytes) -> Checked:
    if b"%%EOF" not in data[-2048:]:
        raise _refuse(name, "không phải tệp PDF hoàn chỉnh", "not a complete PDF file")
    names = _pdf_names(data)
    # Object streams hide dictionaries in compressed streams: look inside those too.
    for stream in _PDF_STREAM.finditer(data):
        body = stream.group(1)
        try:
            inflated = zlib.decompressobj().decompress(body, _INFLATE_LIMIT)
        except zlib.error:
            continue
        names |= _pdf_names(inflated)
    active = sorted(names & _PDF_ACTIVE)
    if active:
        raise _refuse(name, f"PDF có nội dung tự chạy hoặc tệp nhúng (/{', /'.join(active)}); hãy in ra PDF thường",
                      f"the PDF can run or open something (/{', /'.join(active)}); print it to a plain PDF")
    return Checked(name=_with_extension(name, PDF_TYPE), media_type=PDF_TYPE, data=data, sha256=sha256_of(data),
                   thumb=None, thumb_sha256=None)
