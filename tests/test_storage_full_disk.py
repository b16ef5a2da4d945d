"""A full disk, for real: the SQLite file on a small tmpfs (mounted here, as root),
filled until writes fail. A page answers 503 in the reader's language, the API its
503 problem+json, the CLI one line and exit status 2; nothing is half-written, no
traceback reaches anyone, and the log keeps one line without personal data.
(PostgreSQL's refusals: tests/test_storage_refusals.py.)"""

from __future__ import annotations

import errno
import html
import logging
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from .api_support import *  # noqa: F403  (fixtures)
from .browser.web import browser, counts, form_values, web_app, web_container  # noqa: F401
from .conftest import PG_URL

pytestmark = pytest.mark.skipif(PG_URL is not None, reason="holds a SQLite file on a tmpfs; PostgreSQL's "
                                                           "refusals are tests/test_storage_refusals.py")

NOTE = "Nguyễn Văn Dân 0901234567 hỏi lại"  # personal data that must not reach the log


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()[:200]}")
    yield mount_point
    if subprocess.run(["umount", str(mount_point)], capture_output=True, timeout=30).returncode != 0:
        subprocess.run(["umount", "-l", str(mount_point)], check=True, timeout=30)


@pytest.fixture
def db_url(_template: str, disk: Path) -> Iterator[str]:
    """This module's database lives on the tmpfs (overrides conftest's)."""
    target = disk / "nghedan.db"
    shutil.copyfile(_template, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def fill_disk(disk: Path, engine: Engine) -> Iterator[Callable[[], None]]:
    filler = disk / "filler"

    def fill() -> None:
        # An empty WAL: the next write must grow it, and there is no room.
        with engine.connect() as conn:
            busy, *_ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        assert busy == 0
        with open(filler, "wb", buffering=0) as out:
            for size in (1 << 16, 1 << 12, 1):
                try:
                    while True:
                        out.write(b"\0" * size)
                except OSError as err:
                    assert err.errno == errno.ENOSPC
        assert shutil.disk_usage(disk).free < 4096

    yield fill
    filler.unlink(missing_ok=True)


def no_personal_data_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    lines = [r.getMessage() for r in caplog.records]
    assert not [line for line in lines if "Nguyễn" in line or "0901234567" in line], lines
    return [line for line in lines if line.startswith("storage unavailable: full (sqlite3.OperationalError)")]


def test_the_api_answers_503_problem_json(api, as_user, tokens, world, sessions, fill_disk, disk, caplog):
    case = world.new_case()
    headers = as_user("aud_p", "en")
    before = counts(sessions)
    fill_disk()
    with caplog.at_level(logging.INFO):
        r = api.post(f"/api/v1/cases/{case.code}/remarks", json={"note": NOTE}, headers=headers)
        keyed = api.post("/api/v1/cases", headers={**as_user("off_a", "en"), "Idempotency-Key": "k-full"},
                         json={"workflow": "nghe-dan-noi", "unit": "A1", "topic": "dien_nuoc", "kind": "kien_nghi",
                               "content": NOTE})
    for response in (r, keyed):
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["retry-after"] == "5"
        problem = response.json()
        assert problem["type"].endswith("/unavailable") and "disk is full" in problem["detail"]
        assert "Traceback" not in response.text and "INSERT" not in response.text
    # Open311 answers from the same rule, in its own shape.
    r = api.post("/open311/v2/requests.json", data={"api_key": tokens["off_a"], "service_code": "dien_nuoc",
                                                     "attribute[unit]": "A1", "description": NOTE})
    assert r.status_code == 503 and r.json()[0]["code"] == 503
    assert "ổ đĩa của cơ sở dữ liệu đã đầy" in r.json()[0]["description"]
    assert no_personal_data_logged(caplog)
    (disk / "filler").unlink()
    assert counts(sessions) == before
    # With room again, the same key does the work: the failed attempt kept nothing.
    again = api.post("/api/v1/cases", headers={**as_user("off_a", "en"), "Idempotency-Key": "k-full"},
                     json={"workflow": "nghe-dan-noi", "unit": "A1", "topic": "dien_nuoc", "kind": "kien_nghi",
                           "content": "Nước đục"})
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers


@pytest.mark.parametrize("lang, title, words", [
    ("vi", "Tạm thời không lưu được", "ổ đĩa của cơ sở dữ liệu đã đầy"),
    ("en", "Temporarily unavailable", "the database's disk is full"),
])
def test_a_page_answers_503_in_the_readers_language(browser, world, sessions, fill_disk, disk, caplog, lang, title,
                                                    words):
    case = world.new_case()
    page = browser("aud_p")
    shown = page.get(f"/cases/{case.code}").text
    if lang == "en":
        page.post("/lang", {"lang": "en", "next": f"/cases/{case.code}"}, csrf=form_values(shown, "/lang")["csrf"])
        shown = page.get(f"/cases/{case.code}").text
    form = form_values(shown, f"/cases/{case.code}/remark")
    before = counts(sessions)
    fill_disk()
    with caplog.at_level(logging.INFO):
        r = page.post(f"/cases/{case.code}/remark", {**form, "kind": "remark", "note": NOTE}, csrf=form["csrf"])
    assert r.status_code == 503 and r.headers["content-type"].startswith("text/html")
    text = html.unescape(r.text)
    assert r.headers["content-language"] == lang and title in text and words in text
    assert "Internal Server Error" not in r.text and "Traceback" not in r.text
    assert no_personal_data_logged(caplog)
    (disk / "filler").unlink()
    assert counts(sessions) == before


def test_the_cli_prints_one_line_and_exits_2(run, world, sessions, fill_disk, disk):
    case = world.new_case()
    before = counts(sessions)
    fill_disk()
    for lang, words in (("en", "the database's disk is full"), ("vi", "ổ đĩa của cơ sở dữ liệu đã đầy")):
        result = run("cases", "remark", case.code, "--as", "aud_p", "--note", NOTE, lang=lang)
        assert result.exit_code == 2, result.output
        assert result.output.strip().splitlines() == [f"{'error' if lang == 'en' else 'lỗi'}: " +
                                                      result.output.strip().split(": ", 1)[1]]
        assert words in result.output and "Traceback" not in result.output and NOTE not in result.output
    created = run("cases", "create", "--as", "off_a", "--unit", "A1", "--topic", "dien_nuoc", "--content", NOTE,
                  lang="en")
    assert created.exit_code == 2 and len(created.output.strip().splitlines()) == 1
    (disk / "filler").unlink()
    assert counts(sessions) == before
