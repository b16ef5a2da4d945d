"""Case histories for the Front: one case or a unit's period, JSON and CSV, each chain's
verdict, citizens' contact masked in every export, and a denouncer's identity in no
export at all — not masked, not hashed without a secret salt."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from engine.actors import SYSTEM
from engine.audit import GENESIS, canonical
from engine.errors import NotFound, RoleNotAllowed
from engine.reports import Period, ReportRequest, build_report
from engine.reports.audit_export import history_json, select_case, select_unit, verify_cases
from engine.reports.history_labels import HistoryLabels
from engine.reports.history_tables import history_csv
from workflows import load_builtin
from engine.reports.export import report_csv, report_json, report_xlsx
from engine.disclosure import mask_name, mask_phone
from web.cli.main import _register, cli

from .test_reports_support import at

NAME, PHONE, ADDRESS = "Nguyễn Văn Dân", "0901234567", "Ấp A1, xã A"
DENOUNCER, DENOUNCER_PHONE = "Trần Thị Tố Giác", "0912888999"


@pytest.fixture
def cases(world, service, clock):
    clock.set(at(2026, 10, 5))
    plain = world.new_case("off_a", "A1", citizen_name=NAME, citizen_phone=PHONE, citizen_address=ADDRESS)
    clock.set(at(2026, 10, 5, 10))
    service.fire(world["off_a"], plain.code, "answer_on_site", {"answer": "Đã trả lời"})
    denunciation = world.new_case("off_a", "A2", kind="to_cao", topic="an_ninh_trat_tu",
                                  content="Tố cáo cán bộ ấp thu tiền sai quy định", citizen_name=DENOUNCER,
                                  citizen_phone=DENOUNCER_PHONE, citizen_address="Ấp A2")
    clock.set(at(2026, 10, 6))
    service.fire(world["off_a"], denunciation.code, "escalate", {"target_unit": "A-KT", "reason": "Thẩm quyền"})
    elsewhere = world.new_case("off_b", "B1")
    clock.set(at(2026, 11, 23))
    return {"plain": plain.code, "to_cao": denunciation.code, "b": elsewhere.code}


def export(service, actor, *, case=None, unit=None, fmt="json") -> str:
    with service.uow(write=False) as uow:
        s = uow.session
        sel = select_case(s, actor, case) if case else select_unit(s, actor, unit, Period(date(2026, 10, 1),
                                                                                          date(2026, 10, 31)))
        chunks = (history_json(s, actor, sel, now=service.clock.now()) if fmt == "json"
                  else history_csv(s, actor, sel, HistoryLabels(s, "vi", load_builtin())))
        return "".join(chunks)


def identity_leaks(blob: str) -> list[str]:
    digest = hashlib.sha256(f"{DENOUNCER}|{DENOUNCER_PHONE}|Ấp A2".encode()).hexdigest()
    needles = [DENOUNCER, DENOUNCER_PHONE, mask_name(DENOUNCER), mask_phone(DENOUNCER_PHONE), "2888999",
               digest, "Tố Giác"]
    return [n for n in needles if n and n in blob]


def test_masking_helpers():
    assert mask_name(NAME) == "N.V.D."
    assert mask_name("  ") is None and mask_phone(None) is None
    assert mask_phone(PHONE) == "*******567" and mask_phone("+84 90 123") == "****123" and mask_phone("12") == "**"


def test_auditor_sees_initials_and_last_digits(cases, world, service):
    data = json.loads(export(service, world["aud_p"], case=cases["plain"]))
    [item] = data["cases"]
    assert item["citizen"] == {"disclosure": "masked", "name": "N.V.D.", "phone": "*******567", "address": "***"}
    assert NAME not in json.dumps(data, ensure_ascii=False) and PHONE not in json.dumps(data)
    assert item["verification"] == {"ok": True, "problem": None, "seq": None}
    assert [e["trigger"] for e in item["events"]] == ["receive", "answer_on_site"]
    assert data["summary"] == {"cases": 1, "broken": 0}
    # A leader of the unit sees the full contact in the application, but a file that
    # leaves it is a copy outside access control: masked for them too.
    lead = json.loads(export(service, world["lead_a"], case=cases["plain"]))["cases"][0]["citizen"]
    assert lead == item["citizen"]
    # The command line acting as the system masks too.
    assert json.loads(export(service, SYSTEM, case=cases["plain"]))["cases"][0]["citizen"]["disclosure"] == "masked"


def test_exported_events_recompute_offline(cases, world, service):
    item = json.loads(export(service, world["lead_a"], case=cases["plain"]))["cases"][0]
    prev = GENESIS
    for ev in item["events"]:
        from datetime import datetime

        from engine.models import CaseEvent

        row = CaseEvent(seq=ev["seq"], at=datetime.fromisoformat(ev["at"]), actor=ev["actor"], trigger=ev["trigger"],
                        from_state=ev["from"], to_state=ev["to"], note=ev["note"], data=ev["data"])
        assert ev["prev_hash"] == prev
        assert hashlib.sha256(prev.encode() + canonical(item["code"], row)).hexdigest() == ev["hash"]
        prev = ev["hash"]
    assert prev == item["head_hash"]


def test_a_denouncers_identity_never_leaves(cases, world, service):
    for who in ("aud_p", "lead_a", "off_kt", "admin"):
        actor = world[who]
        for fmt in ("json", "csv"):
            try:
                blob = export(service, actor, case=cases["to_cao"], fmt=fmt)
            except RoleNotAllowed:
                assert who == "off_kt"
                continue
            assert identity_leaks(blob) == [], (who, fmt)
        blob = export(service, actor, unit="A", fmt="json") if who != "off_kt" else ""
        assert identity_leaks(blob) == []
    item = json.loads(export(service, world["lead_a"], case=cases["to_cao"]))["cases"][0]
    assert item["citizen"] == {"disclosure": "withheld", "name": None, "phone": None, "address": None}
    # The chain keeps only the salted digest, which recomputes offline and reveals nothing.
    assert set(item["events"][0]["data"]) >= {"citizen_digest"} and "citizen_sha256" not in item["events"][0]["data"]
    assert item["content"].startswith("Tố cáo")  # the substance stays: the Front supervises its handling
    assert item["verification"]["ok"] is True  # the app's verdict, on the full chain
    # Nor in any report format.
    with service.uow(write=False) as uow:
        rep = build_report(uow.session, SYSTEM, ReportRequest(Period(date(2026, 10, 1), date(2026, 10, 31))),
                           now=service.clock.now())
    assert identity_leaks(report_json(rep) + report_csv(rep)) == []
    assert DENOUNCER.encode() not in report_xlsx(rep)


def test_unit_export_and_verdicts(cases, world, service, engine):
    data = json.loads(export(service, world["aud_p"], unit="A"))
    assert sorted(c["code"] for c in data["cases"]) == sorted([cases["plain"], cases["to_cao"]])
    assert data["unit"] == "A" and data["period"] == {"from": "2026-10-01", "to": "2026-10-31"}
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET note = 'sửa lén' WHERE seq = 2 AND case_id = "
                          "(SELECT id FROM cases WHERE code = :c)"), {"c": cases["plain"]})
    data = json.loads(export(service, world["aud_p"], unit="A"))
    verdicts = {c["code"]: c["verification"] for c in data["cases"]}
    assert verdicts[cases["plain"]] == {"ok": False, "problem": "content does not match its hash (edited)", "seq": 2}
    assert verdicts[cases["to_cao"]]["ok"] and data["summary"] == {"cases": 2, "broken": 1}
    with service.uow(write=False) as uow:
        sel = select_unit(uow.session, world["aud_p"], "P", Period(date(2026, 10, 1), date(2026, 11, 30)))
        checks = {c.code: c.ok for c in verify_cases(uow.session, sel)}
    assert checks == {cases["plain"]: False, cases["to_cao"]: True, cases["b"]: True}
    rows = list(csv.reader(io.StringIO(export(service, world["aud_p"], unit="A", fmt="csv").lstrip("\ufeff"))))
    assert rows[0][0] == "Mã ý kiến" and rows[0][-1] == "Kiểm tra toàn vẹn"
    broken = {r[0]: r[-1] for r in rows[1:]}
    assert broken[cases["plain"]] == "Bị sửa tại sự kiện #2" and broken[cases["to_cao"]] == "Toàn vẹn"
    assert len([r for r in rows[1:] if r[0] == cases["plain"]]) == 2  # one line per event


def test_csv_export_has_a_bom(cases, world, service):
    blob = export(service, world["aud_p"], case=cases["plain"], fmt="csv")
    assert blob.startswith("\ufeff") and "N.V.D." in blob and "Đã trả lời" in blob


def test_scope_and_roles(cases, world, service):
    with pytest.raises(NotFound):
        export(service, world["off_b"], case=cases["plain"])
    with pytest.raises(NotFound):
        export(service, world["lead_b"], unit="A")
    with pytest.raises(NotFound):
        export(service, world["aud_p"], case="P-2026-NOSUCH0")
    with pytest.raises(RoleNotAllowed):  # officials read reports, not histories
        export(service, world["off_a"], case=cases["plain"])
    with pytest.raises(RoleNotAllowed):
        export(service, world["off_a"], unit="A")
    # A leader of B exports B only.
    data = json.loads(export(service, world["lead_b"], unit="B"))
    assert [c["code"] for c in data["cases"]] == [cases["b"]]
    assert json.loads(export(service, world["lead_b"], case=cases["b"]))["cases"][0]["code"] == cases["b"]


def test_cli_export(cases, db_url, tmp_path):
    _register()
    runner = CliRunner()
    out = runner.invoke(cli, ["--database-url", db_url, "audit", "export", "--case", cases["to_cao"]])
    assert out.exit_code == 0, out.output
    assert identity_leaks(out.output) == [] and json.loads(out.output)["cases"][0]["citizen"]["disclosure"] == "withheld"
    target = tmp_path / "a.csv"
    out = runner.invoke(cli, ["--database-url", db_url, "audit", "export", "--unit", "A", "--from", "2026-10-01",
                              "--to", "2026-10-31", "--format", "csv", "-o", str(target), "--as", "aud_p"])
    assert out.exit_code == 0, out.output
    text_ = target.read_text(encoding="utf-8")
    assert text_.startswith("\ufeff") and "N.V.D." in text_ and identity_leaks(text_) == []
    assert runner.invoke(cli, ["--database-url", db_url, "audit", "export", "--unit", "A"]).exit_code == 2
    assert runner.invoke(cli, ["--database-url", db_url, "audit", "export"]).exit_code == 2
    out = runner.invoke(cli, ["--database-url", db_url, "audit", "export", "--case", cases["plain"], "--as", "off_b"])
    assert out.exit_code == 2
