"""The README's first screen and the links between the documents (issue 20.6)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", ROOT / "TRAINING.md", *sorted((ROOT / "docs").glob("*.md")),
             ROOT / "benchmarks" / "README.md", ROOT / "helpers" / "sandbox" / "README.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FIRST_SCREEN = 2000  # characters: what a code host shows before one scrolls, about 35 lines


def slug(heading: str) -> str:
    """The anchor a code host gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)  # no headings in code blocks
    return {slug(line.lstrip("#")) for line in text.splitlines() if re.match(r"#{1,6} ", line)}


def broken_links(path: Path) -> list[str]:
    broken = []
    for target in LINK.findall(path.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:: not this repository's
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        if not linked.exists():
            broken.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(target)
    return broken


def test_the_first_screen_says_what_this_is_the_two_commands_and_what_comes_next():
    readme = (ROOT / "README.md").read_text()
    first = readme[:FIRST_SCREEN]
    assert "Set up a subscription with Amazon Pay" in first and "no internet" in first.lower()
    assert "make lab " in first and "make test " in first
    assert "## What you see next" in first and "00_start_here" in first
    next_step = first.split("## What you see next", 1)[1]
    assert "docs/install.md" in next_step and "docs/troubleshooting.md" in next_step
    # what the first screen used to mix into the commands lives in docs/install.md now
    for detail in ("CHROMIUM_PATH", "12111", "brew install", "repo2docker"):
        assert detail not in first, detail


def test_everything_moved_out_of_the_readme_is_linked_from_it():
    readme = (ROOT / "README.md").read_text()
    for document in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{document.name}" in readme, document.name


def test_the_slug_of_a_heading_is_the_code_hosts_anchor():
    assert slug("Glossary: the German guide's words") == "glossary-the-german-guides-words"
    assert slug("The lock: exact versions") == "the-lock-exact-versions"


def test_every_link_between_the_documents_resolves():
    found = {path.relative_to(ROOT).as_posix(): broken_links(path) for path in DOCUMENTS}
    assert not {name: links for name, links in found.items() if links}


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "a.md").write_text("# A title\n[ok](#a-title) [gone](b.md) [no anchor](#nowhere)\n")
    assert broken_links(tmp_path / "a.md") == ["b.md", "#nowhere"]
