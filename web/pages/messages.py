"""Where strings written beside the catalogue wait to be folded into it.

Every message of the pages is in the gettext catalogue (``engine/locale``, read by
``engine.catalogue.text``). A branch that could not edit the catalogue keeps its new
strings in ``web/pages/messages_<name>.py`` (``<NAME>_MESSAGES``: key → (vi, en)) and
adds ``**<NAME>_MESSAGES,`` below; after the merge, ``python -m scripts.catalogue_import
web/pages/messages_<name>.py`` folds it in and says what to delete. Nothing reads this
at runtime, and tests/test_catalogue.py fails while it is not empty.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
}
