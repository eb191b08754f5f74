"""What the repository promises besides code: clean notebooks, no keys (the dependency set: test_lock.py)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# Team rule: no key-shaped string anywhere in the repository, not even Stripe's published sample
# keys (tests build such strings at run time). The sandbox's demo keys (`sk_test_sandbox`) are short.
KEY = re.compile(r"(?:(?:sk|rk|pk)_(?:test|live)_|whsec_)[A-Za-z0-9]{16,}")
# Client secrets and Dashboard sign-in tokens of the run's sandbox: `make notebooks` redacts them.
RUN_SECRET = re.compile(r"_secret_(?!REDACTED\b)[A-Za-z0-9]+|#token=(?!REDACTED\.REDACTED\b)[A-Za-z0-9_-]+\.")
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:home|root|Users|tmp|work|var/folders)/[\w.-]+")


def test_there_are_ten_ordered_notebooks_and_the_explorer():
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{i:02d}_" for i in range(11)]
    assert NOTEBOOKS[-1].name == "10_explore.ipynb"


def _tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(  # noqa: S603, S607 - git on our own checkout
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files are unknown")
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_key_pattern_finds_keys_but_not_the_sandboxs_demo_keys():
    body = "A" * 8 + "b" * 8
    for prefix in ("sk_test_", "pk_live_", "rk_test_", "whsec_"):
        assert KEY.search(f'key = "{prefix}{body}"'), prefix
    assert not KEY.search("sk_test_sandbox pk_test_sandbox sk_test_… whsec_…")


def test_no_tracked_file_holds_a_key():
    files = _tracked_files()
    assert ROOT / "tests" / "project" / "test_repository.py" in files
    found = {}
    for path in files:
        if not path.is_file():
            continue  # deleted in the work tree, not yet committed
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary
        keys = KEY.findall(data.decode("utf-8", errors="replace"))
        if keys:
            found[str(path.relative_to(ROOT))] = sorted(set(keys))
    assert not found, f"key-shaped text (build it at run time, or write `sk_test_…`): {found}"


def test_no_notebook_holds_a_run_secret_or_a_machine_path():
    for path in NOTEBOOKS:
        text = path.read_text()
        secrets = RUN_SECRET.findall(text)
        assert not secrets, f"{path.name} holds a client secret or sign-in token: run `make notebooks`"
        assert not MACHINE_PATH.search(text), f"{path.name} holds a path of this machine"


def test_no_committed_output_holds_a_sign_in_link():
    """Review of issue 16.15: the plain-text form of a Dashboard link kept `#token=REDACTED…`, a
    sign-in link a reader could mistake for their own (JupyterLab shows only the HTML)."""
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        linked = [i for i, c in enumerate(cells) if "#token=" in json.dumps(c.get("outputs", []))]
        assert not linked, f"{path.name}: cells {linked} show a sign-in link (make notebooks)"


def test_notebooks_are_committed_executed():
    for path in NOTEBOOKS:
        cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        unrun = [i for i, c in enumerate(cells) if c["execution_count"] is None]
        assert not unrun, f"{path.name}: code cells {unrun} were not executed (make notebooks)"


def _notebooks_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("notebooks_script", ROOT / "tests" / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_opening_a_notebook_changes_nothing():
    """Issue 9.14: JupyterLab rewrote the kernelspec's display name on open, marking it modified."""
    wanted = _notebooks_script().kernelspec()
    for path in NOTEBOOKS:
        assert json.loads(path.read_text())["metadata"]["kernelspec"] == wanted, path.name


def test_notebooks_are_as_make_notebooks_saved_them():
    script = _notebooks_script()
    for path in NOTEBOOKS:
        assert script.pristine(path.read_text()), f"{path.name}: run make notebooks"


def test_a_notebook_used_in_jupyterlab_is_checked_in_its_committed_version(tmp_path):
    """Issue 9.14: `make test` failed after a learner changed an amount in `make lab` (autosaved)."""
    script = _notebooks_script()
    original = (ROOT / "notebooks" / "01_product_and_price.ipynb").read_text()
    used = json.loads(original)
    code = next(c for c in used["cells"] if c["cell_type"] == "code" and c.get("outputs"))
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["a learner's run\n"]}]
    copy = tmp_path / "01_product_and_price.ipynb"
    copy.write_text(json.dumps(used))
    text, note = script.to_check(copy, head=original)
    assert text == original and "checking its committed version" in note and "git checkout" in note
    assert script.to_check(ROOT / "notebooks" / "01_product_and_price.ipynb") == (original, None)
    try:
        script.to_check(copy, head=json.dumps(used))
    except SystemExit as stop:
        assert "make notebooks" in str(stop)
    else:
        raise AssertionError("a changed notebook without a clean committed version must stop the check")


def test_learner_cells_carry_no_nbval_comments():
    """Issue 9.16: `# NBVAL_IGNORE_OUTPUT` was visible in learner cells; nbval's cell tags say it."""
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        for cell in cells:
            assert "NBVAL" not in "".join(cell["source"]), path.name
        tagged = [c for c in cells if "nbval-ignore-output" in c.get("metadata", {}).get("tags", [])]
        forms = [c for c in cells if "Form(" in "".join(c["source"]) and c["cell_type"] == "code"]
        assert all(c in tagged for c in forms), path.name


def _german_titles() -> dict[str, str]:
    """Notebook number -> the guide step's German title in its heading (``# 01 · … — *Title*``)."""
    titles = {}
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        heading = "".join(cells[0]["source"]).splitlines()[0]
        if found := re.search(r" — \*(.+)\*$", heading):
            titles[path.name[:2]] = found.group(1)
    return titles


def test_every_named_step_of_the_guide_carries_its_german_title():
    """The guide's steps 01–05 by their German titles, the same words everywhere they are named."""
    from helpers.sandbox.classroom import guide_steps

    titles = _german_titles()
    assert sorted(titles) == ["01", "02", "03", "04", "05"]
    plan = (ROOT / "TRAINING.md").read_text().split("## Session plan", 1)[1].split("\n## ", 1)[0]
    for number, german in titles.items():
        row = next(line for line in plan.splitlines() if line.startswith("| ") and f"| {number} " in line)
        assert f"*{german}*" in row, f"TRAINING.md's session plan: {number} lacks *{german}*"
    guide = [step for step in guide_steps.STEPS if not step.german.startswith("(")]
    assert {step.german for step in guide} == set(titles.values())
    readme = (ROOT / "helpers" / "sandbox" / "README.md").read_text().splitlines()
    for step in guide:
        row = next(line for line in readme if line.startswith(f"| {step.title} "))
        assert f"(*{step.german}*)" in row, f"helpers/sandbox/README.md: {step.title} lacks *{step.german}*"


def _sanitize_rules() -> list[tuple[re.Pattern, str]]:
    """nbval_sanitize.cfg's rules, in order, as nbval applies them."""
    lines = (ROOT / "tests" / "nbval_sanitize.cfg").read_text().splitlines()
    rules = []
    for here, line in enumerate(lines):
        if line.startswith("regex: "):
            replacement = lines[here + 1]
            assert replacement.startswith("replace: "), line
            rules.append((re.compile(line.removeprefix("regex: ")), replacement.removeprefix("replace: ")))
    return rules


def _sanitized(text: str) -> str:
    for pattern, replacement in _sanitize_rules():
        text = pattern.sub(replacement, text)
    return text


def test_published_outputs_still_compare_with_a_fresh_run():
    """Issue 16.15: committed outputs lose their links to the build run's servers; nbval applies the
    same rules first, so a fresh run (with live links on other ports) compares equal."""
    script = _notebooks_script()
    assert [(p.pattern, r) for p, r in script.PUBLISHED] == [
        (p.pattern, r) for p, r in _sanitize_rules()[:len(script.PUBLISHED)]]
    fresh = [
        '<a href="http://127.0.0.1:54969/dashboard/login#token=abc.def&next=seti_1" target="_blank" '
        'rel="noopener">seti_1 in your Dashboard ↗</a> <small>(signs in as you: do not share it)</small>',
        "sandbox: http://127.0.0.1:54969 answered; Stripe.js: http://localhost:4242/js/stripe.js",
        "Waiting for the customer to come back to your return_url (http://127.0.0.1:38139/complete).",
    ]
    for text in fresh:
        published = script._rewrite(script.redact(text), script.PUBLISHED)
        assert "http://" not in published and "<a " not in published
        assert _sanitized(published) == _sanitized(text.replace("54969", "1234").replace("38139", "9"))


def test_outputs_that_only_a_learner_can_have_are_not_committed():
    """Issue 16.15: "✘ Not yet" under every check cell, 09's "Progress … cleared" and a Dashboard
    sign-in link were seen before anything ran, and read as the learner's own."""
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code":
                continue
            state = (source.startswith("check.exercise(") or "progress.reset()" in source
                     or source.strip().endswith("dashboard.open()"))
            tags = cell.get("metadata", {}).get("tags", [])
            assert state == ("learner-state" in tags), (path.name, source[:60])
            if state:
                assert cell["outputs"] == [] and "nbval-ignore-output" in tags, (path.name, source[:60])
            text = json.dumps(cell["outputs"])
            assert not re.search(r"https?://(127\.0\.0\.1|localhost):", text), (path.name, source[:60])
            assert "✘ Not yet" not in text and "✘ not yet" not in text, (path.name, source[:60])
