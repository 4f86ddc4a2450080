"""The Colab edition of the chapters: the same notebooks, with Markdown that Colab renders.

Colab renders CommonMark (plus tables, HTML and MathJax), not MyST. This module rewrites every
chapter's Markdown cells, found by MyST's own parser (myst-parser on markdown-it-py, the book's
extensions on), and keeps every code cell as it is:

* ``{cite:t}`key``` / ``{cite:p}`key``` → "Liang et al. (2022)" / "(Liang et al., 2022)", linked to
  the online book's references page (authors and years from ``book/references.bib``);
* ``{term}`modality gap``` → a link to the term in the online glossary;
* ``{glue:text}`name``` → the name in code type and where the reader's own run prints it ("printed
  below"): without MyST-NB, :func:`gapnotes.book.glue` prints ``name = value``;
* ``{exercise}``, ``{prf:theorem}`` and admonitions → block quotes; ``{solution}`` → a folded
  ``<details>``; a gated solution (``{solution-start}`` … ``{solution-end}``) → a line before its code
  cells and its explanation folded;
* relative links and images → absolute: pages of the online book, the Colab edition of a chapter,
  files by their raw GitHub address; the chapter's Colab badge opens this edition.

Code cells are kept as they are, without outputs, except the cells that show the package's own code
(``show_source(module.function, …)``, :func:`gapnotes.book.show_source`): they carry their output,
the functions' source read from the package when the edition is written, so a reader sees the code
before running anything (and ``tests/test_colab.py`` fails when the package has changed since).

A first Markdown cell after the title says what the edition is and how long the chapter takes
(measured: the ``<!-- time:... -->`` figures of ``benchmarks/results.json``, see ``tools.timings``).

    python -m tools.colab            # write colab/NN_*.ipynb from notebooks/ (make colab)
    python -m tools.colab --check    # exit 1 when colab/ is not what the chapters give now

The edition is committed (``colab/``) so that a Colab address reaches it, and
``tests/test_colab.py`` fails when it is stale.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from tools.address import configured
from tools.time_marks import rewrite_marked

ROOT = Path(__file__).resolve().parents[1]
EDITION = "colab"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:-]+)\}\s*(?P<argument>.*)$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
_GLUE_CALL = re.compile(r"""\bglue\(\s*["'](?P<name>[\w-]+)["']""")
_ADMONITIONS = {"note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important", "warning": "Warning",
                "caution": "Caution", "attention": "Attention", "danger": "Danger", "error": "Error",
                "seealso": "See also"}
_THEOREMS = {"prf:theorem": "Theorem", "prf:lemma": "Lemma", "prf:definition": "Definition",
             "prf:proof": "Proof", "prf:remark": "Remark"}


@functools.lru_cache(maxsize=1)
def _parser():
    import yaml
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    extensions = set(config.get("parse", {}).get("myst_enable_extensions", []))
    return create_md_parser(MdParserConfig(enable_extensions=extensions), RendererHTML)


@dataclass
class Site:
    """Where the book lives: the online book, the repository on GitHub, and the bibliography."""

    slug: str
    branch: str
    root: Path = ROOT

    @classmethod
    def configured(cls, root: Path | str = ROOT) -> Site:
        repository = configured(root)
        return cls(repository.slug, repository.branch, Path(root))

    @property
    def book(self) -> str:
        owner, name = self.slug.split("/")
        return f"https://{owner.lower()}.github.io/{name}/"

    def colab(self, notebook: str) -> str:
        """The Colab address of the edition of ``notebook`` (a file name such as ``00_x.ipynb``)."""
        return f"https://colab.research.google.com/github/{self.slug}/blob/{self.branch}/{EDITION}/{notebook}"

    def raw(self, path: str) -> str:
        return f"https://raw.githubusercontent.com/{self.slug}/{self.branch}/{path}"

    @cached_property
    def references(self) -> dict:
        """bibtex key → (author text, year) from ``book/references.bib``."""
        from pybtex.database import parse_file

        out = {}
        for key, entry in parse_file(str(self.root / "book" / "references.bib")).entries.items():
            people = entry.persons.get("author", [])
            last = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
            names = (last[0] if len(last) == 1 else f"{last[0]} and {last[1]}" if len(last) == 2
                     else f"{last[0]} et al." if last else key)
            out[key] = (names, entry.fields.get("year", "n.d."))
        return out

    def absolute(self, target: str, image: bool = False) -> str:
        """A link or image address of a chapter (relative to ``notebooks/``) made absolute."""
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            return target
        path, _, anchor = target.partition("#")
        anchor = f"#{anchor}" if anchor else ""
        resolved = (Path("notebooks") / path).as_posix()
        parts = []
        for part in resolved.split("/"):
            if part == "..":
                if not parts:
                    raise ValueError(f"link {target!r} leaves the repository")
                parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        resolved = "/".join(parts)
        if image or not resolved.endswith((".md", ".ipynb")):
            return self.raw(resolved) + anchor
        if resolved.startswith("notebooks/") and resolved.endswith(".ipynb"):
            return self.colab(resolved.removeprefix("notebooks/")) + anchor
        return self.book + re.sub(r"\.(md|ipynb)$", ".html", resolved) + anchor


class Converter:
    """Rewrites the Markdown of one chapter (see the module doc); ``glued`` maps a glue name to the
    index of the code cell that glues it."""

    def __init__(self, site: Site, glued: dict, where: str):
        self.site, self.glued, self.where = site, glued, where
        self.md = _parser()
        self.cell = 0

    # ------------------------------------------------------------------ inline
    def role(self, name: str, content: str) -> str:
        if name in ("cite:t", "cite:p"):
            cited = []
            for key in (k.strip() for k in content.split(",")):
                if key not in self.site.references:
                    raise ValueError(f"{self.where}: {{{name}}}`{content}`: {key!r} is not in book/references.bib")
                names, year = self.site.references[key]
                cited.append(f"{names} ({year})" if name == "cite:t" else f"{names}, {year}")
            text = "; ".join(cited)
            link = f"{self.site.book}book/references.html"
            return f"[{text}]({link})" if name == "cite:t" else f"([{text}]({link}))"
        if name == "term":
            match = re.fullmatch(r"(?P<text>.*?)\s*<(?P<target>[^>]+)>", content, re.DOTALL)
            text, target = (match["text"], match["target"]) if match else (content, content)
            anchor = "term-" + re.sub(r"\W+", "-", target.strip()).strip("-")
            return f"[{text}]({self.site.book}book/glossary.html#{anchor})"
        if name == "glue:text":
            key = content.split(":", 1)[0]
            cell = self.glued.get(key)
            if cell is None:  # glued under a computed name (glue(f"r1_{name}", ...)): the nearest such cell
                dynamic = self.glued.get(None, [])
                before = [i for i in dynamic if i < self.cell]
                cell = before[-1] if before else dynamic[0] if dynamic else None
            if cell is None:
                raise ValueError(f"{self.where}: {{glue:text}}`{content}` is glued by no code cell of the chapter")
            where = "above" if cell < self.cell else "below"
            return f"`{key}` (printed {where})"
        raise ValueError(f"{self.where}, cell {self.cell}: no Colab rendering for the role {{{name}}}")

    def inline(self, text: str) -> str:
        """Roles and relative links of a Markdown fragment without directives."""
        replacements = []
        for token in self.md.parse(text):
            for child in token.children or []:
                if child.type == "myst_role":
                    source = f"{{{child.meta['name']}}}`{child.content}`"
                    replacements.append((source, self.role(child.meta["name"], child.content)))
                elif child.type in ("link_open", "image"):
                    attribute = "href" if child.type == "link_open" else "src"
                    target = str(child.attrs.get(attribute, ""))
                    new = self.site.absolute(target, image=child.type == "image")
                    if new != target:
                        replacements.append((f"]({target}", f"]({new}"))
                elif child.type == "html_inline":
                    replacements.extend(self._html(child.content))
            if token.type == "html_block":
                replacements.extend(self._html(token.content))
        for old, new in replacements:
            if old not in text:
                raise ValueError(f"{self.where}, cell {self.cell}: cannot find {old!r} to rewrite")
            text = text.replace(old, new, 1)
        return text

    def _html(self, html: str) -> list:
        out = []
        for match in re.finditer(r"""\b(src|href)=["']([^"']+)["']""", html):
            new = self.site.absolute(match[2], image=match[1] == "src")
            if new != match[2]:
                out.append((match[0], match[0].replace(match[2], new)))
        return out

    # ------------------------------------------------------------------ blocks
    def markdown(self, text: str) -> str:
        """A whole Markdown fragment: directives rendered as plain Markdown, the rest by :meth:`inline`."""
        lines = text.split("\n")
        pieces, done = [], 0
        for token in self.md.parse(text):
            if token.type != "fence" or token.level != 0 or not token.info.startswith("{"):
                continue
            start, end = token.map
            pieces.append(self.inline("\n".join(lines[done:start])))
            pieces.append(self.directive(token.info, token.content))
            done = end
        pieces.append(self.inline("\n".join(lines[done:])))
        return "\n".join(pieces)

    def directive(self, info: str, content: str) -> str:
        match = _DIRECTIVE.match(info.strip())
        if match is None:
            raise ValueError(f"{self.where}, cell {self.cell}: cannot read the directive {info!r}")
        name, argument = match["name"], match["argument"].strip()
        body_lines, options = content.split("\n"), {}
        while body_lines and _OPTION.match(body_lines[0]):
            option = _OPTION.match(body_lines.pop(0))
            options[option["key"]] = option["value"]
        body = self.markdown("\n".join(body_lines).strip("\n"))
        if name == "exercise":
            return _quote(f"**Exercise: {self.inline(argument)}**" if argument else "**Exercise**", body)
        if name == "solution":
            return f"<details>\n<summary><b>Solution</b> (click to show)</summary>\n\n{body}\n\n</details>"
        if name == "solution-start":
            return ("**Solution.** The code cell(s) below are the solution: try the exercise first. "
                    "The explanation after them is folded.")
        if name == "solution-end":
            return ""
        if name in _THEOREMS:
            title = f" ({self.inline(argument)})" if argument else ""
            return _quote(f"**{_THEOREMS[name]}**{title}", body)
        if name in _ADMONITIONS or name == "admonition":
            title = self.inline(argument) if name == "admonition" else _ADMONITIONS[name]
            return _quote(f"**{title}**", body)
        raise ValueError(f"{self.where}, cell {self.cell}: no Colab rendering for the directive {{{name}}}")

    def cell_source(self, text: str, inside_solution: bool) -> tuple[str, bool]:
        """One Markdown cell; the explanation of a gated solution (up to ``{solution-end}``) is folded.

        Returns the new text and whether a gated solution is still open after this cell.
        """
        tokens = [t for t in self.md.parse(text) if t.type == "fence" and t.level == 0 and t.info.startswith("{")]
        names = [_DIRECTIVE.match(t.info.strip())["name"] for t in tokens]
        if inside_solution and "solution-end" in names:
            end = tokens[names.index("solution-end")].map[0]
            lines = text.split("\n")
            explanation = self.markdown("\n".join(lines[:end]).strip("\n"))
            rest = self.markdown("\n".join(lines[end:]))
            folded = ("<details>\n<summary><b>Solution, explained</b> (click to show)</summary>\n\n"
                      f"{explanation}\n\n</details>")
            return (folded + "\n" + rest).strip("\n"), "solution-start" in names[names.index("solution-end"):]
        opened = inside_solution
        for name in names:
            opened = True if name == "solution-start" else False if name == "solution-end" else opened
        return self.markdown(text).strip("\n"), opened


def shown_functions(source: str) -> list[tuple[str, str]] | None:
    """``[(module, function), …]`` of a code cell that is one ``show_source(module.function, …)`` call
    (``module`` a module of ``gapnotes``), else None."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "show_source"):
        return None
    shown = []
    for argument in call.args:
        if not (isinstance(argument, ast.Attribute) and isinstance(argument.value, ast.Name)):
            raise ValueError(f"show_source takes module.function arguments, got {ast.unparse(argument)!r}")
        shown.append((argument.value.id, argument.attr))
    return shown


def shown_objects(shown: list[tuple[str, str]]) -> list:
    """The functions ``[(module, function), …]`` names: ``module`` is a module of ``gapnotes`` or of
    its trainer's parts, ``gapnotes.training`` (``from gapnotes.training import plain``)."""
    import importlib

    objects = []
    for module, name in shown:
        try:
            found = importlib.import_module(f"gapnotes.{module}")
        except ModuleNotFoundError:
            found = importlib.import_module(f"gapnotes.training.{module}")
        objects.append(getattr(found, name))
    return objects


def shown_output(source: str):
    """The output a ``show_source(…)`` cell displays (an nbformat ``execute_result``), or None for any
    other cell."""
    import nbformat

    from gapnotes.book import show_source

    shown = shown_functions(source)
    if shown is None:
        return None
    code = show_source(*shown_objects(shown))
    return nbformat.v4.new_output("execute_result", data={"text/markdown": code._repr_markdown_(),
                                                          "text/plain": repr(code)}, execution_count=None)


def _quote(title: str, body: str) -> str:
    lines = [title, ""] + body.split("\n")
    return "\n".join(f"> {line}".rstrip() for line in lines)


def glued_cells(notebook) -> dict:
    """glue name → index of the code cell that glues it; ``None`` → the cells that glue computed names."""
    found = {}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            for match in _GLUE_CALL.finditer(cell.source):
                found.setdefault(match["name"], index)
            if len(re.findall(r"\bglue\(", cell.source)) > len(_GLUE_CALL.findall(cell.source)):
                found.setdefault(None, []).append(index)
    return found


INTRO = """\
> **This is the Colab edition** of this chapter of [*Mind the Gap*]({book}), generated from the book's
> notebook: the same code, with Markdown that Colab renders. Run it from the top (*Runtime → Run all*).
> The first code cell installs the book's package `gapnotes` (never torch: Colab's own is used).
>
> **How long it takes.** On a 2-core CPU like Colab's free runtime, about <!-- time:chapter-{number}-alone -->?<!-- /time -->
> (measured on <!-- time:machine -->?<!-- /time -->, the chapter alone from an empty model cache;
> Colab's CPU has not been timed). On a GPU runtime
> (*Runtime → Change runtime type → T4 GPU*) training runs on the GPU automatically; that time is not
> measured.
>
> **Numbers in the text.** The published book prints the numbers it discusses into its sentences. Here
> the text names them in code type, e.g. `{example}` (printed below): the cell that computes each one
> prints `name = value` as you run it."""


def convert(notebook, site: Site, name: str, results: dict | None = None, course: bool = False):
    """The Colab edition of one chapter (a new notebook; ``notebook`` is not changed).

    ``course``: ``notebook`` is an assignment nbgrader released (``tools.course``): its nbgrader cells
    (answers, checks, written tasks; nbgrader checksums them) and its cell ids are kept as they are, and
    its Colab badge, which opens the course's own repository, is left alone.
    """
    import nbformat

    out = copy.deepcopy(notebook)
    glued = glued_cells(out)
    converter = Converter(site, glued, name)
    inside = False
    for index, cell in enumerate(out.cells):
        if cell.cell_type == "code" or (course and cell.metadata.get("nbgrader")):
            if not course:
                cell.metadata.pop("execution", None)
                cell.outputs, cell.execution_count = [], None
                if cell.cell_type == "code" and (output := shown_output(cell.source)) is not None:
                    cell.outputs = [output]
            continue
        cell.metadata.pop("execution", None)
        converter.cell = index
        cell.source, inside = converter.cell_source(cell.source, inside)
    if inside:
        raise ValueError(f"{name}: a {{solution-start}} is never closed by {{solution-end}}")
    title = out.cells[0]
    title.source = title.source.replace(site.raw("book/_static/colab-badge.svg"), COLAB_BADGE)
    if not course:
        title.source = re.sub(r"\]\(https://colab\.research\.google\.com/github/[^)]*\)", f"]({site.colab(name)})",
                              title.source)
    intro = INTRO.format(book=site.book, number=name[:2], example=next((k for k in glued if k), "clip_gap"))
    if not glued:  # a chapter without glued numbers needs no word on them
        intro = intro.split("\n>\n> **Numbers in the text.**")[0]
    if results is not None:
        intro, _ = rewrite_marked(intro, results, page=f"{EDITION}/{name}")
    out.cells.insert(1, nbformat.v4.new_markdown_cell(intro))
    out.metadata["colab"] = {"name": name, "provenance": []}
    out.metadata.pop("widgets", None)
    if course:
        out.cells[1]["id"] = "colab-edition"
        out.metadata.setdefault("gapnotes", {})["colab"] = True
        return out
    out.metadata["gapnotes"] = {"edition": EDITION, "source": f"notebooks/{name}"}
    for index, cell in enumerate(out.cells):  # ids derived from the position: the edition is reproducible
        cell["id"] = f"cell-{index:03d}"
    return out


def measured_results(root: Path | str = ROOT) -> dict | None:
    """``benchmarks/results.json`` (the measured times the first cell quotes), or None where it is absent."""
    path = Path(root) / "benchmarks" / "results.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def chapters(root: Path | str = ROOT) -> list[Path]:
    return sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def edition(root: Path | str = ROOT) -> dict[str, str]:
    """file name → the text of its Colab edition, for every chapter."""
    import nbformat

    root = Path(root)
    site = Site.configured(root)
    results = measured_results(root)
    out = {}
    for path in chapters(root):
        notebook = nbformat.read(path, as_version=4)
        text = nbformat.writes(convert(notebook, site, path.name, results))
        out[path.name] = text if text.endswith("\n") else text + "\n"
    return out


def stale(root: Path | str = ROOT, out: Path | str | None = None) -> tuple[dict, list[str], list[str]]:
    """(the edition's texts, the file names in ``out`` that differ from them, files without a chapter)."""
    root = Path(root)
    out = root / EDITION if out is None else Path(out)
    texts = edition(root)
    differ = [name for name, text in texts.items()
              if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != text]
    extra = sorted(p.name for p in out.glob("*.ipynb") if p.name not in texts) if out.is_dir() else []
    return texts, differ, extra


def write(root: Path | str = ROOT, out: Path | str | None = None) -> list[Path]:
    """Write the Colab edition of every chapter to ``out`` (default ``<root>/colab``); the files changed.

    A file in ``out`` without a chapter (a chapter renamed or removed) is reported, not deleted.
    """
    root = Path(root)
    out = root / EDITION if out is None else Path(out)
    texts, differ, extra = stale(root, out)
    out.mkdir(parents=True, exist_ok=True)
    for name in differ:
        (out / name).write_text(texts[name], encoding="utf-8")
    for name in extra:
        print(f"note: {out / name} has no chapter in notebooks/; remove it by hand", file=sys.stderr)
    return [out / name for name in differ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.colab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / EDITION, help="folder to write (default colab/)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the folder is not up to date")
    args = parser.parse_args(argv)
    if args.check:
        _, differ, extra = stale(ROOT, args.out)
        for name in differ:
            print(f"{args.out / name}: not the Colab edition of notebooks/{name} (run `make colab`)", file=sys.stderr)
        for name in extra:
            print(f"{args.out / name}: no chapter notebooks/{name} (remove it)", file=sys.stderr)
        return 1 if differ or extra else 0
    changed = write(ROOT, args.out)
    print(f"{len(chapters(ROOT))} chapters in {args.out} ({len(changed)} rewritten)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
