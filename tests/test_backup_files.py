"""``nghedan backup`` / ``restore`` carry the attached files of a folder store, and a
restore names every file the database refers to that the store lacks."""

from __future__ import annotations

import shutil

import pytest

from engine.files import Upload
from engine.files.access import list_files

from .files_support import pdf, png


@pytest.fixture
def files_env(container, monkeypatch):
    monkeypatch.setenv("NGHEDAN_FILES_DIR", str(container.files.store.root))
    return container.files.store


def test_backup_and_restore_bring_the_files_back(run, world, service, files_env, tmp_path):
    snap = world.new_case(files=(Upload("a.png", png()), Upload("b.pdf", pdf())))
    dest = tmp_path / "nghedan.backup"
    done = run("backup", str(dest), lang="en")
    assert done.exit_code == 0, done.output
    assert "attached files:" in done.output and "(+3)" in done.output  # two files and a thumbnail
    shutil.rmtree(files_env.root)  # the disk with the files is lost
    done = run("restore", str(dest), "--yes", lang="en")
    assert done.exit_code == 0, done.output
    assert "attached files: all present (+3)" in done.output
    for f in list_files(service, world["off_a"], snap.code):
        assert files_env.exists(f.sha256)
    assert run("audit", "verify", "--files", lang="en").exit_code == 0


def test_a_restore_names_the_files_it_cannot_find(run, world, service, files_env, tmp_path):
    snap = world.new_case(files=(Upload("b.pdf", pdf()),))
    dest = tmp_path / "nghedan.backup"
    assert run("backup", str(dest)).exit_code == 0
    shutil.rmtree(tmp_path / "nghedan.backup.files")  # a backup whose files were not kept
    shutil.rmtree(files_env.root)
    done = run("restore", str(dest), "--yes", lang="en")
    (f,) = list_files(service, world["off_a"], snap.code)
    assert done.exit_code == 1 and f"MISSING file sha256 {f.sha256}" in done.output
