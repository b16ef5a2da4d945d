"""Render the README's pictures of a receipt and of a meeting's minutes.

    PYTHONPATH=. python scripts/doc-images.py

Builds the demo on a throwaway SQLite database, prints a meeting's receipts and its
minutes through the application's own pages (signed in as the demo official), and
rasterises the first page of each PDF with pypdfium2 into docs/receipt.png and
docs/minutes.png.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

import pypdfium2
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine import migrate
from engine.db import make_engine
from engine.models import Meeting
from web.app import create_app
from web.container import build_container
from web.demo import DEMO_PASSWORD, load_demo
from web.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _png(pdf: bytes, target: Path, *, crop_to: float = 1.0) -> None:
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=110 / 72).to_pil()
    if crop_to < 1.0:
        image = image.crop((0, 0, image.width, int(image.height * crop_to)))
    image.save(target, optimize=True)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        os.environ["NGHEDAN_BASE_URL"] = "https://nghedan.travinh.gov.vn"  # what the QR codes hold
        container = build_container(Settings(database_url=url, environment="test"))
        load_demo(container)
        with container.sessions() as session:
            meeting_id = session.scalars(select(Meeting.id).order_by(Meeting.id)).first()
        with TestClient(create_app(container=container)) as http:
            token = re.search(r'name="csrf" value="([^"]+)"', http.get("/login").text).group(1)
            http.post("/login", data={"username": "canbo", "password": DEMO_PASSWORD, "next": "/", "csrf": token})
            page = http.get(f"/meetings/{meeting_id}").text
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            receipts = http.post(f"/meetings/{meeting_id}/receipts", data={"format": "pdf", "csrf": token})
            minutes = http.get(f"/meetings/{meeting_id}/minutes.pdf")
        container.close()
    for name, response in (("receipts", receipts), ("minutes", minutes)):
        if response.status_code != 200:
            print(f"{name}: HTTP {response.status_code}", file=sys.stderr)
            return 2
    _png(receipts.content, DOCS / "receipt.png", crop_to=0.36)
    _png(minutes.content, DOCS / "minutes.png")
    print("docs/receipt.png, docs/minutes.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
