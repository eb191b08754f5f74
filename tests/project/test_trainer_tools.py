"""The trainer's tools: ``make preflight`` (tests/preflight.py) and ``make clean-notebooks``."""

from __future__ import annotations

import socket

import clean_notebooks
import nbformat
import preflight
import pytest

from helpers import autopilot


def test_ports_name_a_program_that_holds_the_sandbox_port(monkeypatch):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        monkeypatch.setenv("TUTORIAL_SANDBOX_PORT", str(holder.getsockname()[1]))
        with pytest.raises(preflight.Failed, match="is taken by another program"):
            preflight.ports()


def test_ports_accept_the_tutorials_own_sandbox(sandbox, monkeypatch):
    monkeypatch.setenv("TUTORIAL_SANDBOX_PORT", str(sandbox.port))
    assert "a tutorial sandbox is running there" in preflight.ports()


def test_a_default_port_held_by_another_program_is_no_failure(monkeypatch):
    """Learners' sandboxes then start on a free port (helpers.sandbox.process)."""
    from helpers.sandbox.client import process

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        monkeypatch.delenv("TUTORIAL_SANDBOX_PORT", raising=False)
        monkeypatch.setattr(process, "DEFAULT_PORT", holder.getsockname()[1])
        assert "start on a free port" in preflight.ports()


def test_preflight_fails_on_an_unreachable_room_with_what_to_tell_the_trainer(monkeypatch, tmp_path, capsys):
    from helpers.sandbox.client import process

    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    room = f"http://127.0.0.1:{process.free_port()}"
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", room)
    with pytest.raises(preflight.Failed) as failed:
        preflight.room()
    assert str(failed.value) == (f"The classroom sandbox at {room} does not answer: tell your trainer (no connection: "
                                 "it may have stopped, or TUTORIAL_SANDBOX_URL is wrong), then run make preflight again.")
    monkeypatch.setattr(preflight, "CHECKS", [("Python", preflight.python), ("Room", preflight.room)])
    assert preflight.main(["--quick"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("✘ Room") and lines[-1].startswith("Pre-flight: NOT ready")


def test_preflight_tells_a_learners_own_sandbox_from_the_room(sandbox, monkeypatch, tmp_path):
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", sandbox.url)
    with pytest.raises(preflight.Failed, match="not the room's .* tell your trainer"):
        preflight.room()


def test_preflight_checks_the_learners_account_in_the_room(monkeypatch, tmp_path):
    from support.classroom import classroom_sandbox

    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path / "learner"))
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / "none.env"))
    with classroom_sandbox(tmp_path) as (url, _):
        monkeypatch.setenv("TUTORIAL_SANDBOX_URL", url)
        assert preflight.room().startswith(f"the room's sandbox at {url} answers; your account there: acct_")


def test_a_notebook_that_fails_is_named_with_its_error(monkeypatch, tmp_path):
    broken = tmp_path / "99_broken.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print('fine')"),
        nbformat.v4.new_code_cell("raise RuntimeError('the sandbox is gone')"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}), broken)
    monkeypatch.setattr(preflight, "NOTEBOOKS", [broken])
    with pytest.raises(preflight.Failed, match=r"99_broken.ipynb stopped: RuntimeError: the sandbox is gone"):
        preflight.notebooks()


def test_quick_preflight_reports_each_check(capsys):
    status = preflight.main(["--quick"])
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[1] for line in lines[:-1]]
    assert names == ["Python", "Packages", "Chromium", "Ports", "Sandbox"]
    assert lines[-1].startswith("Pre-flight: ready" if status == 0 else "Pre-flight: NOT ready")
    assert all(line.startswith(("✔", "✘")) for line in lines[:-1])
    if autopilot.browser_available():
        assert lines[2].startswith("✔ Chromium"), lines[2]


def test_clean_copy_keeps_code_headings_and_tasks_without_solutions():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 05 · Subscription\n\n**You will learn** a lot."),
        nbformat.v4.new_markdown_cell("Only an explanation."),
        nbformat.v4.new_code_cell("subscription = create()", execution_count=3,
                                  outputs=[nbformat.v4.new_output("stream", text="active\n")]),
        nbformat.v4.new_markdown_cell("## Your turn: yearly\n\nPredict first.\n\n<details><summary>"
                                      "Solution</summary>\n\n```python\nanswer()\n```\n</details>\n"),
        nbformat.v4.new_markdown_cell("## Recall\n\n**1.** Why?\n\n<details><summary>Answer</summary>\n\n"
                                      "Because.\n\n</details>"),
        nbformat.v4.new_markdown_cell("## Key points\n\n* one\n* two"),
    ])
    cleaned = clean_notebooks.clean(notebook)
    sources = [cell.source for cell in cleaned.cells]
    assert sources[0].startswith("# 05 · Subscription\n\n*A clean copy")
    assert sources[1] == "subscription = create()"
    assert cleaned.cells[1].outputs == [] and cleaned.cells[1].execution_count is None
    assert sources[2] == "## Your turn: yearly\n\nPredict first."
    assert sources[3] == "## Recall\n\n**1.** Why?"  # the questions stay, as fastbook's do
    assert sources[4] == "## Key points"
    assert len(sources) == 5  # the explanation-only cell is gone
    assert [c.id for c in cleaned.cells] == [notebook.cells[i].id for i in (0, 2, 3, 4, 5)]
    nbformat.validate(cleaned)


def test_preflight_checks_the_room_named_in_dotenv(monkeypatch, tmp_path, capsys):
    """A room URL in .env is the notebooks' room (helpers.urls), so preflight checks it too."""
    from helpers.sandbox.client import process

    room = f"http://127.0.0.1:{process.free_port()}"
    (tmp_path / ".env").write_text(f"TUTORIAL_SANDBOX_URL={room}\n")
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / ".env"))
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("TUTORIAL_SANDBOX_URL", raising=False)
    monkeypatch.setattr(preflight, "CHECKS", [("Python", preflight.python), ("Room", preflight.room)])
    assert preflight.main(["--quick"]) == 1
    assert f"✘ Room       The classroom sandbox at {room} does not answer" in capsys.readouterr().out


def test_the_notebooks_preflight_runs_read_no_dotenv(monkeypatch, tmp_path):
    """They run on a fresh sandbox of their own, even when .env names the room's."""
    probe = tmp_path / "98_probe.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\nfrom helpers.urls import classroom_url\n"
        "assert os.environ['TUTORIAL_ENV_FILE'] == os.devnull and classroom_url() is None")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}), probe)
    monkeypatch.setattr(preflight, "NOTEBOOKS", [probe])
    assert preflight.notebooks().startswith("1 notebooks ran headless")
