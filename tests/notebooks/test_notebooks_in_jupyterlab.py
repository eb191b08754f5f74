"""The committed notebooks as a learner first sees them: opened in a real JupyterLab, started as
`make lab` starts it, in headless Chromium at 1280 px (issue 16, items 14 and 15).

Every relative link resolves where `make lab` serves it; no output links to the build run's
servers or shows a verdict, a sign-in link or "Progress … cleared" that a learner could take
for their own before running anything."""

from __future__ import annotations

import re
import urllib.parse

import nbformat
import pytest

from helpers import autopilot
from support.jupyterlab import ROOT, running_lab

pytestmark = [
    pytest.mark.xdist_group("notebooks-in-jupyterlab"),  # one JupyterLab and one run of the notebooks for the module
    pytest.mark.browser,
    pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)"),
]

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WINDOW = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("lab")) as running:
        yield running


@pytest.fixture(scope="module")
def opened(lab, browser):
    """Each notebook opened once, its rendered DOM read: markdown links and output text/links."""
    found = {}
    context = browser.new_context(viewport=WINDOW)
    page = context.new_page()
    for path in NOTEBOOKS:
        relative = path.relative_to(lab.root).as_posix()
        cells = len(nbformat.read(path, as_version=4).cells)
        page.goto(lab.notebook_url(relative))
        page.wait_for_function(f"document.querySelectorAll('.jp-Notebook .jp-Cell').length >= {cells}",
                               timeout=120_000)
        page.wait_for_timeout(500)  # outputs of the last cells
        found[path.name] = page.evaluate("""() => ({
            links: [...document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown a[href]')]
                .map(a => ({href: a.href, raw: a.getAttribute('href'), text: a.textContent})),
            outputLinks: [...document.querySelectorAll('.jp-OutputArea a[href]')].map(a => a.href),
            outputText: [...document.querySelectorAll('.jp-OutputArea')].map(o => o.innerText).join('\\n'),
            tooWide: [...document.querySelectorAll('.jp-OutputArea-output table')]
                .filter(t => t.querySelector('td[style*="overflow-wrap:anywhere"]'))  // helpers.show.Table's
                .filter(t => t.getBoundingClientRect().width > t.closest('.jp-OutputArea-output').clientWidth + 1)
                .map(t => t.innerText.slice(0, 80)),
        })""")
        found[path.name]["fetch"] = {}
        for link in found[path.name]["links"]:
            if link["href"].startswith(lab.url):
                found[path.name]["fetch"][link["href"]] = page.request.get(link["href"]).status
    context.close()
    return found


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading (lower case, punctuation dropped, spaces to -)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_make_lab_serves_the_project_so_the_notebooks_links_can_reach_it(lab):
    assert lab.root == ROOT


def test_every_relative_link_of_every_notebook_resolves(lab, opened):
    """Issue 16.14: 00's glossary and sandbox README links and 09's helpers/cleanup.py answered 404
    (`make lab` served only notebooks/)."""
    checked = 0
    for name, seen in opened.items():
        for link in seen["links"]:
            if not link["href"].startswith(lab.url):
                continue  # docs.stripe.com and other sites: not ours to serve
            checked += 1
            assert seen["fetch"][link["href"]] == 200, (name, link)
            target = urllib.parse.urlsplit(link["href"])
            fragment = urllib.parse.unquote(target.fragment)
            if fragment and target.path.endswith(".md"):
                file = ROOT / urllib.parse.unquote(target.path.split("/files/", 1)[1])
                slugs = {github_slug(line.lstrip("#")) for line in file.read_text().splitlines()
                         if line.startswith("#")}
                assert fragment in slugs, (name, link, sorted(slugs))
    assert checked >= 12  # the notebooks' Next links and the links the issue named, at least


def test_no_output_links_to_the_build_runs_servers(opened):
    """Issue 16.15: links to the build run's ports (48771 …) and `#token=REDACTED` Dashboard links
    were clickable before anything ran."""
    for name, seen in opened.items():
        dead = [href for href in seen["outputLinks"]
                if re.match(r"https?://(127\.0\.0\.1|localhost)(:\d+)?/", href)]
        assert dead == [], name
        assert "#token=" not in seen["outputText"], name


def test_no_output_passes_for_the_learners_own_state(opened):
    """Issue 16.15: "✘ Not yet" under the check cells and 09's "Progress … cleared" were seen
    before anything ran."""
    for name, seen in opened.items():
        text = seen["outputText"]
        assert "✘" not in text and "✔" not in text, name  # a check's verdict
        assert "Progress for this mode cleared" not in text, name
        assert "in your Dashboard:" not in text, name


def test_every_table_of_values_fits_its_output_area(opened):
    """Issue 16.16: the diff table's "after" column was cut off at 1280 px. (The request log, a
    DataFrame of ten columns, scrolls sideways as pandas draws it.)"""
    for name, seen in opened.items():
        assert seen["tooWide"] == [], name


def test_a_red_message_is_never_cut_mid_word(tmp_path, browser):
    """Issue 16.16: JupyterLab shows an error with `word-break: break-all`, and our red ⚠ lines
    broke mid-word; one_line wraps them between words, short enough for a 1280 px window."""
    from helpers.problems import one_line

    message = ("SetupIntent seti_7rd9TjA3mHN905CKogOBxAwQ has no authorized PaymentMethod: the customer "
               "declined (setup_intent_authentication_failure: The customer declined the authorization on the "
               "Amazon Pay page). Run the cell that waits for the customer again and click 'Authorize test "
               "setup', then this cell.")
    cell = nbformat.v4.new_code_cell("authorized(after)", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("error", ename="NextStep", evalue=message, traceback=one_line(message))]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (tmp_path / "root").mkdir()
    nbformat.write(notebook, tmp_path / "root" / "error.ipynb")
    with running_lab(tmp_path, flags=[f"--ServerApp.root_dir={tmp_path / 'root'}"]) as scratch:
        page = browser.new_page(viewport=WINDOW)
        page.goto(scratch.notebook_url("error.ipynb"))
        shown = page.locator(".jp-OutputArea-output pre").first
        shown.wait_for(timeout=90_000)
        rows = page.evaluate("""(pre) => { const range = document.createRange(); range.selectNodeContents(pre);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }""",
                             shown.element_handle())
        text = shown.inner_text()
        page.close()
    assert rows == len(text.splitlines()) > 1  # the browser broke no line further: no word was cut
