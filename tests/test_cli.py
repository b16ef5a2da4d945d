"""The command line, as an administrator and an official would use it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.models import Case, User
from engine.passwords import verify_password

UNITS_CSV = """code,name,level,parent_code
XA,Xã Tam Ngãi,commune,TINH
TINH,Tỉnh Trà Vinh,province,
AP1,Ấp Ngãi Lợi A,village,XA
PHONG,Phòng Kinh tế,department,XA
"""




@pytest.fixture
def commune(run, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(UNITS_CSV, encoding="utf-8")
    result = run("units", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "4 created" in result.output
    for name, role in (("canbo", "official"), ("lanhdao", "leader")):
        result = run("users", "add", name, "--role", role, "--unit", "XA", "--password-stdin", input="bí mật\n")
        assert result.exit_code == 0, result.output
    return path


def test_entry_point_upgrades_a_fresh_database(tmp_path):
    env = {**os.environ, "NGHEDAN_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    exe = Path(sys.executable).with_name("nghedan")
    done = subprocess.run([str(exe), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "schema at" in done.stdout
    done = subprocess.run([str(exe), "db", "current"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "current" in done.stdout


def test_units_import_is_idempotent_and_builds_the_tree(run, commune, sessions):
    again = run("units", "import", str(commune))
    assert "0 created, 4 updated" in again.output
    listing = run("units", "list").output.splitlines()
    assert listing[0].startswith("TINH") and any(line.startswith("  XA") for line in listing)


def test_units_import_rejects_bad_rows(run, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,level,parent_code\nX,Tên,planet,\n", encoding="utf-8")
    result = run("units", "import", str(bad), lang="en")
    assert result.exit_code == 2 and "unknown level" in result.output
    cyc = tmp_path / "cycle.csv"
    cyc.write_text("code,name,level,parent_code\nA,a,commune,B\nB,b,commune,A\n", encoding="utf-8")
    result = run("units", "import", str(cyc))
    # In Vietnamese, as the CLI speaks by default (it used to be an English "cycle" inside it).
    assert result.exit_code == 2 and "vòng lặp: A → B → A" in result.output


def test_users_add_hashes_the_password_read_from_stdin(run, commune, sessions):
    with sessions() as s:
        user = s.scalar(select(User).where(User.username == "canbo"))
        assert user.password_hash.startswith("$argon2")
        assert verify_password("bí mật", user.password_hash)[0]
        assert [(g.role, g.unit.code) for g in user.grants] == [("official", "XA")]
    dup = run("users", "add", "canbo", "--role", "official", "--unit", "XA", "--password-stdin", input="x\n")
    assert dup.exit_code == 2
    bad_role = run("users", "add", "x", "--role", "king", "--unit", "XA", "--password-stdin", input="x\n")
    assert bad_role.exit_code == 2 and "king" in bad_role.output


def test_case_lifecycle_from_the_command_line(run, commune, sessions):
    created = run("cases", "create", "--as", "canbo", "--unit", "AP1", "--topic", "giao_thong",
                  "--content", "Đường đal xuống cấp")
    assert created.exit_code == 0, created.output
    code = re.search(r"TINH-\d{4}-[0-9A-Z]{7}", created.output).group(0)
    assert "Đã tiếp nhận" in created.output
    refused = run("cases", "fire", code, "verify", "--as", "canbo", "--set", "satisfaction=satisfied")
    assert refused.exit_code == 2 and "lỗi" in refused.output and "escalate" in refused.output
    missing = run("cases", "fire", code, "escalate", "--as", "canbo", "--set", "target_unit=PHONG", lang="en")
    assert missing.exit_code == 2 and "reason" in missing.output
    step = run("cases", "fire", code, "escalate", "--as", "canbo", "--set", "target_unit=PHONG",
               "--set", "reason=Cần khảo sát")
    assert step.exit_code == 0 and "Đã chuyển xử lý" in step.output
    step = run("cases", "fire", code, "answer", "--as", "canbo", "--set", "answer=Đã sửa", "--expected-version", "2")
    assert step.exit_code == 0, step.output
    stale = run("cases", "fire", code, "verify", "--as", "lanhdao", "--set", "satisfaction=satisfied",
                "--set", "note=ok", "--expected-version", "2", lang="en")
    assert stale.exit_code == 2 and "changed by someone else" in stale.output
    shown = run("cases", "show", code, "--as", "lanhdao")
    assert "#3" in shown.output and "✓ verify" in shown.output
    listed = run("cases", "list", "--as", "lanhdao")
    assert code in listed.output
    verified = run("audit", "verify")
    assert verified.exit_code == 0 and "1 case histories verified" in verified.output


def test_calendar_overrides_move_deadlines(run, commune):
    assert "working day" in run("calendar", "show", "2026-08-22").output  # make-up Saturday, from the law
    run("calendar", "off", "2026-12-01", "--note", "Nghỉ bù")
    shown = run("calendar", "show", "2026-11-30", "--working-days", "1")
    assert "02/12/2026" in shown.output


def test_demo_is_idempotent(run, sessions):
    first = run("demo")
    assert first.exit_code == 0, first.output
    assert "cases +33" in first.output and "demo" in first.output
    second = run("demo")
    assert "cases +0" in second.output and "users +0" in second.output
    with sessions() as s:
        # The demo's home visits record opinions of their own (web.demo_support): not counted here.
        from engine.models import HomeVisitCase
        visited = select(HomeVisitCase.case_id)
        # Nor do the other programmes' (web.demo_programmes: reception days, dialogues, disputes).
        others = ("tiep-cong-dan", "doi-thoai", "to-dan-van")
        assert s.scalar(select(func.count()).select_from(Case).where(
            Case.id.not_in(visited), Case.workflow_key.not_in(others))) == 33
        states = set(s.scalars(select(Case.state)))
        assert {"received", "answered_on_site", "escalated", "answered", "verified", "resolved"} <= states
    listed = run("cases", "list", "--as", "lanhdao", "--overdue")
    assert "QUÁ HẠN" in listed.output
    assert run("audit", "verify").exit_code == 0
