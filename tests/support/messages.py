"""Our one-line messages read back as text: the colour codes removed, and the lines
helpers.problems.one_line wrapped (between words, for JupyterLab) joined again."""

from __future__ import annotations

import re

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def said(shown: str) -> str:
    return ANSI.sub("", shown).replace("\n  ", " ")
