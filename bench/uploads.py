"""Upload throughput: 1 MB photos attached through the case service (type check,
decode, re-encode without metadata, thumbnail, two content-addressed writes, the
event and the rows in one transaction) against writing the same bytes to disk
directly (one file each, fsynced and renamed into place, as the store does) — the
floor of keeping a file at all, on the same disk in the same run."""

from __future__ import annotations

import io
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image

from engine.files import FileBox, FileLimits, FilesystemStore, Upload
from engine.services.cases import NewCase

from .writes import _setup

__all__ = ["photo_of_about", "run_upload_benchmarks"]


def photo_of_about(size: int, seed: int) -> bytes:
    """A JPEG of about ``size`` bytes: noise compresses poorly, like a phone photo's detail."""
    rng = random.Random(seed)
    side = 600
    while True:
        image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=90)
        if out.tell() >= size:
            return out.getvalue()
        side += 100


def _direct(root: Path, photos: list[bytes]) -> float:
    start = time.perf_counter()
    for i, data in enumerate(photos):
        target = root / f"{i:06d}.jpg"
        tmp = target.with_suffix(".part")
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    fd = os.open(root, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    return time.perf_counter() - start


def run_upload_benchmarks(url: str, n: int, folder: Path) -> dict[str, Any]:
    photos = [photo_of_about(1_000_000, seed) for seed in range(n)]
    megabytes = sum(len(p) for p in photos) / 1e6
    engine, service, actor = _setup(url)
    try:
        service.files = FileBox(FilesystemStore(folder / "store"), FileLimits())
        code = service.create(actor, NewCase(workflow="nghe-dan-noi", unit="BX1", topic="giao_thong",
                                             kind="phan_anh", content="Cầu gãy")).code
        start = time.perf_counter()
        for i, data in enumerate(photos):
            service.remark(actor, code, f"ảnh {i}", uploads=[Upload(f"anh-{i}.jpg", data)])
        through_service = time.perf_counter() - start
    finally:
        engine.dispose()
    direct_dir = folder / "direct"
    direct_dir.mkdir()
    direct = _direct(direct_dir, photos)
    return {"name": "upload 1 MB photo", "photos": n, "megabytes": round(megabytes, 1),
            "per_second": n / through_service, "mb_per_second": megabytes / through_service,
            "baseline_per_second": n / direct, "baseline_mb_per_second": megabytes / direct,
            "ratio": direct / through_service, "baseline": "the same bytes written to disk directly (fsync, rename)"}


def print_uploads(row: dict[str, Any]) -> None:
    print(f"\n{row['name']}: {row['photos']} photos, {row['megabytes']} MB")
    print(f"  through the case service: {row['per_second']:.1f} photos/s ({row['mb_per_second']:.1f} MB/s)")
    print(f"  written to disk directly: {row['baseline_per_second']:.1f} photos/s "
          f"({row['baseline_mb_per_second']:.1f} MB/s); ratio {row['ratio']:.3f}")


if __name__ == "__main__":  # python -m bench.uploads: this benchmark alone
    count = int(os.environ.get("BENCH_UPLOADS") or 20)
    with tempfile.TemporaryDirectory() as tmp:
        print_uploads(run_upload_benchmarks(os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/up.db",
                                            count, Path(tmp)))
