"""Student edition of the book, generated from the chapters (never a second hand-kept copy).

    python -m tools.student [--out _build/student] [--repository-url URL] [--build-html]

For every chapter in ``notebooks/`` this writes a student notebook in which

- each solution *code* cell (between ``{solution-start}`` and ``{solution-end}``) becomes a stub
  ``# YOUR CODE HERE`` cell that names the variables the exercise's check reads, and raises
  ``NotImplementedError`` until the student replaces it;
- each solution *text* (a ``{solution}`` block, or the explanation inside a gated solution) is removed
  and a "Your answer" line left in its place;
- every check cell (a code cell tagged ``check``, which calls :func:`gapnotes.exercises.check`) is kept,
  so the student gets feedback; stub and check cells are tagged ``skip-execution`` so the student
  HTML can be built without answers;
- outputs are cleared and a banner says this is the student edition.

Next to the notebooks it writes a Jupyter Book project (``_config.yml`` with sphinx-exercise's
``hide_solutions: true``, ``_toc.yml``, ``book/``) so that ``--build-html`` renders the student
HTML into ``<out>/_build/html``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["make_student_notebook", "paste_back_solutions", "solution_cells", "write_student_edition"]

ROOT = Path(__file__).resolve().parents[1]
STUB_TAG = "student-stub"
CHECK_TAG = "check"
SKIP_TAG = "skip-execution"
ANSWER_LINE = "> **Your answer:** *(double-click this cell and write it here)*"
BANNER = (
    "> **Student edition.** Solutions are removed. Each exercise with code has a `# YOUR CODE HERE` cell:\n"
    "> replace its `raise NotImplementedError(...)` with your solution, run it, then run the *check* cell\n"
    "> below it, which tells you whether your answer is right (✅) or what is still missing (❌)."
)
_FENCE_OPEN = re.compile(r"^(`{3,}|:{3,})\{(solution|solution-start|solution-end)\}\s*(\S*)")
_BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\(https://colab\.research\.google\.com/github/[^)]*\)\n*")


def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def _check_label(source: str) -> str | None:
    """The exercise label of a check cell: the first string argument of its ``check(...)`` call."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "check":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                return node.args[0].value
    return None


def _names(source: str, store: bool) -> set:
    """Top-level names a cell assigns (``store``) or reads."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    wanted = ast.Store if store else ast.Load
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, wanted)}


def _strip_markdown(source: str, inside: str | None) -> tuple[str, str | None]:
    """Remove solution text from one markdown cell.

    ``inside`` is the label of a gated solution still open from an earlier cell (or None).
    Returns the kept text and the label of a gated solution still open at the cell's end.
    """
    lines = source.split("\n")
    kept, i = [], 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i])
        if match:
            fence, kind, label = match.groups()
            close = i + 1  # the directive ends at the first line that is exactly its fence
            while close < len(lines) and lines[close].strip() != fence:
                close += 1
            if close == len(lines):
                raise ValueError(f"unterminated {{{kind}}} directive: {lines[i]!r}")
            if kind == "solution":
                kept.append(ANSWER_LINE)
            elif kind == "solution-start":
                if inside is not None:
                    raise ValueError(f"solution-start {label!r} inside the open solution {inside!r}")
                inside = label
            else:  # solution-end
                if inside is None:
                    raise ValueError("solution-end without a solution-start")
                inside = None
                kept.append(ANSWER_LINE)
            i = close + 1
            continue
        if inside is None:
            kept.append(lines[i])
        i += 1
    text = "\n".join(kept)
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text, inside


def solution_cells(notebook) -> list[tuple[int, str]]:
    """``(cell index, exercise label)`` of every solution code cell of a source notebook."""
    found, inside = [], None
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            _, inside = _strip_markdown(cell.source, inside)
        elif inside is not None:
            if CHECK_TAG in _tags(cell):
                raise ValueError(f"cell {index}: a check cell must follow the solution, not sit inside it")
            found.append((index, inside))
    if inside is not None:
        raise ValueError(f"solution {inside!r} is never closed by solution-end")
    return found


def _stub(label: str, needed: list[str]) -> str:
    lines = [f"# YOUR CODE HERE (exercise {label})"]
    if needed:
        lines.append(f"# The check below reads: {', '.join(needed)}")
    lines.append(f'raise NotImplementedError("{label}: replace this line with your solution")')
    return "\n".join(lines)


def make_student_notebook(notebook, colab_url: str | None = None):
    """The student version of one source notebook (a new nbformat notebook; the input is not changed).

    ``colab_url``: the Colab link for the student notebook's badge; by default the badge is removed
    (the book's own badge opens the version *with* solutions).
    """
    import nbformat

    solutions = dict(solution_cells(notebook))
    checks: dict[str, list[str]] = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and CHECK_TAG in _tags(cell):
            label = _check_label(cell.source)
            if label is None:
                raise ValueError(f"check cell does not call check('<label>', ...): {cell.source[:80]!r}")
            checks.setdefault(label, []).append(cell.source)

    out = nbformat.v4.new_notebook(metadata=copy.deepcopy(notebook.metadata))
    out.metadata["gapnotes"] = {"edition": "student"}
    inside = None
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            text, inside = _strip_markdown(cell.source, inside)
            if index == 0:
                badge = "" if colab_url is None else f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url})\n\n"
                text = _BADGE.sub(badge, text)
            if text.strip():
                out.cells.append(nbformat.v4.new_markdown_cell(text, metadata=copy.deepcopy(cell.metadata)))
            if index == 0:
                out.cells.append(nbformat.v4.new_markdown_cell(BANNER))
        elif cell.cell_type == "code" and index in solutions:
            label = solutions[index]
            reads = set().union(*(_names(src, store=False) for src in checks.get(label, []))) if label in checks else set()
            needed = sorted(_names(cell.source, store=True) & reads)
            stub = nbformat.v4.new_code_cell(_stub(label, needed))
            stub.metadata["tags"] = [STUB_TAG, SKIP_TAG]
            stub.metadata["gapnotes"] = {"exercise": label}
            out.cells.append(stub)
        elif cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(cell.source, metadata=copy.deepcopy(cell.metadata))
            new.metadata.pop("execution", None)
            if CHECK_TAG in _tags(cell):
                new.metadata["tags"] = [*_tags(cell), SKIP_TAG] if SKIP_TAG not in _tags(cell) else _tags(cell)
            out.cells.append(new)
        else:
            out.cells.append(copy.deepcopy(cell))
    return out


def paste_back_solutions(student, source):
    """The student notebook with every stub replaced by the source's solution (for tests and teachers)."""
    solutions = [source.cells[i].source for i, _ in solution_cells(source)]
    pasted = copy.deepcopy(student)
    stubs = [cell for cell in pasted.cells if STUB_TAG in _tags(cell)]
    if len(stubs) != len(solutions):
        raise ValueError(f"{len(stubs)} stubs but {len(solutions)} solution cells: regenerate the student notebook")
    for cell, solution in zip(stubs, solutions):
        cell.source = solution
        cell.metadata["tags"] = [t for t in _tags(cell) if t not in (STUB_TAG, SKIP_TAG)]
    for cell in pasted.cells:
        if cell.cell_type == "code" and CHECK_TAG in _tags(cell):
            cell.metadata["tags"] = [t for t in _tags(cell) if t != SKIP_TAG]
    return pasted


def _student_config(source: Path, repository_url: str | None) -> str:
    """The book's _config.yml with solutions hidden and launch links pointing at the student edition."""
    import yaml

    config = yaml.safe_load(source.read_text())
    config["title"] = f"{config.get('title', 'Mind the Gap')} (student edition)"
    config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
    if repository_url:
        config.setdefault("repository", {})["url"] = repository_url
    else:  # the book's launch buttons would open the notebooks *with* solutions
        config.pop("launch_buttons", None)
        html = config.setdefault("html", {})
        html["use_repository_button"] = False
        html["use_issues_button"] = False
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def write_student_edition(out: Path | str = ROOT / "_build" / "student", root: Path | str = ROOT,
                          repository_url: str | None = None, branch: str = "main") -> list[Path]:
    """Write the student notebooks (``<out>/notebooks``) and a buildable book project around them.

    Refuses to write into the source tree. Returns the notebook paths written.
    """
    import nbformat

    root, out = Path(root).resolve(), Path(out).resolve()
    if out == root or root.is_relative_to(out) or (out.is_relative_to(root / "notebooks")):
        raise ValueError(f"out ({out}) must be a separate folder, not the source tree {root}")
    sources = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no chapters found in {root / 'notebooks'}")
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    written = []
    for path in sources:
        colab = None
        if repository_url:
            github = repository_url.rstrip("/").removeprefix("https://github.com/")
            colab = f"https://colab.research.google.com/github/{github}/blob/{branch}/notebooks/{path.name}"
        student = make_student_notebook(nbformat.read(path, as_version=4), colab_url=colab)
        target = out / "notebooks" / path.name
        nbformat.write(student, target)
        written.append(target)
    shutil.copy2(root / "_toc.yml", out / "_toc.yml")
    if (out / "book").exists():
        shutil.rmtree(out / "book")
    shutil.copytree(root / "book", out / "book")
    (out / "_config.yml").write_text(_student_config(root / "_config.yml", repository_url))
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the student edition of the book (notebooks, optionally HTML).")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "student", help="output folder")
    parser.add_argument("--repository-url", help="GitHub repository where you publish the student notebooks "
                                                 "(for their Colab badges and launch buttons)")
    parser.add_argument("--build-html", action="store_true", help="also build the student HTML (executes the book)")
    args = parser.parse_args(argv)
    written = write_student_edition(args.out, repository_url=args.repository_url)
    print(f"{len(written)} student notebooks written to {args.out / 'notebooks'}")
    if args.build_html:
        command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(args.out), "--all",
                   "--warningiserror", "--nitpick", "--keep-going"]
        result = subprocess.run(command, check=False)
        if result.returncode:
            return result.returncode
        print(f"Student HTML written to {args.out / '_build' / 'html' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
