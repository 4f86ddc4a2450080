"""The built book, checked in a real browser (headless Chromium driven by Playwright).

Builds the executed book exactly as ``make book`` does (``-W -n --keep-going``: any warning fails),
serves ``_build/html`` on localhost and loads every page: no console errors or uncaught exceptions from
the book's own pages, every image loads and has alt text, every internal link (and #anchor) resolves, and
each chapter's launch links (the Colab badge and the theme's launch buttons) open that chapter's notebook
(Colab: its Colab edition in colab/),
no visible code cell of a chapter is a self-check (they are removed or folded), no code block overflows its
column in a 1280-px-wide window, and the theme's dark mode keeps every figure readable. Every interactive
figure (``gapnotes.interactive``) is drawn by the book's own plotly.js, on the pages that hold one only, and
changes when its slider is dragged to the end (a 3-D one also turns when dragged), in light and dark mode;
one figure's HTML, alone in a page as Colab shows an output, loads plotly.js from plotly's CDN and draws. Screenshots of
chapters 0 and 4 (chapter 4 in light and dark mode) are saved to ``_build/screenshots/``.

Requests to other hosts (MathJax's CDN, for instance) are blocked, so the result does not depend on the
network; they are listed, not failed. Skips, saying why, where Chromium or Playwright is missing, unless
``GAPNOTES_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where it fails instead.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tools import repository

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
REPOSITORY = repository.configured(ROOT).slug  # owner/name, from _config.yml
pytestmark = pytest.mark.browser


# A line of a self-check: an assert statement, an assert_* call (np.testing, ClaimResult.assert_holds_on_average)
# or an exercise check(...) call.
_SELF_CHECK = re.compile(r"^\s*(assert\b|check\()|\.assert_\w*\(|np\.testing\.assert", re.MULTILINE)
DARK_MODE_CHAPTER = "04_closing_the_gap"

# For every code cell's input: its text, and whether a reader sees it (not removed, not folded).
_CODE_CELLS_JS = "els => els.map(e => ({text: e.textContent, visible: e.checkVisibility()}))"
# Visible code blocks (a cell's input or printed output) wider than their column: they would scroll sideways.
_OVERFLOW_JS = ("els => els.filter(e => e.checkVisibility() && e.scrollWidth > e.clientWidth + 1)"
                ".map(e => ({line: e.innerText.split('\\n')[0], scroll: e.scrollWidth, column: e.clientWidth}))")
# Visible output tables wider than the cell's output column (their last columns would be cut or scroll).
_WIDE_TABLES_JS = ("els => els.filter(e => e.checkVisibility()).map(e => ({head: e.innerText.split('\\n')[0]"
                   ".slice(0, 60), width: Math.round(e.getBoundingClientRect().width), column: "
                   "e.closest('div.cell_output').clientWidth})).filter(t => t.width > t.column + 1)")
REPORT_PAGE = "notebooks/08_reproduction_report.html"
# For every figure: the share of its pixels that are not opaque (they take the page's colour).
_FIGURE_ALPHA_JS = """els => els.filter(e => e.src.includes('/_images/')).map(e => {
  const c = document.createElement('canvas');
  c.width = e.naturalWidth; c.height = e.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(e, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let clear = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] < 250) clear++;
  return {src: e.src, clear: clear / (d.length / 4)};
})"""


def _chromium() -> str | None:
    for candidate in (os.environ.get("GAPNOTES_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def _skip_or_fail(reason: str):
    if os.environ.get("GAPNOTES_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (GAPNOTES_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser_path():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _skip_or_fail("Playwright is not installed (pip install playwright; no browser download is needed)")
    path = _chromium()
    if path is None:
        _skip_or_fail("no Chromium found: install Debian's chromium package (apt-get install chromium) "
                      "or set GAPNOTES_CHROMIUM to a Chromium binary")
    return path


def _staged_book(chapters: dict[str, Path]) -> Path:
    """A copy of the book's sources whose chapters are the executed copies, with execution off."""
    import yaml

    staged = ROOT / "_build" / "staged"
    if staged.exists():
        shutil.rmtree(staged)
    staged.mkdir(parents=True)
    shutil.copy2(ROOT / "_toc.yml", staged / "_toc.yml")
    shutil.copytree(ROOT / "book", staged / "book")
    (staged / "notebooks").mkdir()
    for name, path in chapters.items():
        shutil.copy2(path, staged / "notebooks" / name)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"  # nbval executed them in this run
    (staged / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return staged


@pytest.fixture(scope="module")
def built_book(browser_path, request):
    """The executed book in HTML, built with warnings as errors (as `make book` does).

    Where nbval executed every chapter earlier in this run (the root ``conftest.py`` keeps those
    copies and runs this test after the notebooks), the book is built from them with execution off,
    so no chapter runs twice; otherwise it is built exactly as ``make book`` builds it.
    ``GAPNOTES_BROWSER_REUSE_BUILD=1`` checks an existing ``_build/html`` instead (for iterating on this test).
    """
    if os.environ.get("GAPNOTES_BROWSER_REUSE_BUILD") == "1" and (HTML / "index.html").is_file():
        return HTML
    chapters = request.getfixturevalue("executed_notebooks")()
    source = ROOT if chapters is None else _staged_book(chapters)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jupyter_book), "build", str(source), "--all", "--warningiserror", "--nitpick",
                             "--keep-going"], capture_output=True, text=True, cwd=source)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"jupyter-book build failed:\n{log[-6000:]}"
    # Sphinx's own warnings (kernels' stderr chatter, e.g. IPKernelApp's, is not the book's)
    sphinx_warnings = [line for line in log.splitlines() if ": WARNING:" in line or "warnings." in line]
    assert "build succeeded." in log and not sphinx_warnings, "\n".join(sphinx_warnings) or log[-3000:]
    return source / "_build" / "html"


@pytest.fixture(scope="module")
def server(built_book):
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Anchors(HTMLParser):
    """Collects element ids and <a href> targets of one HTML page."""

    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


@functools.cache
def _parse(path: Path) -> _Anchors:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _pages(html: Path) -> list[Path]:
    return sorted(p for p in html.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


def _chapters(html: Path) -> list[Path]:
    return sorted((html / "notebooks").glob("[0-9][0-9]_*.html"))


@pytest.fixture(scope="module")
def visits(browser_path, server, built_book):
    """Load every page once in Chromium; record console errors, page errors, images and launch links."""
    from playwright.sync_api import sync_playwright

    records = {}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        external = []

        def route(route):
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:  # the network is not part of the test
                external.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        for path in _pages(built_book):
            rel = path.relative_to(built_book).as_posix()
            page = context.new_page()  # a fresh page per URL, so listeners never mix pages
            errors, failed = [], []
            page.on("console", lambda m, errors=errors: errors.append(m) if m.type == "error" else None)
            page.on("pageerror", lambda e, errors=errors: errors.append(e))
            page.on("requestfailed", lambda r, failed=failed: failed.append(r.url))
            page.goto(server + rel, wait_until="load")
            page.wait_for_timeout(300)
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => ({src: e.currentSrc || e.src, ok: e.complete && e.naturalWidth > 0,"
                       " alt: e.getAttribute('alt') || ''}))")
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            own_errors = []
            for error in errors:
                location = getattr(error, "location", None) or {}
                url = location.get("url", "") if isinstance(location, dict) else ""
                if url and urlsplit(url).hostname not in (None, "127.0.0.1"):
                    continue  # an error *about* a blocked external resource
                text = getattr(error, "text", None) or str(error)
                if "net::ERR_FAILED" in text and not any(f.startswith(server) for f in failed):
                    continue  # "Failed to load resource" for a blocked external request
                own_errors.append(text)
            records[rel] = {"errors": own_errors, "images": images, "hrefs": hrefs,
                            "failed_local": [u for u in failed if u.startswith(server)]}
            if rel.startswith("notebooks/"):
                records[rel]["code"] = page.eval_on_selector_all("div.cell div.cell_input", _CODE_CELLS_JS)
                records[rel]["overflow"] = page.eval_on_selector_all("div.cell pre", _OVERFLOW_JS)
                records[rel]["wide_tables"] = page.eval_on_selector_all("div.cell_output table", _WIDE_TABLES_JS)
                records[rel]["tables"] = page.eval_on_selector_all("div.cell_output table", "els => els.length")
            if path.stem in ("00_the_modality_gap", DARK_MODE_CHAPTER):
                page.screenshot(path=str(SCREENSHOTS / f"{path.stem}.png"), full_page=True)
            page.close()
        records["__modes__"] = _both_modes(browser, server, route)
        browser.close()
    records["__external__"] = sorted(set(external))
    return records


def _both_modes(browser, server, route) -> dict:
    """One chapter in the light and the dark colour scheme: the theme's mode, its switch, a screenshot each,
    and how transparent each figure is."""
    modes = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
        context.route("**/*", route)
        page = context.new_page()
        page.goto(f"{server}notebooks/{DARK_MODE_CHAPTER}.html", wait_until="load")
        page.wait_for_timeout(300)
        modes[scheme] = {
            "theme": page.evaluate("document.documentElement.dataset.theme"),
            "switch": page.locator(".theme-switch-button").count(),
            "figures": page.eval_on_selector_all("img", _FIGURE_ALPHA_JS),
            "background": page.evaluate("getComputedStyle(document.body).backgroundColor"),
        }
        page.screenshot(path=str(SCREENSHOTS / f"{DARK_MODE_CHAPTER}-{scheme}.png"), full_page=True)
        context.close()
    return modes


def test_every_page_loads_without_console_errors(visits):
    pages = {k: v for k, v in visits.items() if not k.startswith("__")}
    assert len(pages) >= 10, f"too few pages: {sorted(pages)}"
    bad = {page: rec["errors"] for page, rec in pages.items() if rec["errors"]}
    assert not bad, f"console errors: {bad}"
    failed = {page: rec["failed_local"] for page, rec in pages.items() if rec["failed_local"]}
    assert not failed, f"local resources that failed to load: {failed}"


def test_every_image_loads_and_has_alt_text(visits):
    pages = {k: v for k, v in visits.items() if not k.startswith("__")}
    broken = {page: [i["src"] for i in rec["images"] if not i["ok"]] for page, rec in pages.items()}
    assert not {p: b for p, b in broken.items() if b}, f"images that did not load: {broken}"
    no_alt = {page: [i["src"] for i in rec["images"] if not i["alt"].strip()] for page, rec in pages.items()}
    assert not {p: b for p, b in no_alt.items() if b}, f"images without alt text: {no_alt}"
    figures = sum(1 for rec in pages.values() for i in rec["images"] if "_images/" in i["src"])
    assert figures >= 15, f"expected the chapters' figures in the HTML, found {figures}"


def test_every_internal_link_resolves(built_book):
    missing = []
    for page in _pages(built_book):
        for href in _parse(page).links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                missing.append(f"{page.relative_to(built_book)} -> {href}")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _parse(target).ids:
                missing.append(f"{page.relative_to(built_book)} -> {href} (no such anchor)")
    assert not missing, "broken internal links:\n" + "\n".join(missing)


def test_launch_links_open_the_right_notebook(visits, built_book):
    chapters = _chapters(built_book)
    assert len(chapters) >= 7, chapters
    for path in chapters:
        rel = path.relative_to(built_book).as_posix()
        notebook = f"notebooks/{path.stem}.ipynb"
        hrefs = visits[rel]["hrefs"]
        colab = [h for h in hrefs if h.startswith("https://colab.research.google.com/")]
        binder = [h for h in hrefs if h.startswith("https://mybinder.org/")]
        assert colab, f"{rel}: no Colab link"
        for href in colab:  # the badge and the launch button open the chapter's Colab edition
            assert href.endswith(f"github/{REPOSITORY}/blob/main/colab/{path.stem}.ipynb"), f"{rel}: Colab link {href}"
        assert binder and all(REPOSITORY in h and notebook in unquote(h) for h in binder), f"{rel}: Binder {binder}"
        downloads = [h for h in hrefs if h.endswith(f"/_sources/{notebook}")]
        assert downloads, f"{rel}: no download link for the notebook"


def _chapter_records(visits) -> dict:
    chapters = {k: v for k, v in visits.items() if k.startswith("notebooks/")}
    assert len(chapters) >= 7, sorted(chapters)
    return chapters


def test_no_visible_code_cell_is_a_self_check(visits):
    shown, folded, offending = 0, 0, []
    for rel, record in _chapter_records(visits).items():
        for cell in record["code"]:
            is_check = bool(_SELF_CHECK.search(cell["text"]))
            shown += cell["visible"]
            folded += is_check and not cell["visible"]
            if is_check and cell["visible"]:
                offending.append(f"{rel}: {cell['text'].strip().splitlines()[0]}")
    assert shown >= 60, f"only {shown} visible code cells found: has the theme's markup changed?"
    assert folded >= 10, f"only {folded} folded self-checks found: has the theme's markup changed?"
    assert not offending, "self-checks shown to readers (tag them remove-cell or hide-input):\n" + "\n".join(offending)


def test_no_code_block_overflows_its_column(visits):
    wide = {rel: record["overflow"] for rel, record in _chapter_records(visits).items() if record["overflow"]}
    assert not wide, f"code blocks wider than the page at 1280 px (scroll and column widths in px): {wide}"


def test_the_reproduction_report_tables_fit_their_column(visits):
    """The report is read at a glance: its verdict table (and every other table of it) fits at 1280 px."""
    record = visits[REPORT_PAGE]
    assert record["tables"] >= 3, f"only {record['tables']} tables on the report: has the theme's markup changed?"
    assert not record["wide_tables"], f"report tables wider than their column at 1280 px: {record['wide_tables']}"


def test_dark_mode_is_offered_and_keeps_figures_readable(visits):
    modes = visits["__modes__"]
    assert modes["light"]["theme"] == "light" and modes["dark"]["theme"] == "dark", modes
    assert modes["light"]["background"] != modes["dark"]["background"], "dark mode should change the page"
    assert modes["dark"]["switch"] >= 1, "the theme should offer a light/dark switch"
    figures = modes["dark"]["figures"]
    assert len(figures) >= 3, figures
    # A figure drawn on a transparent background shows its black axes and text on the dark page:
    # every figure must carry its own opaque background.
    see_through = {f["src"].rsplit("/", 1)[-1]: round(f["clear"], 3) for f in figures if f["clear"] > 0.01}
    assert not see_through, f"figures with transparent pixels, unreadable in dark mode: {see_through}"
    for scheme in ("light", "dark"):
        shot = SCREENSHOTS / f"{DARK_MODE_CHAPTER}-{scheme}.png"
        assert shot.is_file() and shot.stat().st_size > 10_000, f"missing screenshot {shot}"


def test_screenshots_saved(visits):
    for stem in ("00_the_modality_gap", DARK_MODE_CHAPTER):
        shot = SCREENSHOTS / f"{stem}.png"
        assert shot.is_file() and shot.stat().st_size > 10_000, f"missing screenshot {shot}"


# The interactive figures (gapnotes.interactive) of each chapter: how many, and which are 3-D.
INTERACTIVE = {"01_cone_effect": (1, 1), "02_temperature": (2, 1), "03_does_the_gap_matter": (1, 0),
               "04_closing_the_gap": (1, 0)}
# Per figure on the page: drawn by plotly.js?, its title, 3-D?, its paper colour.
_INTERACTIVE_JS = """els => els.map(e => {
  const gd = e.querySelector('.js-plotly-plot');
  const title = e.querySelector('.gtitle');
  return {drawn: e.classList.contains('drawn') && !!gd, title: title ? title.textContent : '',
          three_d: !!(gd && gd._fullLayout && gd._fullLayout.scene),
          paper: gd && gd._fullLayout ? gd._fullLayout.paper_bgcolor : null};
})"""
_CAMERA_JS = "(e, i) => JSON.stringify(e[i].querySelector('.js-plotly-plot').layout.scene.camera || {})"


def _drag(page, start, end):
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=12)
    page.mouse.up()
    page.wait_for_timeout(600)


def _interact(page, index: int) -> dict:
    """Drag figure ``index``'s slider to its far end (and turn it, when 3-D); what changed."""
    box = page.locator(".gapnotes-interactive").nth(index)
    box.scroll_into_view_if_needed()
    before = page.eval_on_selector_all(".gapnotes-interactive", _INTERACTIVE_JS)[index]
    rail = box.locator(".slider-rail-rect").bounding_box()
    grip = box.locator(".slider-grip-rect").bounding_box()
    _drag(page, (grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2),
          (rail["x"] + rail["width"] - 2, rail["y"] + rail["height"] / 2))
    after = page.eval_on_selector_all(".gapnotes-interactive", _INTERACTIVE_JS)[index]
    turned = None
    if before["three_d"]:
        camera = page.eval_on_selector_all(".gapnotes-interactive", _CAMERA_JS, index)
        plot = box.locator("canvas").first.bounding_box()  # the WebGL scene
        middle = (plot["x"] + plot["width"] / 2, plot["y"] + plot["height"] / 2)
        _drag(page, middle, (middle[0] + 160, middle[1] + 40))
        turned = camera != page.eval_on_selector_all(".gapnotes-interactive", _CAMERA_JS, index)
    return {"before": before["title"], "after": after["title"], "turned": turned}


def test_interactive_figures_move_in_light_and_dark_mode(browser_path, server, visits):
    """Each chapter's interactive figures are drawn by the book's own plotly.js (no CDN), their slider moves
    the figure (the title, computed in Python per frame, changes), 3-D ones turn, in both colour schemes."""
    from playwright.sync_api import sync_playwright

    assert not [u for u in visits["__external__"] if "plot.ly" in u], "plotly.js must come from the book"
    for chapter in INTERACTIVE:
        record = visits[f"notebooks/{chapter}.html"]
        assert not record["errors"], record["errors"]
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage"])
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
            context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname
                          == "127.0.0.1" else route.abort())
            for chapter, (count, three_d) in INTERACTIVE.items():
                page = context.new_page()
                errors = []
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.goto(f"{server}notebooks/{chapter}.html", wait_until="load")
                page.wait_for_timeout(800)
                figures = page.eval_on_selector_all(".gapnotes-interactive", _INTERACTIVE_JS)
                where = f"{scheme} {chapter}"
                if len(figures) != count or sum(f["three_d"] for f in figures) != three_d:
                    problems.append(f"{where}: {len(figures)} figures ({figures}), expected {count}")
                for i, figure in enumerate(figures):
                    if not figure["drawn"] or figure["paper"] not in ("white", "#fff", "#ffffff"):
                        problems.append(f"{where} figure {i}: not drawn on an opaque white paper: {figure}")
                        continue
                    moved = _interact(page, i)
                    if moved["before"] == moved["after"] or not moved["after"]:
                        problems.append(f"{where} figure {i}: the slider did not change it: {moved}")
                    if figure["three_d"] and not moved["turned"]:
                        problems.append(f"{where} figure {i}: dragging did not turn the 3-D view")
                if errors:
                    problems.append(f"{where}: console errors {errors}")
                if scheme == "dark" and chapter == DARK_MODE_CHAPTER:
                    page.screenshot(path=str(SCREENSHOTS / f"{chapter}-interactive-dark.png"), full_page=False)
                page.close()
            context.close()
        browser.close()
    assert not problems, "\n".join(problems)


def test_only_pages_with_interactive_figures_load_plotly(built_book):
    for page in _pages(built_book):
        text = page.read_text(encoding="utf-8")
        holds = 'class="gapnotes-interactive"' in text
        assert holds == ("_static/plotly.min.js" in text), page.relative_to(built_book)
    assert (built_book / "_static" / "plotly.min.js").stat().st_size > 1_000_000


def test_an_interactive_figure_draws_outside_the_book_as_in_colab(browser_path, tmp_path):
    """Colab shows a cell's HTML output in a page of its own, with no book around it: the figure loads
    plotly.js from plotly's CDN (Colab is online; here the request is answered with the installed copy)."""
    import plotly
    from playwright.sync_api import sync_playwright

    import gapnotes.interactive as interactive

    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

    frames = [{"label": str(k), "title": f"frame {k}", "traces": [{"name": "p", "x": [0, k], "y": [k, 0]}]}
              for k in range(3)]
    figure = interactive.slider_figure(frames, slider_label="k", alt="a test figure")
    page_file = tmp_path / "output.html"
    page_file.write_text(f"<html><body>{figure.html()}</body></html>", encoding="utf-8")
    cdn = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        def answer(route):
            cdn.append(route.request.url)
            route.fulfill(path=str(plotly_js), content_type="text/javascript")

        page.route("https://cdn.plot.ly/**", answer)
        page.goto(page_file.as_uri(), wait_until="load")
        page.wait_for_selector(".gapnotes-interactive.drawn", timeout=15_000)
        moved = _interact(page, 0)
        browser.close()
    assert len(cdn) == 1 and not errors, (cdn, errors)
    assert moved["before"] == "frame 0" and moved["after"] == "frame 2", moved
