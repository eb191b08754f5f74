"""The lock (issue 20.9): exact versions that every install gets, within pyproject.toml's ranges.

``requirements.lock.txt`` is written by ``make lock`` (uv's ``pip compile --universal``: one file
for every platform and Python 3.11+, with environment markers where they differ);
``make lab``/``make test`` (so ``.ci/run``) and ``environment.yml`` (conda, Binder) install it.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from support.make import dry_run

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock.txt"


def locked(text: str) -> list[Requirement]:
    """The lock's requirements, one per line (uv writes no continuation lines without hashes)."""
    lines = (line.partition("#")[0].strip() for line in text.splitlines())
    return [Requirement(line) for line in lines if line]


def pins_here(text: str) -> dict[str, str]:
    """What the lock pins on this platform and Python: name -> exact version."""
    pins = {}
    for requirement in locked(text):
        if requirement.marker is None or requirement.marker.evaluate():
            pins[canonicalize_name(requirement.name)] = str(requirement.specifier).removeprefix("==")
    return pins


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def out_of_range(text: str) -> list[str]:
    """pyproject.toml's requirements that the lock leaves out or pins outside their range."""
    pins = pins_here(text)
    wrong = []
    for requirement in project_requirements():
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None or not requirement.specifier.contains(pinned, prereleases=True):
            wrong.append(f"{requirement} (locked: {pinned})")
    return wrong


def test_every_line_of_the_lock_is_an_exact_version():
    requirements = locked(LOCK.read_text())
    assert len(requirements) > 100
    loose = [str(r) for r in requirements if len(r.specifier) != 1 or next(iter(r.specifier)).operator != "=="]
    assert not loose, loose


def test_the_lock_holds_every_dependency_of_pyproject_within_its_range():
    """A dependency added to pyproject.toml but not to the lock would be installed at whatever
    version is newest that day: `make lock` adds it."""
    assert not out_of_range(LOCK.read_text()), f"run `make lock`: {out_of_range(LOCK.read_text())}"


def test_a_stale_lock_is_caught():
    stale = LOCK.read_text().replace("\nstripe==", "\nstripe-was-renamed==")
    assert any(wrong.startswith("stripe") for wrong in out_of_range(stale))
    too_old = "".join(line if not line.startswith("starlette==") else "starlette==0.30.0\n"
                      for line in LOCK.read_text().splitlines(keepends=True))
    assert any("starlette" in wrong and "0.30.0" in wrong for wrong in out_of_range(too_old))


def test_this_environment_has_exactly_the_locked_versions():
    """What `make venv` installed is the lock (after a change to the lock, make reinstalls)."""
    differ = {}
    for name, version in pins_here(LOCK.read_text()).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            differ[name] = (version, installed)
    assert not differ, f"locked vs installed (run `make venv`): {differ}"


def test_make_installs_the_lock_and_reinstalls_when_it_changes():
    setup = dry_run("-B", "venv")
    assert "-r requirements.lock.txt -e '.[test]'" in setup
    makefile = (ROOT / "Makefile").read_text()
    stamp_rule = next(line for line in makefile.splitlines() if line.startswith("$(STAMP):"))
    assert "$(LOCK)" in stamp_rule and "LOCK := requirements.lock.txt" in makefile


def test_make_lock_compiles_for_every_platform_from_pyproject():
    commands = dry_run("lock")
    assert "uv pip compile pyproject.toml --extra test --universal --python-version 3.11" in commands
    assert "--upgrade" not in commands and "--upgrade" in dry_run("lock", "UPGRADE=1")
    assert "make lock" in LOCK.read_text().splitlines()[1]  # its header names the command


def test_environment_yml_takes_python_and_pip_from_conda_forge_and_the_rest_from_the_lock():
    text = (ROOT / "environment.yml").read_text()
    conda, _, pip = text.partition("dependencies:")[2].partition("- pip:")
    assert [line.strip() for line in conda.splitlines() if line.strip().startswith("- ")] == [
        "- python=3.11", "- pip"]
    assert [line.strip() for line in pip.splitlines() if line.strip()] == [
        "- -r requirements.lock.txt", "- -e ."]
    assert "conda-forge" in text
