"""How much a step, a case and one file may carry; the web layer fills it from settings."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FileLimits"]


@dataclass(frozen=True)
class FileLimits:
    max_file_bytes: int = 10 * 1024 * 1024
    max_files_per_step: int = 10
    max_files_per_case: int = 50
    max_case_bytes: int = 100 * 1024 * 1024
    # Checked from the header before any pixel is decoded: 40 megapixels is more than
    # any phone camera, and decoding it takes ~160 MB of memory at most.
    max_pixels: int = 40_000_000
    thumb_px: int = 320

    @property
    def max_step_bytes(self) -> int:
        """The largest body a step with files may send (the web layers refuse more unread)."""
        return self.max_file_bytes * self.max_files_per_step + 1024 * 1024
