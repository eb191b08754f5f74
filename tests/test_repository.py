"""What the repository promises besides code: clean notebooks and one dependency set."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# The only keys a notebook may show: the guide's own published sample keys.
GUIDE_SAMPLE_KEYS = {"sk_test_BQokikJOvBiI2HlWgH4olfQ2", "pk_test_TYooMQauvdEDq54NiTphI7jx"}
KEY = re.compile(r"\b(?:(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{10,})")
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:home|root|Users|tmp|work|var/folders)/[\w.-]+")


def test_there_are_eight_ordered_notebooks():
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{i:02d}_" for i in range(8)]


def test_no_notebook_holds_a_key_or_a_machine_path():
    for path in NOTEBOOKS:
        text = path.read_text()
        keys = set(KEY.findall(text)) - GUIDE_SAMPLE_KEYS
        assert not keys, f"{path.name} holds key-shaped text: {sorted(keys)}"
        assert not MACHINE_PATH.search(text), f"{path.name} holds a path of this machine"


def test_notebooks_are_committed_executed():
    for path in NOTEBOOKS:
        cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        unrun = [i for i, c in enumerate(cells) if c["execution_count"] is None]
        assert not unrun, f"{path.name}: code cells {unrun} were not executed (make notebooks)"


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_has_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    text = (ROOT / "environment.yml").read_text()
    block = text.split("dependencies:", 1)[1]
    conda = {
        _name(line.strip()[2:]) for line in block.splitlines()
        if line.startswith("  - ") and not line.strip().startswith(("- python=", "- pip"))
    }
    assert conda == wanted
