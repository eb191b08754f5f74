"""Issue 12, Binder: what repo2docker reads from the repository as it is.

repo2docker (github.com/jupyterhub/repo2docker) builds from ``environment.yml`` (conda; a local
``-e .`` in its pip section makes it copy the repository first: buildpacks/conda
``_should_preassemble_env``), ``apt.txt`` (apt-get as root, on Ubuntu 24.04 since 2026.1:
docs/source/configuration/system.md; ``#`` starts a comment: buildpacks/base.py) and
``postBuild`` (run as the notebook user after the build, must be executable:
docs/source/configuration/actions.md)."""

from __future__ import annotations

import os
import re
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


def test_apt_txt_has_the_libraries_playwrights_chromium_needs_on_ubuntu_24_04():
    import playwright

    bundle = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "coreBundle.js"
    text = bundle.read_text() if bundle.exists() else ""
    found = re.search(r'"ubuntu24\.04-x64":\s*\{.*?chromium:\s*\[(.*?)\]', text, re.DOTALL)
    if not found:
        pytest.skip("this Playwright keeps its list of native dependencies elsewhere")
    needed = set(re.findall(r'"([^"]+)"', found.group(1)))
    assert needed and needed <= set(apt_packages()), needed - set(apt_packages())


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
