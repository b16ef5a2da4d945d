"""The S3-compatible backend (AWS S3, MinIO, Ceph, Garage…), through boto3.

Downloads stream through the application rather than as presigned URLs: every file
is then served with the case's authorization checked at that moment and with the
same headers (attachment, nosniff, a CSP that runs nothing), and a link copied out
of a page is worth nothing to someone who cannot see the case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator

from .store import BlobMissing, is_sha256

__all__ = ["S3Store"]


class S3Store:
    def __init__(self, client: Any, bucket: str, prefix: str = "blobs/") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def _key(self, key: str) -> str:
        if not is_sha256(key):
            raise ValueError("not a SHA-256 key")
        return f"{self.prefix}{key[:2]}/{key}"

    def put(self, key: str, data: bytes) -> None:
        # A PUT is atomic in S3: the object appears whole or not at all. The checksum
        # makes the server refuse bytes damaged on the way.
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ChecksumAlgorithm="SHA256")

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            raise BlobMissing(key) from None
        return bytes(answer["Body"].read())

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as err:  # botocore's ClientError: 404 on HEAD has no typed exception
            if getattr(err, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self) -> Iterator[tuple[str, datetime]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                name = item["Key"].rsplit("/", 1)[-1]
                if is_sha256(name):
                    yield name, item["LastModified"]
