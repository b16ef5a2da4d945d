"""The blob stores behind ``engine.files``: the folder on a temporary directory, and
the S3 backend against moto's standalone S3 server, a real process speaking the S3
protocol on 127.0.0.1 (a free port), started here and stopped after."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from engine.files import BlobMissing, FilesystemStore, Upload, sha256_of
from engine.files.access import list_files, read_file
from engine.files.s3 import S3Store
from engine.files.verify import ALTERED, MISSING, OK, verify_files
from web.container import build_container
from web.settings import Settings

from .files_support import pdf, png
from .world import build_world


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def aws_env(monkeypatch) -> None:
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _bucket(endpoint: str, name: str):  # type: ignore[no-untyped-def]
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    return client


@pytest.fixture(params=["filesystem", "s3"])
def store(request, tmp_path, aws_env):  # type: ignore[no-untyped-def]
    if request.param == "filesystem":
        return FilesystemStore(tmp_path / "blobs")
    endpoint = request.getfixturevalue("s3_endpoint")
    name = f"b{time.monotonic_ns()}"
    return S3Store(_bucket(endpoint, name), name)


def test_put_get_exists_delete_and_keys(store):
    data = png()
    key = sha256_of(data)
    assert not store.exists(key)
    with pytest.raises(BlobMissing):
        store.get(key)
    store.put(key, data)
    store.put(key, data)  # idempotent
    assert store.exists(key) and store.get(key) == data
    assert [k for k, _ in store.keys()] == [key]
    store.delete(key)
    assert not store.exists(key) and list(store.keys()) == []
    with pytest.raises(ValueError):
        store.put("../../etc/passwd", data)


def test_a_case_with_files_on_an_s3_bucket_end_to_end(db_url, clock, s3_endpoint, aws_env, tmp_path):
    _bucket(s3_endpoint, "nghedan-test")
    settings = Settings(database_url=db_url, environment="test", files_backend="s3", files_s3_bucket="nghedan-test",
                        files_s3_endpoint=s3_endpoint)
    c = build_container(settings, clock=clock)
    try:
        assert isinstance(c.files.store, S3Store)
        world = build_world(c.cases)
        snap = world.new_case(files=(Upload("a.png", png()),))
        c.cases.remark(world["off_a"], snap.code, "biên bản", uploads=[Upload("b.pdf", pdf())])
        image, document = list_files(c.cases, world["off_a"], snap.code)
        assert read_file(c.cases, world["lead_a"], snap.code, document.id).data == pdf()
        with c.sessions() as s:
            assert [f.status for f in verify_files(s, c.files.store)] == [OK, OK]
        c.files.store.client.put_object(Bucket="nghedan-test", Key=c.files.store._key(image.sha256), Body=b"edited")
        c.files.store.delete(document.sha256)
        with c.sessions() as s:
            assert [f.status for f in verify_files(s, c.files.store)] == [ALTERED, MISSING]
    finally:
        c.close()

