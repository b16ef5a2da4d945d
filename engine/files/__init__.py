"""Evidence on cases: photos and documents on a case's steps, content-addressed in a
blob store (a folder, or an S3-compatible bucket), checked and cleaned before they
are kept, their hashes in the event that added them."""

from .box import FILES_KEY, GC_GRACE, FileBox, collect_garbage, record as record_files
from .checks import Checked, Upload, check_file, safe_name, sniff
from .limits import FileLimits
from .store import BlobMissing, BlobStore, FilesystemStore, blob_path, is_sha256, sha256_of

__all__ = ["FILES_KEY", "GC_GRACE", "FileBox", "collect_garbage", "record_files", "Checked", "Upload", "check_file",
           "safe_name", "sniff", "FileLimits", "BlobMissing", "BlobStore", "FilesystemStore", "blob_path", "is_sha256",
           "sha256_of"]
