"""``python -m helpers.check [notebook]``: print the "Your turn" blocks (markdown) to paste."""

from __future__ import annotations

import sys

from . import exercises, markdown


def main(argv: list[str]) -> int:
    wanted = argv[0] if argv else ""
    found = exercises(wanted)
    if not found:
        print(f"No exercises for notebook {wanted!r}.", file=sys.stderr)
        return 1
    for item in found:
        print(f"<!-- {item.id} ({item.notebook}) -->\n{markdown(item.id)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
