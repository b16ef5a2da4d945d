"""Files in the chain (engine.files through the case service): added with a step in
its transaction, hashed in its event, re-hashed by ``audit verify --files``, removed
only by a recorded decision; refused steps leave nothing behind."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from engine.audit import verify_all
from engine.errors import InvalidField, NotFound, OutOfScope, RoleNotAllowed, StaleVersion
from engine.files import FILES_KEY, FileBox, FileLimits, Upload, collect_garbage, sha256_of
from engine.files.access import list_files, read_file, remove_file
from engine.files.verify import ALTERED, MISSING, OK, REMOVED, verify_files
from engine.models import Attachment, Case, CaseEvent
from engine.services.cases import NewCase

from .files_support import jpeg_with_gps, pdf, png


def blobs(container) -> list[str]:
    return [key for key, _ in container.files.store.keys()]


def rows(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def last_event(sessions, code):
    with sessions() as s:
        case_id = s.scalar(select(Case.id).where(Case.code == code))
        return s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq.desc())).first()


@pytest.fixture
def case(world):
    return world.new_case()


def test_files_on_an_answer_are_in_its_chained_event(world, service, sessions, case, container):
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Đã sửa"},
                 uploads=[Upload("cầu.jpg", jpeg_with_gps()), Upload("biên bản.pdf", pdf())])
    event = last_event(sessions, case.code)
    entries = event.data[FILES_KEY]
    assert [e["type"] for e in entries] == ["image/jpeg", "application/pdf"]
    files = list_files(service, world["off_a"], case.code)
    assert [(f.sha256, f.size, f.media_type) for f in files] == [(e["sha256"], e["size"], e["type"]) for e in entries]
    assert all(f.seq == event.seq for f in files)
    body = read_file(service, world["lead_a"], case.code, files[1].id)
    assert body.data == pdf() and body.media_type == "application/pdf"
    with sessions() as s:
        assert list(verify_all(s)) == []
        assert [f.status for f in verify_files(s, container.files.store)] == [OK, OK]


def test_files_at_intake_and_on_a_remark(world, service, sessions):
    snap = service.create(world["off_a"], NewCase(workflow="nghe-dan-noi", unit="A1", topic="giao_thong",
                                                  kind="phan_anh", content="Cầu gãy", files=(Upload("a.png", png()),)))
    service.remark(world["aud_p"], snap.code, "Đề nghị bổ sung ảnh", uploads=[Upload("b.jpg", jpeg_with_gps())])
    files = list_files(service, world["aud_p"], snap.code)
    assert [(f.seq, f.media_type, f.added_by) for f in files] == [(1, "image/png", "off_a"), (2, "image/jpeg", "aud_p")]


def test_a_refused_step_stores_nothing(world, service, sessions, case, container):
    before = rows(sessions, CaseEvent)
    with pytest.raises(OutOfScope):  # another commune's case
        service.fire(world["off_b"], case.code, "answer_on_site", {"answer": "x"}, uploads=[Upload("a.png", png())])
    with pytest.raises(StaleVersion):
        service.remark(world["off_a"], case.code, "x", expected_version=case.version + 5,
                       uploads=[Upload("a.png", png())])
    with pytest.raises(InvalidField):  # one bad file refuses the step, the good one is not stored either
        service.remark(world["off_a"], case.code, "x", uploads=[Upload("a.png", png()), Upload("b.svg", b"<svg/>")])
    with pytest.raises(RoleNotAllowed):
        service.fire(world["aud_p"], case.code, "answer_on_site", {"answer": "x"}, uploads=[Upload("a.png", png())])
    assert blobs(container) == [] and rows(sessions, Attachment) == 0 and rows(sessions, CaseEvent) == before


def test_an_interrupted_step_leaves_an_orphan_blob_that_gc_removes(world, service, sessions, case, container, clock):
    def crash(uow):
        service.remark_within(uow, world["off_a"], case.code, "ảnh", uploads=[Upload("a.png", png())])
        uow.session.flush()
        raise RuntimeError("the process died before the commit")

    with pytest.raises(RuntimeError):
        service.within(crash)
    assert rows(sessions, Attachment) == 0 and len(blobs(container)) == 2  # the file and its thumbnail
    with sessions() as s:
        assert collect_garbage(s, container.files.store, clock.now()) == []  # within the grace period
    for key in blobs(container):  # written two days before the clock's now
        written = (clock.now() - timedelta(days=2)).timestamp()
        os.utime(container.files.store.path(key), (written, written))
    with sessions() as s:
        assert len(collect_garbage(s, container.files.store, clock.now())) == 2
    assert blobs(container) == []


def test_limits_per_step_and_per_case(world, service, container, case):
    small = FileBox(container.files.store, FileLimits(max_files_per_step=2, max_files_per_case=3,
                                                      max_case_bytes=10**9))
    service.files = small
    with pytest.raises(InvalidField, match="at most 2 files"):
        service.remark(world["off_a"], case.code, "x", uploads=[Upload(f"{i}.png", png((10 + i, 10))) for i in range(3)])
    service.remark(world["off_a"], case.code, "x", uploads=[Upload(f"{i}.png", png((10 + i, 10))) for i in range(2)])
    with pytest.raises(InvalidField, match="at most 3 files"):
        service.remark(world["off_a"], case.code, "x", uploads=[Upload(f"{i}.png", png((20 + i, 10))) for i in range(2)])
    service.files = FileBox(container.files.store, FileLimits(max_case_bytes=1))
    with pytest.raises(InvalidField, match="exceed"):
        service.remark(world["off_a"], case.code, "x", uploads=[Upload("z.png", png((30, 10)))])


def test_audit_verify_files_names_the_altered_and_the_missing_file(world, service, sessions, case, container, run,
                                                                   monkeypatch):
    service.remark(world["off_a"], case.code, "ảnh", uploads=[Upload("a.png", png()), Upload("b.pdf", pdf())])
    monkeypatch.setenv("NGHEDAN_FILES_DIR", str(container.files.store.root))
    ok = run("audit", "verify", "--files", lang="en")
    assert ok.exit_code == 0 and "OK: 2 files verified" in ok.output, ok.output
    image, document = list_files(service, world["off_a"], case.code)
    container.files.store.path(image.sha256).write_bytes(b"edited")
    container.files.store.path(document.sha256).unlink()
    with sessions() as s:
        assert [f.status for f in verify_files(s, container.files.store)] == [ALTERED, MISSING]
    broken = run("audit", "verify", "--files", "--all-breaks", lang="en")
    assert broken.exit_code == 1
    assert f"file {image.id} “a.png”" in broken.output and "altered" in broken.output
    assert f"file {document.id} “b.pdf”" in broken.output and "missing from the store" in broken.output


def test_a_row_pointing_at_other_bytes_is_caught(world, service, sessions, case, container):
    service.remark(world["off_a"], case.code, "ảnh", uploads=[Upload("a.png", png())])
    other = png((99, 99))
    container.files.store.put("f" * 64, other)
    with sessions.begin() as s:
        s.execute(update(Attachment).values(sha256="f" * 64))
    with sessions() as s:
        assert [f.status for f in verify_files(s, container.files.store)] == ["unchained"]


def test_a_legal_removal_keeps_the_hash_and_the_reason_and_the_chain_verifies(world, service, sessions, case,
                                                                              container, run, monkeypatch):
    service.remark(world["off_a"], case.code, "ảnh", uploads=[Upload("nhà.jpg", jpeg_with_gps())])
    (photo,) = list_files(service, world["off_a"], case.code)
    with pytest.raises(RoleNotAllowed):
        remove_file(service, world["lead_a"], case.code, photo.id, "Quyết định số 1")
    remove_file(service, world["admin"], case.code, photo.id, "Yêu cầu của người dân theo Luật BVDLCN")
    assert not container.files.store.exists(photo.sha256)
    (after,) = list_files(service, world["off_a"], case.code)
    assert after.sha256 == photo.sha256 and after.removed_reason == "Yêu cầu của người dân theo Luật BVDLCN"
    with pytest.raises(NotFound):
        read_file(service, world["off_a"], case.code, photo.id)
    event = last_event(sessions, case.code)
    assert event.trigger == "file_removed" and event.data["removed_file"]["sha256"] == photo.sha256
    with sessions() as s:
        assert list(verify_all(s)) == []
        assert [f.status for f in verify_files(s, container.files.store)] == [REMOVED]
    monkeypatch.setenv("NGHEDAN_FILES_DIR", str(container.files.store.root))
    result = run("audit", "verify", "--files", lang="en")
    assert result.exit_code == 0 and "deleted by decision" in result.output and "BROKEN" not in result.output


def test_a_denunciations_files_follow_its_authors_identity(world, service):
    snap = world.new_case(kind="to_cao", files=(Upload("a.png", png()),))
    assert len(list_files(service, world["lead_a"], snap.code)) == 1  # leaders of the handling unit
    for who in ("off_a", "aud_p", "admin"):
        assert list_files(service, world[who], snap.code) == []
    (f,) = list_files(service, world["lead_a"], snap.code)
    with pytest.raises(NotFound):
        read_file(service, world["off_a"], snap.code, f.id)
    with pytest.raises(OutOfScope):
        list_files(service, world["off_b"], snap.code)


def test_a_file_of_another_case_is_not_found_through_this_one(world, service, case):
    other = world.new_case(files=(Upload("a.png", png()),))
    (f,) = list_files(service, world["off_a"], other.code)
    with pytest.raises(NotFound):
        read_file(service, world["off_a"], case.code, f.id)


def test_the_fronts_export_lists_files_with_their_hashes_and_no_denouncers_file_name(world, service, sessions):
    from engine.reports.audit_export import iter_case_exports, select_case

    plain = world.new_case(files=(Upload("cầu.png", png()),))
    secret = world.new_case(kind="to_cao", files=(Upload("đơn của Nguyễn Văn A.pdf", pdf()),))
    with sessions() as s:
        (out,) = iter_case_exports(s, world["aud_p"], select_case(s, world["aud_p"], plain.code))
        (hidden,) = iter_case_exports(s, world["aud_p"], select_case(s, world["aud_p"], secret.code))
    (f,) = out["files"]
    assert f["name"] == "cầu.png" and f["sha256"] == out["events"][0]["data"][FILES_KEY][0]["sha256"]
    (g,) = hidden["files"]
    assert g["name"] is None and g["type"] == "application/pdf"
    assert "Nguyễn Văn A" not in str(hidden)


def test_files_on_an_escalation_and_a_verification(world, service, sessions, case):
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "Cần khảo sát"},
                 uploads=[Upload("hiện trạng.jpg", jpeg_with_gps())])
    service.fire(world["off_kt"], case.code, "answer", {"answer": "Đã sửa"}, uploads=[Upload("bb.pdf", pdf())])
    service.fire(world["lead_a"], case.code, "verify", {"satisfaction": "satisfied", "note": "ok"},
                 uploads=[Upload("sau khi sửa.png", png())])
    files = list_files(service, world["off_kt"], case.code)
    assert [(f.seq, f.media_type, f.added_by) for f in files] == [
        (2, "image/jpeg", "off_a"), (3, "application/pdf", "off_kt"), (4, "image/png", "lead_a")]
    with sessions() as s:
        assert list(verify_all(s)) == []


def test_the_command_line_removes_a_file_as_an_administrator_and_refuses_others(world, service, container, run,
                                                                                 monkeypatch):
    monkeypatch.setenv("NGHEDAN_FILES_DIR", str(container.files.store.root))
    snap = world.new_case(files=(Upload("nhà.jpg", jpeg_with_gps()),))
    (f,) = list_files(service, world["off_a"], snap.code)
    refused = run("files", "remove", snap.code, str(f.id), "--reason", "x", "--as", "off_a", lang="en")
    assert refused.exit_code == 2 and "admin" in refused.output
    done = run("files", "remove", snap.code, str(f.id), "--reason", "Quyết định 12/QĐ", "--as", "admin", lang="en")
    assert done.exit_code == 0, done.output
    (after,) = list_files(service, world["off_a"], snap.code)
    assert after.removed_reason == "Quyết định 12/QĐ" and not container.files.store.exists(f.sha256)
    again = run("files", "remove", snap.code, str(f.id), "--reason", "y", "--as", "admin", lang="en")
    assert again.exit_code == 2 and "already removed" in again.output


def test_removing_a_file_does_not_change_a_reports_overdue_figure(world, service, clock, workflows):
    from datetime import date

    from engine.actors import SYSTEM

    from .test_reports import build_october, report
    from .test_reports_support import at

    october = build_october(world, service, clock, workflows)
    clock.set(at(2026, 11, 24))
    period = (date(2026, 9, 1), date(2026, 11, 30))
    before = report(service, SYSTEM, *period).totals.still_overdue
    code = october.codes["c4"]  # received 30/09, due mid-October, untouched: overdue
    service.remark(SYSTEM, code, "ảnh hiện trạng", uploads=[Upload("a.png", png())])
    (f,) = list_files(service, SYSTEM, code)
    remove_file(service, world["admin"], code, f.id, "Yêu cầu của người dân")
    assert report(service, SYSTEM, *period).totals.still_overdue == before >= 1


def test_files_gc_on_the_command_line_keeps_what_cases_refer_to(world, service, container, run, monkeypatch, clock):
    monkeypatch.setenv("NGHEDAN_FILES_DIR", str(container.files.store.root))
    snap = world.new_case(files=(Upload("a.png", png()),))
    orphan = pdf(b"/Title (orphan)")
    container.files.store.put(sha256_of(orphan), orphan)  # bytes of a step that never committed
    old = (clock.now() - timedelta(days=3)).timestamp()
    for key in blobs(container):
        os.utime(container.files.store.path(key), (old, old))
    done = run("files", "gc", lang="en")
    assert done.exit_code == 0 and "removed 1 orphaned blobs" in done.output, done.output
    assert not container.files.store.exists(sha256_of(orphan))
    (f,) = list_files(service, world["off_a"], snap.code)
    assert container.files.store.exists(f.sha256)
