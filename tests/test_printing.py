"""The PDF engine writes Vietnamese text that reads back, embeds its font, and fetches
nothing a document names."""

from __future__ import annotations

import io

import pypdf

from web.printing import render_pdf

TEXT = "Phiếu tiếp nhận ý kiến – Đường liên ấp bị sạt lở, đề nghị sửa chữa"


def _fonts(reader: pypdf.PdfReader) -> list[dict]:
    resources = reader.pages[0]["/Resources"]["/Font"]
    return [resources[name].get_object() for name in resources]


def test_vietnamese_text_reads_back_with_the_font_embedded():
    data = render_pdf(f"<!doctype html><html lang='vi'><body><h1>{TEXT}</h1></body></html>")
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert " ".join(reader.pages[0].extract_text().split()) == TEXT
    fonts = _fonts(reader)
    assert fonts and all("DejaVu" in str(f["/BaseFont"]) for f in fonts)
    descendants = [f["/DescendantFonts"][0].get_object() for f in fonts]
    assert all("/FontFile2" in d["/FontDescriptor"].get_object() for d in descendants)  # embedded


def test_an_image_or_stylesheet_in_a_document_is_never_fetched():
    import http.server
    import threading

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        data = render_pdf(f"<html><head><link rel=stylesheet href='{url}/s.css'></head>"
                          f"<body><img src='{url}/x.png'>{TEXT}</body></html>")
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []
    assert TEXT.split()[0] in pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_an_inline_svg_image_is_drawn():
    # QR codes are inline SVG data: the one kind of resource a document may carry.
    import base64
    svg = b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><rect width='10' height='10'/></svg>"
    src = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    with_image = render_pdf(f"<html><body><img src='{src}' style='width:40mm'>{TEXT}</body></html>")
    without = render_pdf(f"<html><body>{TEXT}</body></html>")
    def dark_pixels(data: bytes) -> int:
        import pypdfium2
        page = pypdfium2.PdfDocument(data)[0]
        image = page.render(scale=0.5).to_pil().convert("L")
        return sum(image.point(lambda value: 255 if value < 64 else 0).histogram()[255:])
    # A 40 mm black square at 36 dpi is ~57 × 57 pixels; a line of text is far less.
    assert dark_pixels(with_image) - dark_pixels(without) > 2500
