"""Public tracking codes printed on a citizen's receipt, e.g. ``TVH-2026-7K3M9QX``.

Random, not sequential, so one receipt does not reveal its neighbours; Crockford's
base-32 alphabet leaves out I, L, O and U, which people misread on paper.
"""

from __future__ import annotations

import re
import secrets

__all__ = ["ALPHABET", "new_code", "normalise_code", "code_prefix"]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_CHARS = 7  # 35 bits: enumeration needs ~10^10 guesses per province-year

_MISREAD = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})
_SEPARATORS = re.compile(r"[\s.\-_/·]+")
_CODE = re.compile(r"^[A-Z0-9]{1,6}-\d{4}-[0-9A-Z]{7}$")


def code_prefix(unit_code: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9]", "", unit_code).upper()
    return cleaned[:4] or "ND"


def new_code(prefix: str, year: int) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return f"{prefix}-{year:04d}-{body}"


def normalise_code(text: str) -> str | None:
    """What a citizen typed, made comparable: case, spaces, dots and dashes (anywhere,
    or none at all) and misread letters forgiven. The code's last 7 characters are
    the random part and the 4 before them the year, so the separators are not needed
    to read it back."""
    compact = _SEPARATORS.sub("", text or "").upper()
    if len(compact) > 6 + 4 + RANDOM_CHARS:
        return None
    prefix, year, body = compact[:-11], compact[-11:-7].translate(_MISREAD), compact[-7:].translate(_MISREAD)
    code = f"{prefix}-{year}-{body}"
    return code if _CODE.match(code) else None
