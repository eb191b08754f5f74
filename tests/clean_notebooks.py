"""``make clean-notebooks``: copies of the notebooks with the explanations stripped, for learners
who want to predict what each cell does before they read about it (fastbook's "clean" notebooks).

Code cells stay, without outputs. Markdown keeps its headings only, except "Your turn" cells,
which keep their task, and "Recall" cells, which keep their questions (solutions and answers in
``<details>`` removed). The copies go to
``build/clean-notebooks/`` (git-ignored); the notebooks themselves are not touched.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "build" / "clean-notebooks"
HEADING = re.compile(r"^#{1,6} ")
YOUR_TURN = re.compile(r"^#{1,6} .*(your turn|recall)", re.IGNORECASE | re.MULTILINE)
DETAILS = re.compile(r"<details>.*?</details>\s*", re.DOTALL | re.IGNORECASE)
NOTE = ("*A clean copy: the explanations are stripped. Predict what each cell will do, run it, "
        "then compare with the full notebook in `notebooks/`.*")


def clean(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with outputs cleared and markdown reduced to headings and exercises."""
    cells = []
    for original in notebook.cells:
        cell = original
        if cell.cell_type == "code":
            cell = nbformat.v4.new_code_cell(cell.source, metadata=cell.metadata)
        elif cell.cell_type == "markdown":
            if YOUR_TURN.search(cell.source):
                text = DETAILS.sub("", cell.source).strip()
            else:
                text = "\n".join(line for line in cell.source.splitlines() if HEADING.match(line))
            if not text:
                continue
            cell = nbformat.v4.new_markdown_cell(text, metadata=cell.metadata)
        if "id" in original:
            cell.id = original.id  # the same cell in both copies
        cells.append(cell)
    if cells and cells[0].cell_type == "markdown":
        cells[0].source += "\n\n" + NOTE
    cleaned = nbformat.v4.new_notebook(cells=cells, metadata=notebook.metadata)
    cleaned.metadata.pop("widgets", None)
    return cleaned


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nbformat.write(clean(nbformat.read(path, as_version=4)), TARGET / path.name)
    print(f"Clean copies in {TARGET.relative_to(ROOT)}/ (the notebooks in notebooks/ are unchanged).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
