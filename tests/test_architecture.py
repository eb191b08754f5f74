"""The layout's rule, kept by a test: no import cycles, and every import goes down a layer.

Read from the code's own imports (``ast``), lazy ones inside functions included: an import
that is only run later is still a dependency. Only imports under ``if TYPE_CHECKING:`` (type
hints) are left out. The layers are drawn in ``helpers/sandbox/__init__.py`` and each folder's
docstring; this test is where they are enforced.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELPERS = ROOT / "helpers"

# Leaves that both sides may use: constants, URL quoting, a file lock. They import nothing of ours.
LEAVES = ["helpers", "helpers.limits", "helpers.urls", "helpers.filelock"]

# The sandbox's server, lowest layer first. A module imports only its own layer or lower ones.
SERVER = [
    ["helpers.sandbox", "helpers.sandbox.shared*", *LEAVES],  # what server and clients share
    ["helpers.sandbox.state*"],  # SQLite
    ["helpers.sandbox.api*"],  # the protocol: request in, envelope out
    ["helpers.sandbox.resources*"],  # Stripe's objects and what they do
    ["helpers.sandbox.classroom*"],  # accounts in a room, the /_sandbox routes
    ["helpers.sandbox.pages*"],  # what a browser sees
    ["helpers.sandbox.server", "helpers.sandbox.logs"],  # the composition root, the process's log
    ["helpers.sandbox.client*"],  # (only the command line below may use the tutorial's client)
    ["helpers.sandbox.__main__"],  # the command line: serve, start, stop, reset, key
]

# The tutorial's side (the kernel and Jupyter), lowest layer first.
TUTORIAL = [
    ["helpers.sandbox", "helpers.sandbox.client", "helpers.sandbox.shared*", *LEAVES, "helpers.search_query",
     "helpers.status", "helpers.browser", "helpers.focus"],
    ["helpers.problems", "helpers.sandbox.client.process", "helpers.sandbox.client.keys"],
    ["helpers.settings"],
    ["helpers.explain", "helpers.client", "helpers.sandbox.client.control"],
    ["helpers.show", "helpers.progress", "helpers.autopilot", "helpers.dashboard",
     "helpers.sandbox.client.launcher", "helpers.room"],
    ["helpers.forms", "helpers.cleanup", "helpers.diagrams", "helpers.timeline", "helpers.checkout*",
     "helpers.check*"],
    ["helpers.explorer*"],  # notebook 10's API explorer: forms from stripe-python, any call, compared
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in HELPERS.rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """The modules of ours that ``name`` imports (``from x import y`` names module x.y if it is one)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names)
    return {target for target in found if target in MODULES and target != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def layer(name: str, ladder: list[list[str]]) -> int | None:
    return next((i for i, patterns in enumerate(ladder) if any(fnmatch.fnmatch(name, p) for p in patterns)), None)


def ladder_of(name: str) -> list[list[str]]:
    on_server = name.startswith("helpers.sandbox") and not name.startswith("helpers.sandbox.client")
    return SERVER if on_server else TUTORIAL


def cycles() -> list[list[str]]:
    """Strongly connected sets of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read():
    """The reader sees real edges (so the tests below cannot pass on an empty graph)."""
    assert "helpers.sandbox.state.database" in GRAPH["helpers.sandbox.api.pipeline"]
    assert "helpers.settings" in GRAPH["helpers.explain"]
    assert "helpers.sandbox.client.control" in GRAPH["helpers.sandbox.client.launcher"]  # a lazy import


def test_no_import_cycles():
    assert cycles() == []


def test_a_cycle_is_found_when_there_is_one(monkeypatch):
    monkeypatch.setitem(GRAPH, "helpers.sandbox.state.database", GRAPH["helpers.sandbox.state.database"] | {
        "helpers.sandbox.state.room"})
    assert any({"helpers.sandbox.state.database", "helpers.sandbox.state.room"} <= set(c) for c in cycles())


def test_every_module_has_a_layer():
    missing = [name for name in MODULES if layer(name, ladder_of(name)) is None]
    assert missing == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_down(name):
    ladder = ladder_of(name)
    own = layer(name, ladder)
    upward = [target for target in GRAPH[name] if (layer(target, ladder) if layer(target, ladder) is not None else 99) > own]
    assert upward == [], f"{name} (layer {own}) imports a higher layer or the other side: {upward}"


def test_the_tutorial_reaches_the_sandbox_only_as_a_client():
    """Outside ``helpers/sandbox``, only ``shared`` (constants, key rules) and ``client`` (start it,
    the learner's keys, its /_sandbox routes over HTTP) may be imported; never the server's code."""
    reaching_in = {
        name: sorted(t for t in GRAPH[name] if t.startswith("helpers.sandbox.")
                     and not t.startswith(("helpers.sandbox.shared", "helpers.sandbox.client")))
        for name in MODULES if not name.startswith("helpers.sandbox")
    }
    assert {name: targets for name, targets in reaching_in.items() if targets} == {}


def test_the_server_never_imports_the_tutorial():
    """The server's modules import the sandbox's own and the shared leaves only: no settings, no
    notebooks' helpers, no client (which is the tutorial's way in)."""
    outside = {
        name: sorted(t for t in GRAPH[name] if not t.startswith("helpers.sandbox") and t not in LEAVES
                     or t.startswith("helpers.sandbox.client"))
        for name in MODULES
        if name.startswith("helpers.sandbox") and not name.startswith(("helpers.sandbox.client", "helpers.sandbox.__main__"))
    }
    assert {name: targets for name, targets in outside.items() if targets} == {}


def test_shared_imports_nothing_of_ours():
    assert {name: sorted(GRAPH[name]) for name in MODULES
            if name.startswith("helpers.sandbox.shared") and GRAPH[name]} == {}


def test_every_folder_says_what_it_owns_and_may_import():
    """Each package of the sandbox opens with a docstring: what it owns, what it may import."""
    for package in sorted(p.parent for p in (HELPERS / "sandbox").rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
        assert len(doc) > 80 and "import" in doc, f"{package.relative_to(ROOT)}/__init__.py needs its docstring"


# --------------------------------------------------------------------------- the state's own rules (issue 19)

# The start of an SQL statement (keywords in capitals, as this code writes them).
SQL = re.compile(r"\s*(SELECT\s.*\sFROM\s|INSERT (OR \w+ )?INTO |UPDATE \w+ SET |DELETE FROM |"
                 r"(CREATE|DROP) (TABLE|INDEX|VIRTUAL TABLE|TRIGGER) |ALTER TABLE |PRAGMA |BEGIN|COMMIT|SAVEPOINT )",
                 re.DOTALL)


def sql_literals(name: str) -> list[str]:
    """The string literals of a module that start like an SQL statement (an f-string's
    constant parts joined)."""
    tree = ast.parse(MODULES[name].read_text())
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        else:
            continue
        if SQL.match(text):
            found.append(text)
    return found


def test_sqlite_and_sql_only_under_state():
    """The database is the state's alone: no other module of ours imports sqlite3, writes an SQL
    statement or reaches for a connection (``_connect``)."""
    outside = {}
    for name, path in MODULES.items():
        if name.startswith("helpers.sandbox.state"):
            continue
        tree = ast.parse(path.read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        connects = [node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "_connect"]
        problems = sorted({"sqlite3"} & imported) + sql_literals(name) + connects
        if problems:
            outside[name] = problems
    assert outside == {}


def test_sql_literals_are_seen():
    """The reader finds statements, plain and f-strings (so the test above cannot pass blind)."""
    assert any("INSERT INTO objects" in s for s in sql_literals("helpers.sandbox.state.account_store"))
    assert any("SELECT seq FROM objects WHERE account = ? AND type = '{}'" in s
               for s in sql_literals("helpers.sandbox.state.account_store"))


@pytest.mark.parametrize("name", ["helpers.sandbox.state.account_store", "helpers.sandbox.state.deliveries",
                                  "helpers.sandbox.state.room_activity"])
def test_every_statement_of_an_account_store_names_the_account(name):
    """What an account's store runs keeps to its account: each statement names ``account``
    (the only exception, a delete of search terms by ``seq``, which is unique across accounts)."""
    unscoped = [s for s in sql_literals(name) if "account" not in s and not s.startswith("DELETE FROM search_terms WHERE seq")]
    assert unscoped == []


def test_only_the_room_and_the_workers_reach_across_accounts():
    """``state.room`` is imported by the modules that must act across accounts: the accounts'
    lookup, the background workers, the pipeline that holds the room, the classroom (the
    trainer's steps, exercises and learners, its routes) and the command line's reset; nothing
    else."""
    allowed = {"helpers.sandbox.state.accounts", "helpers.sandbox.api.pipeline", "helpers.sandbox.resources.webhooks",
               "helpers.sandbox.resources.test_clocks", "helpers.sandbox.classroom.guide_steps",
               "helpers.sandbox.classroom.exercises", "helpers.sandbox.classroom.learners",
               "helpers.sandbox.classroom.control", "helpers.sandbox.__main__"}
    importers = {name for name, targets in GRAPH.items() if "helpers.sandbox.state.room" in targets}
    assert importers <= allowed, sorted(importers - allowed)
