"""The nbgrader course: the chapters' markup, the release (nothing leaks), grading, the student book."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

from tools import course

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ASSIGNMENTS = course.assignments()
FIRST = "00_the_modality_gap"
COURSE_REPOSITORY = "https://github.com/a-teacher/gap-course"
REGION = re.compile(r"^### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)^### END \1$", re.M | re.S)


def _read(path):
    return nbformat.read(path, as_version=4)


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def _labels(notebook):
    return [
        label
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for label in re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", cell.source)
    ]


def _hidden_lines(notebook):
    """Lines of the chapter's solution and hidden-test regions and answer cells that occur nowhere else."""
    inside, outside = set(), set()
    for cell in notebook.cells:
        source = cell.source
        if cell.cell_type == "markdown" and _meta(cell).get("solution"):
            inside.update(source.split("\n"))
            continue
        for match in REGION.finditer(source):
            inside.update(match.group(2).split("\n"))
        outside.update(REGION.sub("", source).split("\n"))
    return {line.strip() for line in inside - outside if len(line.strip()) >= 12}


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """Every assignment released once, into a course folder of its own."""
    path = tmp_path_factory.mktemp("course") / "course"
    course.release(path, repository_url=COURSE_REPOSITORY)
    return path


def test_the_chapters_with_exercises_are_the_assignments():
    with_exercises = {path.stem for path in CHAPTERS if _labels(_read(path))}
    assert set(ASSIGNMENTS) == with_exercises


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_every_exercise_carries_nbgrader_markup(name):
    notebook = _read(ASSIGNMENTS[name])
    cells = [cell for cell in notebook.cells if _meta(cell)]
    ids = [_meta(cell)["grade_id"] for cell in cells]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    for label in _labels(notebook):  # every exercise has a written answer worth points
        assert f"{label}-answer" in ids, f"{label} has no answer cell"
    for cell in cells:
        meta = _meta(cell)
        label = meta["grade_id"].rsplit("-", 1)[0]
        assert label in _labels(notebook), meta["grade_id"]
        if meta["grade"]:
            assert meta["points"] > 0
        if cell.cell_type == "code" and meta["solution"]:
            assert "### BEGIN SOLUTION" in cell.source and f"{label}-check" in ids
        if cell.cell_type == "code" and meta["grade"]:
            assert meta["locked"] and "check" in cell.metadata.get("tags", [])
            assert f'"{label}"' in cell.source, "a check cell checks its own exercise"
    checks = [cell for cell in cells if cell.cell_type == "code" and _meta(cell)["grade"]]
    if name != "07_real_models":  # the appendix's only exercise needs downloads: graded by hand
        assert checks, "at least one autograded exercise per chapter"
        assert any("### BEGIN HIDDEN TESTS" in cell.source for cell in checks), "no hidden test"


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_the_release_leaks_nothing(name, released):
    chapter, notebook = _read(ASSIGNMENTS[name]), _read(released / "release" / name / f"{name}.ipynb")
    text = "\n".join(cell.source for cell in notebook.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "{solution"):
        assert marker not in text, marker
    secret = _hidden_lines(chapter)
    assert secret, "the chapter has solutions"
    source = _read(released / "source" / name / f"{name}.ipynb")  # the check can fail: source has them
    assert secret <= {line.strip() for cell in source.cells for line in cell.source.split("\n")}
    leaked = sorted(secret & {line.strip() for line in text.split("\n")})
    assert not leaked, leaked
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    # the package's answer to an "implement it" exercise stays in the book
    revealing = {c.id for c in chapter.cells if course.REVEAL_TAG in c.metadata.get("tags", [])}
    assert not revealing & {c.id for c in notebook.cells}
    # release/<chapter>/ has no ../book/: the book's pages are linked online
    assert "../book/" in "".join(cell.source for cell in chapter.cells) and "../book/" not in text
    assert f"]({course.BOOK_URL}book/references.html)" in text
    # the visible checks are kept, with their points; each stub waits for the student's code
    def visible(cell):
        return REGION.sub("", cell.source).strip()

    chapter_checks = {_meta(c)["grade_id"]: c for c in chapter.cells if c.cell_type == "code" and _meta(c).get("grade")}
    release_checks = {_meta(c)["grade_id"]: c for c in notebook.cells if c.cell_type == "code" and _meta(c).get("grade")}
    assert chapter_checks.keys() == release_checks.keys()
    for grade_id, cell in chapter_checks.items():
        assert visible(release_checks[grade_id]) == visible(cell)
    for cell in notebook.cells:
        if cell.cell_type == "code" and _meta(cell).get("solution"):
            assert "raise NotImplementedError()" in cell.source
        elif cell.cell_type == "markdown" and _meta(cell).get("solution"):
            assert cell.source == course.ANSWER_STUB
    points = [sum(_meta(c).get("points", 0) for c in nb.cells) for nb in (chapter, notebook)]
    assert points[0] == points[1] > 0


def _submit(released, student, notebook):
    folder = released / "submitted" / student / FIRST
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{FIRST}.ipynb")


def test_grading_a_chapter(released):
    """Three submissions of chapter 0: the instructor's solutions, the untouched release, and one
    whose second answer is typed in: it passes the visible check but not the hidden test."""
    source = _read(released / "source" / FIRST / f"{FIRST}.ipynb")
    release = _read(released / "release" / FIRST / f"{FIRST}.ipynb")
    solutions = {_meta(c)["grade_id"]: c.source for c in source.cells if c.cell_type == "code" and _meta(c).get("solution")}
    # made in Colab: the Colab form of the release (released with --repository-url)
    wrong = _read(released / "colab" / FIRST / f"{FIRST}.ipynb")
    for cell in wrong.cells:
        if _meta(cell).get("grade_id") == "ex-00-cone-code":
            cell.source = solutions["ex-00-cone-code"]
        elif _meta(cell).get("grade_id") == "ex-00-direction-code":
            cell.source = "direction_cosine = 0.0  # |cos| < 0.3: the visible check passes"
    _submit(released, "instructor", source)
    _submit(released, "untouched", release)
    _submit(released, "wrong", wrong)

    rows = {row["student_id"]: row for row in course.grade(released) if row["assignment"] == FIRST}
    auto = sum(_meta(c).get("points", 0) for c in release.cells if c.cell_type == "code")
    total = sum(_meta(c).get("points", 0) for c in release.cells)
    assert auto == 6 and total == 10
    assert {float(row["max_score"]) for row in rows.values()} == {total}
    # the instructor: every autograded point; the written answers wait for the teacher
    assert float(rows["instructor"]["score"]) == auto and rows["instructor"]["needs_manual_grade"]
    # the untouched release: zero everywhere (nbgrader scores unchanged answers 0), no crash
    assert float(rows["untouched"]["score"]) == 0 and not rows["untouched"]["needs_manual_grade"]
    # the typed-in answer: the hidden test takes the exercise's points
    assert float(rows["wrong"]["score"]) == 2
    for student in rows:
        feedback = released / "feedback" / student / FIRST / f"{FIRST}.html"
        assert feedback.is_file(), feedback
    html = (released / "feedback" / "wrong" / FIRST / f"{FIRST}.html").read_text()
    assert "direction_cosine is not the cosine of the two gap vectors" in html


@pytest.mark.parametrize("name", sorted(course.assignments(ROOT)))
def test_the_colab_form_of_a_release_renders_in_colab(name, released):
    """The release with Markdown Colab renders: no MyST left, every link absolute, the badge opens the
    course repository, and the nbgrader cells are the release's, byte for byte."""
    from tests.test_colab import leftovers

    release = _read(released / "release" / name / f"{name}.ipynb")
    colab = _read(released / "colab" / name / f"{name}.ipynb")
    problems = [f"cell {i}: {p}" for i, c in enumerate(colab.cells) if c.cell_type == "markdown"
                and not _meta(c) for p in leftovers(c.source)]
    assert not problems, "\n".join(problems)
    graded = [(c.id, c.source, _meta(c)) for c in release.cells if _meta(c)]
    assert graded and graded == [(c.id, c.source, _meta(c)) for c in colab.cells if _meta(c)]
    badge = f"https://colab.research.google.com/github/{COURSE_REPOSITORY.removeprefix('https://github.com/')}"
    assert f"]({badge}/blob/main/{name}/{name}.ipynb)" in colab.cells[0].source


def test_grading_needs_submissions(released, tmp_path):
    empty = tmp_path / "course"
    (empty / "source").mkdir(parents=True)
    (empty / "nbgrader_config.py").write_text("c = get_config()\n")
    with pytest.raises(FileNotFoundError, match="no submissions"):
        course.grade(empty)
    with pytest.raises(FileNotFoundError, match="course folder"):
        course.grade(tmp_path / "nowhere")


def test_release_never_overwrites_an_edit(tmp_path, capsys):
    path = tmp_path / "course"
    course.release(path, chapters=[FIRST])
    source = path / "source" / FIRST / f"{FIRST}.ipynb"
    config = path / "nbgrader_config.py"
    course.release(path, chapters=[FIRST])  # unchanged files are regenerated freely
    source.write_text(source.read_text().replace("Assignment.", "Assignment (week 1)."))
    config.write_text(config.read_text() + "c.Execute.timeout = 3600\n")
    with pytest.raises(FileExistsError, match="--force"):
        course.release(path, chapters=[FIRST])
    assert "week 1" in source.read_text()
    course.release(path, chapters=[FIRST], force=True)
    assert "week 1" not in source.read_text()
    assert config.read_text().endswith("c.Execute.timeout = 3600\n"), "the teacher's configuration is theirs"
    assert json.loads((path / ".generated.json").read_text())
    with pytest.raises(ValueError, match="chapters"):
        course.release(path, chapters=["99_missing"])
    with pytest.raises(ValueError, match="course"):
        course.release(ROOT)


def test_solution_text_outside_an_answer_cell_is_an_error():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_markdown_cell("```{solution} ex-x\n:class: dropdown\nThe answer.\n```"),
    ]
    with pytest.raises(ValueError, match="released"):
        course.course_notebook(notebook)
    notebook.cells[1] = nbformat.v4.new_markdown_cell("```{solution-start} ex-x\n```")
    notebook.cells.append(nbformat.v4.new_code_cell("answer = 1"))
    with pytest.raises(ValueError, match="not an nbgrader solution cell"):
        course.course_notebook(notebook)


def test_student_book(released, tmp_path):
    import yaml

    out = tmp_path / "student"
    written = course.write_student_book(released, out)
    assert [path.name for path in written] == [path.name for path in CHAPTERS]
    config = yaml.safe_load((out / "_config.yml").read_text())
    assert config["sphinx"]["config"]["hide_solutions"] is True and "launch_buttons" not in config
    for path in written:
        notebook = _read(path)
        for cell in notebook.cells:
            if cell.cell_type == "code" and (_meta(cell).get("solution") or _meta(cell).get("grade")):
                assert "skip-execution" in cell.metadata["tags"]
        if path.stem in ASSIGNMENTS:
            # the student book has the book's pages: linked locally again
            assert "](../book/references.md)" in "".join(cell.source for cell in notebook.cells)
            lines = {line.strip() for cell in notebook.cells for line in cell.source.split("\n")}
            assert not lines & _hidden_lines(_read(ASSIGNMENTS[path.stem]))
    assert (out / "_toc.yml").is_file() and (out / "book" / "intro.md").is_file()
    with pytest.raises(ValueError, match="out"):
        course.write_student_book(released, ROOT / "notebooks")


def test_the_book_reads_the_chapters_without_markers():
    spec = importlib.util.spec_from_file_location("nbgrader_markers", ROOT / "book" / "_ext" / "nbgrader_markers.py")
    markers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(markers)
    for name, path in ASSIGNMENTS.items():
        shown = markers.read_without_markers(path.read_text())
        assert "### BEGIN" not in "".join(c.source for c in shown.cells) and "### END" not in "".join(
            c.source for c in shown.cells
        ), name
        original = _read(path)
        for before, after in zip(original.cells, shown.cells):
            kept = [line for line in before.source.split("\n") if not markers.MARKER.match(line)]
            assert after.source.split("\n") == kept
    assert markers.strip_markers("a\n    ### BEGIN SOLUTION\nb\n# ### END SOLUTION") == "a\nb\n# ### END SOLUTION"


def test_every_exercise_is_in_the_instructor_notes_with_its_points():
    """book/instructor.md has one row per exercise: | `label` | chapter | kind | auto + by hand | … |"""
    notes = (ROOT / "book" / "instructor.md").read_text()
    rows = {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `(ex-[^`]+)` \|(?:[^|]*\|){2}([^|]*)\|", notes, re.M)}
    for path in CHAPTERS:
        notebook = _read(path)
        for label in _labels(notebook):
            auto = sum(_meta(c).get("points", 0) for c in notebook.cells if _meta(c).get("grade_id") == f"{label}-check")
            manual = sum(_meta(c).get("points", 0) for c in notebook.cells if _meta(c).get("grade_id") == f"{label}-answer")
            assert label in rows, f"{label} is missing from book/instructor.md"
            assert rows[label] == f"{auto:g} + {manual:g}", (label, rows[label])


IMPLEMENT = re.compile(r"^ex-\d\d-implement-")


def _implement_exercises(path):
    """The "implement it" exercises' grade ids of a chapter (code, answer, check)."""
    return [_meta(c)["grade_id"] for c in _read(path).cells if IMPLEMENT.match(_meta(c).get("grade_id", ""))]


def test_implement_it_exercises_in_chapters_1_to_5():
    chapters = {path.stem[:2]: _implement_exercises(path) for path in CHAPTERS}
    for number in ("01", "02", "03", "04", "05"):
        ids = chapters[number]
        assert any(i.endswith("-check") for i in ids), f"chapter {number} has no 'implement it' exercise"


def test_implement_it_exercises_grade_a_solution_full_and_the_release_zero(tmp_path):
    """nbgrader grades each chapter's "implement it" exercise: released with the chapter's imports,
    the instructor's solution gets every autograded point, the untouched release none."""
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    for path in CHAPTERS:
        chapter = _read(path)
        graded = [c for c in chapter.cells if IMPLEMENT.match(_meta(c).get("grade_id", ""))]
        if not graded:
            continue
        first = chapter.cells.index(graded[0])
        imports = next(c for c in chapter.cells if c.cell_type == "code" and "remove-cell" not in c.metadata.get("tags", []))
        exercise = chapter.cells[first - 1]  # the {exercise} text and its {solution-start}
        assert "{exercise} Implement it" in exercise.source, path.name
        small = nbformat.v4.new_notebook(metadata=chapter.metadata)
        small.cells = [chapter.cells[0], imports, exercise, *chapter.cells[first:first + 3]]
        nbformat.write(small, root / "notebooks" / path.name)
    course_path = tmp_path / "course"
    released = course.release(course_path, root=root)
    assert len(released) >= 5
    for name in released:
        for student, folder in (("instructor", "source"), ("untouched", "release")):
            submitted = course_path / "submitted" / student / name
            submitted.mkdir(parents=True)
            notebook = _read(course_path / folder / name / f"{name}.ipynb")
            nbformat.write(notebook, submitted / f"{name}.ipynb")
    rows = {(row["student_id"], row["assignment"]): row for row in course.grade(course_path)}
    for name in released:
        release = _read(course_path / "release" / name / f"{name}.ipynb")
        auto = sum(_meta(c).get("points", 0) for c in release.cells if c.cell_type == "code")
        assert auto > 0
        assert float(rows["instructor", name]["score"]) == auto, name
        assert float(rows["untouched", name]["score"]) == 0, name


def test_every_exercise_says_how_hard_it_is():
    for path in CHAPTERS:
        for cell in _read(path).cells:
            for title in re.findall(r"```\{exercise\} ([^\n]*)", cell.source):
                assert re.search(r"\((warm-up|core|project)\)$", title), f"{path.name}: {title!r} has no difficulty"
