"""Issues 12 and 18, Binder: what repo2docker reads from the repository as it is.

repo2docker (github.com/jupyterhub/repo2docker) builds from ``environment.yml`` (conda; a local
``-e .`` in its pip section makes it copy the repository first: buildpacks/conda
``_should_preassemble_env``), ``apt.txt`` (``apt-get install --yes --no-install-recommends`` as
root; ``#`` starts a comment: buildpacks/base.py) and ``postBuild`` (run as the notebook user
after the build, must be executable: docs/source/configuration/actions.md).

Its base image: ``buildpack-deps:24.04`` (Ubuntu 24.04) from release 2026.04.0 (app.py's
``base_image``; PR #1417; docs/source/howto/breaking_changes.md), ``buildpack-deps:jammy`` (22.04)
in 2025.12.0 and every release before; mybinder.org builds with a 2026.4 build (its values.yaml).
So apt.txt must hold on both. Ubuntu 24.04's 64-bit time_t transition renamed six of Chromium's
libraries (``…t64``); asked for an old name with one provider, apt-get installs the t64 one
("Note, selecting 'libcups2t64' instead of 'libcups2'", in the logs of microsoft/playwright#19100
and stitionai/devika#523), but ``libasound2`` has two providers there and is refused ("has no
installation candidate": cypress-io/cypress-documentation#5816, devcontainers/features#968)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def apt_packages() -> list[str]:
    lines = (ROOT / "apt.txt").read_text().splitlines()
    return [p for p in (line.partition("#")[0].strip() for line in lines) if p]


def test_apt_txt_holds_package_names_only_and_no_chromium_stub():
    packages = apt_packages()
    assert packages and all(re.fullmatch(r"[a-z0-9.+-]+", p) for p in packages), packages
    # Ubuntu's chromium packages are stubs that need snap (not in containers); browser.py
    # would find the stub on PATH before Playwright's Chromium.
    assert not {"chromium", "chromium-browser"} & set(packages)


# On 24.04 these old names are virtual packages with one provider each, their t64 library.
SELECTED_ON_24_04 = {"libatk-bridge2.0-0", "libatk1.0-0", "libatspi2.0-0", "libcups2", "libglib2.0-0"}
# Libraries that a package of the same name on both bases brings as a dependency.
PULLED_IN = {"libasound2": "alsa-utils", "libasound2t64": "alsa-utils"}


def chromiums_libraries(base: str) -> set[str]:
    """What Playwright's Chromium needs on ``base`` (``ubuntu22.04-x64``), from Playwright's own list."""
    import playwright

    bundle = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "coreBundle.js"
    text = bundle.read_text() if bundle.exists() else ""
    found = re.search(rf'"{re.escape(base)}":\s*\{{.*?chromium:\s*\[(.*?)\]', text, re.DOTALL)
    if not found:
        pytest.skip("this Playwright keeps its list of native dependencies elsewhere")
    return set(re.findall(r'"([^"]+)"', found.group(1)))


@pytest.mark.parametrize("base", ["ubuntu22.04-x64", "ubuntu24.04-x64"])
def test_apt_txt_has_the_libraries_playwrights_chromium_needs_on_both_bases(base):
    listed = set(apt_packages())
    missing = set()
    for package in chromiums_libraries(base):
        old_name = package.removesuffix("t64")
        covered = (package in listed or PULLED_IN.get(package) in listed
                   or (package.endswith("t64") and old_name in SELECTED_ON_24_04 and old_name in listed))
        if not covered:
            missing.add(package)
    assert not missing, f"apt.txt lacks, for {base}: {sorted(missing)}"


def test_apt_txt_names_nothing_that_only_one_base_has():
    """``…t64`` names exist on 24.04 only; ``libasound2`` cannot be installed by name there."""
    assert not [p for p in apt_packages() if p.endswith("t64") or p == "libasound2"]


def test_apt_txt_installs_here_where_apt_knows_the_packages():
    """A dry run of repo2docker's own command on this machine (Debian 12 has 22.04's names)."""
    if not shutil.which("apt-get"):
        pytest.skip("no apt-get on this machine")
    policy = subprocess.run(["apt-cache", "policy", "libc6"], capture_output=True, text=True).stdout
    if "Candidate:" not in policy or "Candidate: (none)" in policy:
        pytest.skip("apt has no package lists here (apt-get update)")
    run = subprocess.run(["apt-get", "-s", "install", "--yes", "--no-install-recommends", *apt_packages()],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]


def test_post_build_installs_playwrights_chromium():
    script = ROOT / "postBuild"
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text
    assert "python -m playwright install chromium" in text


def test_environment_yml_installs_the_package_with_its_launcher_entries():
    text = (ROOT / "environment.yml").read_text()
    pip = text.split("- pip:", 1)[1]
    assert "- -e ." in pip and "- -r requirements.lock.txt" in pip
    assert "jupyter-server-proxy==" in (ROOT / "requirements.lock.txt").read_text()


def test_the_launcher_entries_are_registered_for_jupyter_server_proxy():
    from importlib.metadata import entry_points

    found = {e.name: e.load()() for e in entry_points(group="jupyter_serverproxy_servers")
             if e.value.startswith("helpers.")}
    assert set(found) == {"stripe-sandbox", "stripe-dashboard"}
    for config in found.values():
        assert "{port}" in config["command"] and Path(config["launcher_entry"]["icon_path"]).exists()
