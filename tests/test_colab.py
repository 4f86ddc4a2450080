"""The Colab edition (tools/colab.py, colab/): current, plain CommonMark, absolute links, and it runs as Colab
runs it (a fresh environment holding the gapnotes wheel, an empty folder, the data from GAPNOTES_DATA_DIR)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from markdown_it import MarkdownIt

from tools import colab, repository

ROOT = Path(__file__).resolve().parents[1]
DATA = os.environ.get("GAPNOTES_DATA_DIR") or str(ROOT.parent / "shared" / "data" / "modality-gap-features")
_ROLE = re.compile(r"\{[A-Za-z][\w:-]*\}`")
_ABSOLUTE = re.compile(r"^(https?://|#)")


@pytest.fixture(scope="module")
def edition() -> dict:
    return {name: nbformat.reads(text, as_version=4) for name, text in colab.edition(ROOT).items()}


def test_the_committed_edition_is_current():
    _, differ, extra = colab.stale(ROOT)
    assert not differ and not extra, f"colab/ is stale ({differ + extra}): run `make colab` and commit colab/"


def test_every_chapter_has_an_edition_with_the_same_code(edition):
    chapters = colab.chapters(ROOT)
    assert sorted(edition) == [p.name for p in chapters] and len(chapters) == 9
    for path in chapters:
        source = nbformat.read(path, as_version=4)
        ours = edition[path.name]
        code = [c.source for c in source.cells if c.cell_type == "code"]
        assert [c.source for c in ours.cells if c.cell_type == "code"] == code, path.name
        # no outputs, except the package's code a show_source cell displays (its source, read now)
        for cell in ours.cells:
            if cell.cell_type == "code":
                expected = colab.shown_output(cell.source)
                assert cell.get("outputs") == ([] if expected is None else [expected]), cell.source
        assert ours.metadata["gapnotes"] == {"edition": "colab", "source": f"notebooks/{path.name}"}


def test_the_install_cell_never_reinstalls_torch(edition):
    for name, notebook in edition.items():
        first = next(c for c in notebook.cells if c.cell_type == "code")
        assert "find_spec(\"gapnotes\")" in first.source, f"{name}: the first code cell is not the install cell"
        assert "torch" not in re.sub(r"#.*", "", first.source), f"{name}: the install cell names torch"


def _tokens(tokens):
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


def leftovers(markdown: str) -> list[str]:
    """What Colab would show raw in a Markdown cell, parsed as CommonMark: MyST roles, directives, targets,
    comments, and relative links or images."""
    problems = []
    lines = markdown.split("\n")
    for token in _tokens(MarkdownIt("commonmark").parse(markdown)):
        if token.type == "fence" and (token.info.startswith("{") or token.info.startswith(":")):
            problems.append(f"a MyST directive: {token.info!r}")
        if token.type == "inline":
            children = token.children or []
            for text, after in zip(children, children[1:] + [None]):
                if text.type == "text" and after is not None and after.type == "code_inline" and re.search(
                        r"\{[A-Za-z][\w:-]*\}$", text.content):
                    problems.append(f"a MyST role: {text.content[-20:]}`{after.content}`")
        if token.type == "paragraph_open" and token.map:
            line = lines[token.map[0]]
            if re.match(r"^\(\S+\)=$|^%|^:::", line):
                problems.append(f"a MyST target, comment or colon fence: {line!r}")
        for attribute in ("href", "src"):
            value = token.attrs.get(attribute) if token.attrs else None
            if value is not None and not _ABSOLUTE.match(str(value)):
                problems.append(f"a relative {attribute}: {value!r}")
        if token.type == "html_block" and re.match(r"^<!--.*?-->\s*\S", token.content):
            problems.append(f"a line that starts with an HTML comment, a block of its own: {token.content[:40]!r}")
        if token.type in ("html_inline", "html_block"):
            for value in re.findall(r"""\b(?:src|href)=["']([^"']+)""", token.content):
                if not _ABSOLUTE.match(value):
                    problems.append(f"a relative address in HTML: {value!r}")
    return problems


def test_leftovers_finds_what_colab_would_show_raw():
    chapter = "\n\n".join([
        "A {glue:text}`gap` and {cite:t}`key`.", "```{exercise} T\nx\n```", "(label)=", "% a comment",
        ":::{note}\nx\n:::", "[a](../book/x.md) ![b](b.png)", '<img src="x.svg">', "about\n<!-- time:x -->1 s<!-- /time --> here"])
    found = leftovers(chapter)
    assert len(found) == 10, found
    assert leftovers("Plain `{x}` in code, [a](https://x.org/) and [b](#here).") == []


def test_markdown_is_plain_commonmark_with_absolute_links(edition):
    problems = [f"{name}, cell {index}: {problem}" for name, notebook in edition.items()
                for index, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"
                for problem in leftovers(cell.source)]
    assert not problems, "\n".join(problems)


def test_badges_and_launch_open_the_edition(edition):
    repo = repository.configured(ROOT)
    for name, notebook in edition.items():
        badge = f"https://colab.research.google.com/github/{repo.slug}/blob/{repo.branch}/colab/{name}"
        assert badge in notebook.cells[0].source, f"{name}: the edition's badge does not open itself"
        chapter = (ROOT / "notebooks" / name).read_text(encoding="utf-8")
        assert badge in chapter, f"notebooks/{name}: the chapter's badge does not open its Colab edition"
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        from colab_edition import _retarget
    finally:
        sys.path.pop(0)
    buttons = [{"type": "group", "buttons": [
        {"text": "Colab", "url": f"https://colab.research.google.com/github/{repo.slug}/blob/main/notebooks/00_x.ipynb"},
        {"text": "Binder", "url": f"https://mybinder.org/v2/gh/{repo.slug}/main?urlpath=tree/notebooks/00_x.ipynb"}]}]
    _retarget(buttons)
    assert buttons[0]["buttons"][0]["url"].endswith("/blob/main/colab/00_x.ipynb")
    assert buttons[0]["buttons"][1]["url"].endswith("notebooks/00_x.ipynb"), "only the Colab button moves"


def test_roles_and_directives_become_plain_markdown():
    site = colab.Site("owner/book", "main")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T\n\n[![Open In Colab](../book/_static/colab-badge.svg)]"
                                      "(https://colab.research.google.com/github/owner/book/blob/main/colab/00_t.ipynb)"),
        nbformat.v4.new_markdown_cell("See {cite:t}`liang2022mind`, {cite:p}`radford2021learning` and the "
                                      "{term}`cone effect`; the gap is {glue:text}`g:.2f`. "
                                      "[Next](01_next.ipynb), [notation](../book/notation.md#symbols), "
                                      "![fig](../book/_static/logo.svg)\n\n```{note}\nA {term}`modality gap` note.\n```"),
        nbformat.v4.new_code_cell('glue("g", 0.5, display=False)'),
        nbformat.v4.new_markdown_cell("```{exercise} Try\n:label: ex-t\nDo $x$.\n```\n\n"
                                      "```{solution-start} ex-t\n:class: dropdown\n```"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("Because.\n\n```{solution-end}\n```"),
        nbformat.v4.new_markdown_cell("```{solution} ex-t\n:class: dropdown\nIt is **1**.\n```"),
    ])
    out = colab.convert(notebook, site, "00_t.ipynb")
    text = "\n\n".join(c.source for c in out.cells if c.cell_type == "markdown")
    book = "https://owner.github.io/book/"
    assert f"[Liang et al. (2022)]({book}book/references.html)" in text
    assert f"([Radford et al., 2021]({book}book/references.html))" in text
    assert f"[cone effect]({book}book/glossary.html#term-cone-effect)" in text
    assert "the gap is `g` (printed below)." in text
    assert "(https://colab.research.google.com/github/owner/book/blob/main/colab/01_next.ipynb)" in text
    assert f"({book}book/notation.html#symbols)" in text
    assert "(https://raw.githubusercontent.com/owner/book/main/book/_static/logo.svg)" in text
    assert "> **Note**\n>\n> A [modality gap](" in text
    assert "> **Exercise: Try**\n>\n> Do $x$." in text and ":label:" not in text
    assert "<summary><b>Solution, explained</b>" in text and "Because." in text
    assert "<details>\n<summary><b>Solution</b> (click to show)</summary>\n\nIt is **1**.\n\n</details>" in text
    assert "colab-badge.svg)](https://colab.research.google.com/github/owner/book/blob/main/colab/00_t.ipynb)" in text
    assert out.cells[1].source.startswith("> **This is the Colab edition**")
    assert [c.source for c in out.cells if c.cell_type == "code"] == ['glue("g", 0.5, display=False)', "x = 1"]


@pytest.mark.parametrize("source, message", [
    ("{unknown}`x`", "no Colab rendering for the role"),
    ("```{figure-md} f\nx\n```", "no Colab rendering for the directive"),
    ("{glue:text}`missing`", "is glued by no code cell"),
    ("{cite:t}`nobody2030`", "is not in book/references.bib"),
    ("[out](../../elsewhere.md)", "leaves the repository"),
])
def test_what_it_cannot_render_is_an_error(source, message):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"),
                                               nbformat.v4.new_markdown_cell(source)])
    with pytest.raises(ValueError, match=message):
        colab.convert(notebook, colab.Site("owner/book", "main"), "00_t.ipynb")


def test_moving_the_book_to_a_fork_rewrites_the_edition(tmp_path):
    for name in ("_config.yml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("notebooks", "colab", ".github"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", tmp_path / "book" / "references.bib")
    changed = repository.set_repository("https://github.com/someone/fork", None, tmp_path)
    assert set(tmp_path.joinpath("colab").glob("*.ipynb")) <= set(changed)
    for path in tmp_path.joinpath("colab").glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        assert "mind-the-gap-book" not in text and "github/someone/fork/blob/main/colab/" in text, path.name
    assert colab.stale(tmp_path)[1] == []


# ---------------------------------------------------------------------------------------------- as Colab runs it
RUN_CHAPTER = "00_the_modality_gap.ipynb"


@pytest.mark.skipif(not Path(DATA, "features_clip.npy").is_file(), reason=f"no released features in {DATA}")
def test_a_chapter_runs_as_colab_runs_it(tmp_path):
    """Chapter 0's edition in a fresh virtual environment that holds only the gapnotes wheel (and the kernel
    Colab has), executed top to bottom in an empty folder: no checkout, no book/ or shared/ beside it."""
    uv = Path(sys.executable).with_name("uv")
    wheels, venv, work = tmp_path / "wheels", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    source = tmp_path / "source"  # built from a copy: setuptools writes build/ and *.egg-info beside the sources
    shutil.copytree(ROOT / "gapnotes", source / "gapnotes", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
             "--wheel-dir", str(wheels), str(source)]
    subprocess.run(build, check=True, capture_output=True, text=True)
    (wheel,) = wheels.glob("gapnotes-*.whl")
    python = venv / "bin" / "python"
    if uv.is_file():  # make install puts uv in the environment: it installs from its cache in seconds
        subprocess.run([str(uv), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
        install = [str(uv), "pip", "install", "--quiet", "--python", str(python)]
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        install = [str(python), "-m", "pip", "install", "--quiet"]
    subprocess.run([*install, str(wheel), "ipykernel", "nbclient"], check=True, capture_output=True, text=True)
    notebook = work / RUN_CHAPTER
    shutil.copy(ROOT / "colab" / RUN_CHAPTER, notebook)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    env.update(GAPNOTES_DATA_DIR=DATA, GAPNOTES_CACHE_DIR=str(tmp_path / "cache"), MPLBACKEND="Agg",
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", HOME=str(tmp_path))
    check = subprocess.run([str(python), "-c", "import gapnotes, importlib.util as u; print(gapnotes.__file__); "
                            "print(u.find_spec('myst_nb') is None)"], cwd=work, env=env,
                           capture_output=True, text=True, check=True)
    where, no_myst = check.stdout.split()
    assert Path(where).is_relative_to(venv), f"gapnotes came from {where}, not the wheel"
    assert no_myst == "True", "the Colab-like environment must not have MyST-NB"
    run = subprocess.run([str(venv / "bin" / "jupyter-execute"), "--inplace", "--timeout=900", str(notebook)],
                         cwd=work, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    executed = json.loads(notebook.read_text(encoding="utf-8"))
    printed = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
    assert re.search(r"^clip_gap = 0\.\d\d$", printed, re.M), "the glued numbers the text names are printed"
    assert sorted(p.name for p in work.iterdir()) == [RUN_CHAPTER], "the chapter wrote into the working folder"


def first_screen_html(notebook, cells: int = 6) -> str:
    """The first ``cells`` cells of a notebook as one HTML page: Markdown through markdown-it-py's CommonMark
    renderer (what Colab's Markdown renderer follows), code as preformatted text."""
    import html

    commonmark = MarkdownIt("commonmark")
    parts = [f'<div class="md">{commonmark.render(c.source)}</div>' if c.cell_type == "markdown"
             else f'<pre class="code">{html.escape(c.source)}</pre>' for c in notebook.cells[:cells]]
    style = ("body{font-family:sans-serif;max-width:1000px;margin:20px auto;font-size:15px}"
             ".md{border-left:3px solid #ddd;padding:4px 12px;margin:8px 0}"
             ".code{background:#f4f4f4;padding:8px;font-size:13px}"
             "blockquote{border-left:4px solid #9bd;margin:0;padding:2px 12px;background:#f6fbff}")
    return f'<html><head><meta charset="utf-8"><style>{style}</style></head><body>{"".join(parts)}</body></html>'


def test_first_screen_as_a_commonmark_renderer_shows_it(tmp_path):
    """Chapter 0's edition rendered by markdown-it-py and shown in headless Chromium: no MyST markup in the
    visible text; the screenshot goes to _build/screenshots/colab-00-first-screen.png."""
    from tests.test_browser import SCREENSHOTS, _chromium, _skip_or_fail

    page = tmp_path / "first-screen.html"
    page.write_text(first_screen_html(nbformat.read(ROOT / "colab" / RUN_CHAPTER, as_version=4)), encoding="utf-8")
    browser_path = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("Playwright is not installed")
    if browser_path is None:
        _skip_or_fail("no Chromium found (apt-get install chromium, or set GAPNOTES_CHROMIUM)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "colab-00-first-screen.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        tab = browser.new_page(viewport={"width": 1100, "height": 1000})
        tab.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        tab.goto(page.as_uri())
        text = tab.inner_text("body")
        tab.screenshot(path=str(shot))
        browser.close()
    for raw in ("{glue", "{cite", "{term}", "```{", ":label:", "<!--", "../book/"):
        assert raw not in text, f"the rendered first screen shows {raw!r}"
    assert "This is the Colab edition" in text and "Liang et al. (2022)" in text
    assert shot.stat().st_size > 10_000
