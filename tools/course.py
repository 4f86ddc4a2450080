"""The book as an nbgrader course: the chapters released as assignments, and graded.

    python -m tools.course release [--course _build/course] [--repository-url URL] [--student-html]
    python -m tools.course grade [--course _build/course] [--force]

The chapters are the single source. Their exercises carry nbgrader's own metadata and markers
(solution regions ``### BEGIN SOLUTION`` … ``### END SOLUTION``, autograded check cells with
points and ``### BEGIN HIDDEN TESTS`` regions, manually graded answer cells for written
solutions); nbgrader does the rest. This module only does what nbgrader does not:

- ``release`` writes the course folder (``nbgrader_config.py`` and ``source/<chapter>/`` for every
  chapter with exercises), dropping the sphinx-exercise ``{solution-start}`` fences nbgrader does
  not know about, replacing the Colab badge (it would open the book's notebook *with* solutions)
  and adding a banner for students; then it runs ``nbgrader generate_assignment`` for each
  chapter, which writes ``release/<chapter>/``. With ``--student-html`` it also builds the
  student HTML from the released notebooks (``_build/student/_build/html``).
- ``grade`` runs ``nbgrader autograde``, ``nbgrader generate_feedback`` and ``nbgrader export``
  over ``submitted/*/`` and prints the grade table (``grades.csv``).

Files a person may have edited are never overwritten silently: the course folder records a
checksum of every file ``release`` wrote, and a file that no longer matches is left alone with an
error unless ``--force`` is given. Submissions, grades and the gradebook are never touched.
"""

from __future__ import annotations

import argparse
import copy
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = [
    "ANSWER_STUB",
    "assignments",
    "course_notebook",
    "grade",
    "release",
    "write_student_book",
]

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "_build" / "course"
STUDENT = ROOT / "_build" / "student"
MANIFEST = ".generated.json"
SKIP_TAG = "skip-execution"
REVEAL_TAG = "reveals-solution"  # cells that show the package's answer to an "implement it" exercise
ANSWER_STUB = "> **Your answer:** *(double-click this cell and write it here)*"
BANNER = (
    "> **Assignment.** The solutions are removed. In each code cell that says "
    "`# YOUR CODE HERE`, replace\n"
    "> `raise NotImplementedError()` with your code and run it; the *check* cell below it "
    "says whether your answer\n"
    "> is right (✅) or what is still missing (❌). Write your explanations in the "
    "*Your answer* cells.\n"
    "> Your teacher grades the notebook with further, hidden tests: compute every answer, "
    "do not type numbers in.\n"
    "> When you are done, save the notebook (in Colab: *File → Download → Download .ipynb*) "
    "and hand it in\n"
    "> under its own name."
)
CONFIG = '''\
# nbgrader configuration of the Mind the Gap course: written by `make student`
# (python -m tools.course release). Edit it freely: `make student` never overwrites an edited copy.
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "mind-the-gap"
# what a written solution becomes in the released notebook
c.ClearSolutions.text_stub = {stub!r}
# a chapter trains tiny CLIP models: a cell can take minutes on a CPU (nbgrader's default is 30 s)
c.Execute.timeout = 1800
'''
_FENCE = re.compile(r"^(`{3,}|:{3,})\{(solution|solution-start|solution-end)\}")
# links to the book's own pages: relative in the chapters, to the published book in a release
# (a released notebook sits in release/<chapter>/, where ../book/ does not exist)
BOOK_URL = "https://mind-the-gap-book.github.io/mind-the-gap/"
_PAGE_LINK = re.compile(r"\]\(\.\./book/([\w/-]+)\.md(#[^)\s]*)?\)")
_ONLINE_PAGE_LINK = re.compile(r"\]\(" + re.escape(BOOK_URL) + r"book/([\w/-]+)\.html(#[^)\s]*)?\)")
_BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\(https://colab\.research\.google\.com/github/[^)]*\)\n*")


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _drop_solution_start(source: str, where: str) -> str:
    """Remove every ``{solution-start}`` directive (its fence lines) from a markdown cell.

    A ``{solution}`` or ``{solution-end}`` directive outside an nbgrader answer cell is an error:
    nbgrader would release its text to the students.
    """
    lines, kept, i = source.split("\n"), [], 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            kept.append(lines[i])
            i += 1
            continue
        fence, kind = match.groups()
        if kind != "solution-start":
            raise ValueError(
                f"{where}: a {{{kind}}} directive outside an nbgrader answer cell would be released "
                "to students; give the solution its own markdown cell with nbgrader metadata "
                "(solution and grade true, points), as the other exercises do"
            )
        close = i + 1
        while close < len(lines) and lines[close].strip() != fence:
            close += 1
        if close == len(lines):
            raise ValueError(f"{where}: unterminated {{solution-start}} directive")
        i = close + 1
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")


def assignments(root: Path | str = ROOT) -> dict[str, Path]:
    """``{assignment name: chapter path}`` for every chapter with nbgrader cells (one assignment each)."""
    import nbformat

    found = {}
    for path in sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        if any(_nbgrader(cell) for cell in notebook.cells):
            found[path.stem] = path
    return found


def course_notebook(notebook, colab_url: str | None = None, where: str = "notebook"):
    """The nbgrader *source* version of a chapter (a new notebook; the input is not changed).

    It keeps the solutions (nbgrader removes them at release) and drops what only the book uses:
    the cells tagged ``reveals-solution`` (the package's own version of a function a student writes);
    the ``{solution-start}`` fences; the Colab badge is replaced by ``colab_url`` or removed;
    links to the book's pages (``../book/*.md``) go to the published book (:data:`BOOK_URL`). A
    banner for students follows the title cell. Checks that every code cell inside a gated
    solution is an nbgrader solution cell.
    """
    import nbformat

    out = copy.deepcopy(notebook)
    # the package's own version of a function an exercise asks for is shown in the book, not to students
    out.cells = [cell for cell in out.cells if REVEAL_TAG not in cell.metadata.get("tags", [])]
    for cell in out.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    inside = None  # the label of the gated solution open at this cell
    for index, cell in enumerate(out.cells):
        here = f"{where}, cell {index}"
        meta = _nbgrader(cell)
        if cell.cell_type == "markdown":
            opens = re.search(r"^`{3,}\{solution-start\}\s*(\S*)", cell.source, re.M)
            if meta.get("solution"):
                if "{solution-end}" in cell.source:
                    inside = None
                continue  # nbgrader replaces the whole answer cell
            cell.source = _drop_solution_start(cell.source, here)
            cell.source = _PAGE_LINK.sub(
                lambda m: f"]({BOOK_URL}book/{m[1]}.html{m[2] or ''})", cell.source
            )
            if opens:
                inside = opens.group(1)
        elif inside is not None and not meta.get("solution") and not meta.get("grade"):
            raise ValueError(
                f"{here}: code inside the solution {inside!r} is not an nbgrader solution cell "
                "(metadata nbgrader.solution), so it would be released"
            )
    if inside is not None:
        raise ValueError(f"{where}: the solution {inside!r} is never closed by an answer cell")
    title = out.cells[0]
    badge = ""
    if colab_url:
        badge = (
            "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({colab_url})\n\n"
        )
    title.source = _BADGE.sub(badge, title.source).strip("\n")
    out.cells.insert(1, nbformat.v4.new_markdown_cell(BANNER))
    out.metadata["gapnotes"] = {"edition": "course"}
    return out


def colab_release(path: Path, root: Path | str = ROOT):
    """A released assignment with the Markdown Colab renders (:func:`tools.colab.convert`, ``course=True``):
    its nbgrader cells, ids and Colab badge untouched, so a submission made in Colab grades as any other."""
    import nbformat

    from tools.colab import Site, convert, measured_results

    notebook = nbformat.read(path, as_version=4)
    return convert(notebook, Site.configured(root), path.name, measured_results(root), course=True)


class _Generated:
    """The files ``release`` wrote, with their checksums (``<course>/.generated.json``)."""

    def __init__(self, course: Path, force: bool):
        self.course, self.force = course, force
        self.path = course / MANIFEST
        self.sums = json.loads(self.path.read_text()) if self.path.is_file() else {}

    def write(self, path: Path, text: str, force: bool | None = None) -> None:
        key = path.relative_to(self.course).as_posix()
        new = hashlib.sha256(text.encode()).hexdigest()
        if path.exists() and not (self.force if force is None else force):
            old = hashlib.sha256(path.read_bytes()).hexdigest()
            if old != new and old != self.sums.get(key):
                raise FileExistsError(
                    f"{path} was changed after `make student` wrote it; not overwriting it. Keep "
                    "your changes in the chapters (notebooks/) or nbgrader_config.py, or pass "
                    "--force to replace the file"
                )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.sums[key] = new

    def save(self) -> None:
        self.path.write_text(json.dumps(self.sums, indent=1, sort_keys=True) + "\n")


def _run_nbgrader(course: Path, *args: str) -> str:
    """Run one nbgrader command in the course folder; its log on failure."""
    command = [sys.executable, "-m", "nbgrader", *args]
    # nbgrader runs the `alembic` script of its environment by name: put that environment first
    scripts = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": os.pathsep.join([scripts, os.environ.get("PATH", "")])}
    result = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True, check=False)
    log = result.stdout + result.stderr
    if result.returncode:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed in {course}:\n{log}")
    return log


def release(
    course: Path | str = COURSE,
    root: Path | str = ROOT,
    chapters: list[str] | None = None,
    repository_url: str | None = None,
    branch: str = "main",
    force: bool = False,
) -> dict[str, Path]:
    """Write ``<course>/source/`` from the chapters and release it with nbgrader.

    ``chapters``: assignment names to release (default: every chapter with exercises).
    ``repository_url``: the GitHub repository where you publish the assignments for Colab (the
    students' Colab badges: ``<repository>/blob/<branch>/<assignment>/<notebook>``); with it, each
    assignment is also written to ``<course>/colab/<assignment>/`` with Markdown that Colab renders:
    publish that folder's contents.
    Returns ``{assignment: released notebook}``.
    """
    import nbformat

    root, course = Path(root).resolve(), Path(course).resolve()
    if course == root or root.is_relative_to(course) or course.is_relative_to(root / "notebooks"):
        raise ValueError(f"course ({course}) must be a separate folder, not the source tree {root}")
    available = assignments(root)
    if not available:
        raise FileNotFoundError(f"no chapter in {root / 'notebooks'} has nbgrader exercises")
    chosen = list(available) if chapters is None else list(chapters)
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise ValueError(f"chapters: {unknown} are not chapters with exercises; choose from {sorted(available)}")
    course.mkdir(parents=True, exist_ok=True)
    generated = _Generated(course, force)
    config = CONFIG.format(stub=ANSWER_STUB)
    try:
        generated.write(course / "nbgrader_config.py", config, force=False)
    except FileExistsError as error:  # an edited configuration is the teacher's: keep it, even with force
        print(f"note: {error}", file=sys.stderr)
    released = {}
    for name in chosen:
        colab = None
        if repository_url:
            github = repository_url.rstrip("/").removeprefix("https://github.com/")
            colab = f"https://colab.research.google.com/github/{github}/blob/{branch}/{name}/{name}.ipynb"
        source = course_notebook(
            nbformat.read(available[name], as_version=4), colab, where=available[name].name
        )
        generated.write(course / "source" / name / f"{name}.ipynb", nbformat.writes(source) + "\n")
        generated.save()
        _run_nbgrader(course, "generate_assignment", name, "--force")
        released[name] = course / "release" / name / f"{name}.ipynb"
        if colab:  # what students open in Colab: the release with Markdown Colab renders (tools.colab)
            generated.write(course / "colab" / name / f"{name}.ipynb",
                            nbformat.writes(colab_release(released[name], root)) + "\n")
    generated.save()
    return released


def write_student_book(course: Path | str = COURSE, out: Path | str = STUDENT, root: Path | str = ROOT,
                       repository_url: str | None = None) -> list[Path]:
    """A Jupyter Book project of the released notebooks at ``out`` (``out/notebooks``, ``_toc.yml``,
    ``book/``, ``_config.yml`` with solutions hidden); chapters without exercises as in the book.

    The stub and check cells are tagged ``skip-execution``: the HTML is built without answers.
    """
    import nbformat
    import yaml

    root, course, out = Path(root).resolve(), Path(course).resolve(), Path(out).resolve()
    if out == root or root.is_relative_to(out) or out.is_relative_to(root / "notebooks"):
        raise ValueError(f"out ({out}) must be a separate folder, not the source tree {root}")
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    written, assigned = [], assignments(root)
    for chapter in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        released = course / "release" / chapter.stem / chapter.name
        if chapter.stem in assigned:
            if not released.is_file():
                raise FileNotFoundError(f"{released} is missing: run `python -m tools.course release` first")
            notebook = nbformat.read(released, as_version=4)
            for cell in notebook.cells:
                if cell.cell_type == "markdown":  # this book has the pages: link them locally
                    cell.source = _ONLINE_PAGE_LINK.sub(
                        lambda m: f"](../book/{m[1]}.md{m[2] or ''})", cell.source
                    )
                meta = _nbgrader(cell)
                if cell.cell_type == "code" and (meta.get("solution") or meta.get("grade")):
                    tags = cell.metadata.setdefault("tags", [])
                    if SKIP_TAG not in tags:
                        tags.append(SKIP_TAG)
        else:
            notebook = nbformat.read(chapter, as_version=4)
        target = out / "notebooks" / chapter.name
        nbformat.write(notebook, target)
        written.append(target)
    shutil.copy2(root / "_toc.yml", out / "_toc.yml")
    if (out / "book").exists():
        shutil.rmtree(out / "book")
    shutil.copytree(root / "book", out / "book")
    config = yaml.safe_load((root / "_config.yml").read_text())
    config["title"] = f"{config.get('title', 'Mind the Gap')} (student edition)"
    config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
    if repository_url:
        config.setdefault("repository", {})["url"] = repository_url
    else:  # the book's launch buttons would open the notebooks *with* solutions
        config.pop("launch_buttons", None)
        html = config.setdefault("html", {})
        html["use_repository_button"] = False
        html["use_issues_button"] = False
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return written


def build_student_html(out: Path | str = STUDENT) -> Path:
    """Build (and execute) the student book written by :func:`write_student_book`."""
    out = Path(out)
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(out), "--all",
               "--warningiserror", "--nitpick", "--keep-going"]
    subprocess.run(command, check=True)
    return out / "_build" / "html" / "index.html"


def grade(course: Path | str = COURSE, force: bool = False) -> list[dict]:
    """Autograde ``<course>/submitted/<student>/<assignment>/``, write feedback and ``grades.csv``.

    Runs nbgrader's own commands in the course folder: ``autograde "*"`` (a submission already
    graded is skipped unless it is newer, or ``force``), ``generate_feedback "*"`` (HTML in
    ``feedback/<student>/<assignment>/``) and ``export`` (``grades.csv``). The chapters run with
    the environment of this process, so they share the book's model cache
    (``GAPNOTES_CACHE_DIR``). Returns the rows of ``grades.csv``, each with a
    ``needs_manual_grade`` flag (written answers wait for ``nbgrader formgrader``).
    """
    course = Path(course).resolve()
    if not (course / "nbgrader_config.py").is_file() or not (course / "source").is_dir():
        raise FileNotFoundError(f"course: {course} is not a course folder; run `make student` first")
    submissions = sorted((course / "submitted").glob("*/*/*.ipynb"))
    if not submissions:
        raise FileNotFoundError(
            f"no submissions in {course / 'submitted'}: put each student's notebook at "
            "submitted/<student id>/<assignment>/<notebook>.ipynb (book/instructor.md)"
        )
    unknown = sorted({p.parent.name for p in submissions} - {p.name for p in (course / "source").iterdir()})
    if unknown:
        raise ValueError(f"submitted/: {unknown} are not assignments of this course")
    _run_nbgrader(course, "autograde", "*", *(["--force"] if force else []))
    _run_nbgrader(course, "generate_feedback", "*", *(["--force"] if force else []))
    _run_nbgrader(course, "export")
    with open(course / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    pending = _needs_manual_grade(course)
    for row in rows:
        row["needs_manual_grade"] = (row["student_id"], row["assignment"]) in pending
    return rows


def _needs_manual_grade(course: Path) -> set[tuple[str, str]]:
    """``(student, assignment)`` of the submissions with written answers still to grade by hand."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {
            (submission.student_id, assignment.name)
            for assignment in gradebook.assignments
            for submission in assignment.submissions
            if submission.needs_manual_grade
        }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="The book as an nbgrader course (book/instructor.md).")
    commands = parser.add_subparsers(dest="command", required=True)
    rel = commands.add_parser("release", help="write the course folder and release the assignments")
    rel.add_argument("--course", type=Path, default=COURSE, help="course folder (default _build/course)")
    rel.add_argument("--chapters", nargs="+", help="assignments to release (default: all with exercises)")
    rel.add_argument("--repository-url", help="GitHub repository where you publish release/ "
                                              "(for the students' Colab badges and launch buttons)")
    rel.add_argument("--branch", default="main", help="its branch (default main)")
    rel.add_argument("--student-html", action="store_true",
                     help="also build the student HTML into _build/student (executes the book)")
    rel.add_argument("--force", action="store_true", help="overwrite generated files you edited")
    gra = commands.add_parser("grade", help="autograde submitted/, write feedback and grades.csv")
    gra.add_argument("--course", type=Path, default=COURSE, help="course folder (default _build/course)")
    gra.add_argument("--force", action="store_true", help="re-grade submissions graded before")
    args = parser.parse_args(argv)
    try:
        if args.command == "release":
            released = release(args.course, chapters=args.chapters, repository_url=args.repository_url,
                               branch=args.branch, force=args.force)
            print(f"{len(released)} assignments released to {args.course / 'release'}")
            if args.student_html:
                write_student_book(args.course, repository_url=args.repository_url)
                print(f"Student HTML written to {build_student_html()}")
        else:
            rows = grade(args.course, force=args.force)
            submitted = {(p.parts[-3], p.parts[-2]) for p in (args.course / "submitted").glob("*/*/*.ipynb")}
            for row in (r for r in rows if (r["student_id"], r["assignment"]) in submitted):
                flag = "  written answers to grade by hand" if row["needs_manual_grade"] else ""
                print(f"{row['student_id']:>16}  {row['assignment']:<28} {float(row['score']):5.1f} "
                      f"/ {float(row['max_score']):.1f}{flag}")
            print(f"grades: {args.course / 'grades.csv'}; feedback: {args.course / 'feedback'}")
    except (FileNotFoundError, FileExistsError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
