"""``make preflight``: is this machine ready for a training session? One line per check.

    python tests/preflight.py            # everything, the notebooks included (about a minute)
    python tests/preflight.py --quick    # without running the notebooks

Checks Python, the packages, Chromium (it is launched once), the ports the session uses, a fresh
sandbox's health, with ``TUTORIAL_SANDBOX_URL`` set the room's sandbox (it answers, it is a
classroom's, and this learner's account works there), and runs every notebook headless on a fresh
sandbox of its own (its own state directory and port, autopilot on), so the room's sandbox and
progress are never touched and the committed notebooks are not rewritten. Exit status 0 when
everything passed.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from run_notebooks import NOTEBOOKS, ROOT, kernels_in_a_fresh_tutorial  # noqa: E402

PACKAGES = ("stripe", "jupyterlab", "ipywidgets", "pandas", "matplotlib", "playwright", "nbclient")
JUPYTERLAB_PORT = 8888
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colours in a kernel's traceback


class Failed(Exception):
    """A check failed; the message says what to do."""


def python() -> str:
    if sys.version_info < (3, 11):  # noqa: UP036 - saying so is the point of this check
        raise Failed(f"Python {sys.version.split()[0]} is too old: install Python 3.11 or newer.")
    return f"Python {sys.version.split()[0]}"


def packages() -> str:
    missing = []
    for name in PACKAGES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise Failed(f"Missing {', '.join(missing)}: run `make venv` (or `pip install -e .`).")
    import stripe

    return f"stripe-python {stripe.VERSION} (API version {stripe.api_version}) and the rest"


def chromium() -> str:
    from playwright.async_api import async_playwright

    from helpers import autopilot

    if not autopilot.browser_available():
        raise Failed("No Chromium: `apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM_PATH, or "
                     "`.venv/bin/playwright install chromium`. The redirect step (04) needs one.")

    async def launch() -> str:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=autopilot.chromium_path(),
                                                       args=autopilot.LAUNCH_ARGS)
            version = browser.version
            await browser.close()
            return version

    try:
        with ThreadPoolExecutor(1) as pool:  # its own event loop, even if the caller runs one
            version = pool.submit(asyncio.run, launch()).result()
        return f"Chromium {version} ({autopilot.chromium_path() or 'Playwright’s own'})"
    except Exception as error:  # noqa: BLE001 - any launch failure is the answer
        raise Failed(f"Chromium does not start: {str(error).splitlines()[0]}") from None


def ports() -> str:
    from helpers.sandbox.client import process

    configured = os.environ.get("TUTORIAL_SANDBOX_PORT")
    port = int(configured or process.DEFAULT_PORT)
    url = f"http://{process.HOST}:{port}"
    if process.port_is_free(port):
        sandbox = f"sandbox port {port} free"
    elif process.health(url):
        sandbox = f"sandbox port {port}: a tutorial sandbox is running there"
    elif configured:
        raise Failed(f"Port {port} (TUTORIAL_SANDBOX_PORT) is taken by another program: stop it, or unset "
                     "TUTORIAL_SANDBOX_PORT and a free port is picked.")
    else:  # a learner's own sandbox then starts on a free port
        sandbox = f"sandbox port {port} taken by another program: sandboxes start on a free port"
    lab = "free" if process.port_is_free(JUPYTERLAB_PORT) else "taken (JupyterLab will pick the next one)"
    return f"{sandbox}; JupyterLab port {JUPYTERLAB_PORT} {lab}"


def sandbox() -> str:
    from helpers.sandbox.client import process

    with tempfile.TemporaryDirectory(prefix="preflight-") as state:
        started = time.perf_counter()
        proc = process.start(Path(state) / "sandbox.sqlite3")
        try:
            doc = process.health(proc.url) or {}
        finally:
            proc.stop()
    took = time.perf_counter() - started
    return f"a fresh sandbox answered /health in {took:.1f} s (API version {doc.get('api_version', '?')})"


def room() -> str:
    """The room's sandbox (``TUTORIAL_SANDBOX_URL``): it answers, it is a classroom's, and this
    learner's account works there. Each failure is one sentence that says what to tell the trainer."""
    from helpers.problems import Problem, sandbox_unreachable
    from helpers.sandbox.client import control, process
    from helpers.urls import classroom_url

    url = classroom_url()
    doc = process.health(url, timeout=3)
    if doc is None:
        raise Failed(sandbox_unreachable(then="run make preflight again"))
    if not doc.get("classroom"):
        raise Failed(f"{url} is a learner's own sandbox, not the room's (it was not started with --classroom): "
                     "tell your trainer that TUTORIAL_SANDBOX_URL names the wrong sandbox.")
    try:
        account = control.account()
    except (Problem, ValueError) as problem:
        raise Failed(f"The room's sandbox at {url} refused this learner's account ({problem}): tell your "
                     "trainer.") from None
    name = account.get("display_name") or "no name yet"
    return f"the room's sandbox at {url} answers; your account there: {account['id']} ({name})"


def notebooks() -> str:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    times = []
    with kernels_in_a_fresh_tutorial("preflight-"):
        os.environ["TUTORIAL_ENV_FILE"] = os.devnull  # nor the project's .env (its room URL, its keys)
        for path in NOTEBOOKS:
            started = time.perf_counter()
            notebook = nbformat.read(path, as_version=4)
            try:
                NotebookClient(notebook, timeout=120, kernel_name="python3",
                               resources={"metadata": {"path": str(path.parent)}},
                               ).execute(stderr=subprocess.DEVNULL)  # the kernels' own chatter
            except CellExecutionError as error:
                last = ANSI.sub("", str(error)).strip().splitlines()[-1]
                raise Failed(f"{path.name} stopped: {last}") from None
            times.append(f"{path.name[:2]} {time.perf_counter() - started:.0f} s")
    return f"{len(NOTEBOOKS)} notebooks ran headless ({', '.join(times)})"


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("Python", python),
    ("Packages", packages),
    ("Chromium", chromium),
    ("Ports", ports),
    ("Sandbox", sandbox),
    ("Room", room),  # with TUTORIAL_SANDBOX_URL only
    ("Notebooks", notebooks),
]


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    started = time.perf_counter()
    failures = 0
    from helpers.urls import classroom_url

    for name, check in CHECKS:
        if (quick and check is notebooks) or (check is room and not classroom_url()):
            continue
        began = time.perf_counter()
        try:
            line = f"✔ {name:<10} {check()}"
        except Failed as problem:
            failures += 1
            line = f"✘ {name:<10} {problem}"
        print(f"{line}  [{time.perf_counter() - began:.1f} s]", flush=True)
    total = time.perf_counter() - started
    verdict = "ready" if not failures else f"NOT ready: {failures} check(s) failed"
    print(f"Pre-flight: {verdict} ({total:.0f} s, {ROOT.name}).")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
