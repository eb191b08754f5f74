"""Text that people type and others read (a display name, a sticky note, an error's one line):
what it may hold. Standard library only, so that the learner's kernel cleans what it sends
the way the sandbox checks it.

Invisible characters are refused in names and removed from other text: control characters,
format characters (Unicode category Cf: the bidirectional overrides and isolates that can turn
"Ada" into something that reads backwards, zero-width spaces and joiners, the byte order mark)
and line or paragraph separators.
"""

from __future__ import annotations

import unicodedata

NAME_LIMIT = 60


def invisible(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def one_line(text: str, limit: int) -> str:
    """``text`` without invisible characters, its whitespace runs as one space, at most
    ``limit`` characters (an ellipsis marks a cut)."""
    kept = (" " if c.isspace() else c for c in str(text) if c.isspace() or not invisible(c))
    visible = " ".join("".join(kept).split())
    return visible if len(visible) <= limit else visible[: limit - 1] + "…"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a display name (None: it can), after NFC normalization."""
    if any(invisible(c) for c in name):
        return ("A display name cannot hold invisible characters (control characters, bidirectional "
                "overrides, zero-width spaces or joiners).")
    if not 1 <= len(name) <= NAME_LIMIT:
        return f"A display name has 1 to {NAME_LIMIT} characters."
    return None


def display_name(raw: str) -> str:
    """``raw`` as it is stored: NFC, its whitespace runs as one space."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def same_name_key(name: str) -> str:
    """What two display names share when a reader cannot tell them apart (case, width, accents
    composed or not): NFKC, case-folded."""
    return unicodedata.normalize("NFKC", name).casefold()
