"""The student edition: every solution stripped, every check kept, and the checks pass with the solutions back."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from gapnotes.exercises import ExerciseCheckFailed, check
from tools import student

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _read(path):
    return nbformat.read(path, as_version=4)


def _code(nb):
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    student.write_student_edition(out)
    return out


def test_check_feedback(capsys):
    assert check("ex-demo", lambda: True, "it is true") is True
    assert "✅ ex-demo" in capsys.readouterr().out
    with pytest.raises(ExerciseCheckFailed, match="(?s)not yet.*Hint: try again"):
        check("ex-demo", lambda: False, "it is true", hint="try again")
    with pytest.raises(ExerciseCheckFailed, match="(?s)undefined_answer.*run your solution cell"):
        check("ex-demo", lambda: undefined_answer > 0, "it is positive")  # noqa: F821
    with pytest.raises(ExerciseCheckFailed, match="could not read your answer"):
        check("ex-demo", lambda: {}["missing"], "has a key")
    with pytest.raises(TypeError, match="exercise"):
        check("", True, "x")
    with pytest.raises(TypeError, match="expectation"):
        check("ex", True, "")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_student_notebook_strips_every_solution_and_keeps_every_check(path, edition):
    source, made = _read(path), _read(edition / "notebooks" / path.name)
    text = "\n".join(c.source for c in made.cells)
    assert not re.search(r"\{solution(-start|-end)?\}", text), "a solution directive survived"
    solutions = student.solution_cells(source)
    for index, _ in solutions:
        assert source.cells[index].source not in _code(made), f"solution cell {index} survived"
    stubs = [c for c in made.cells if student.STUB_TAG in c.metadata.get("tags", [])]
    assert len(stubs) == len(solutions)
    for stub, (_, label) in zip(stubs, solutions):
        assert stub.source.startswith(f"# YOUR CODE HERE (exercise {label})")
        assert "raise NotImplementedError" in stub.source
    checks = [c.source for c in source.cells if "check" in c.metadata.get("tags", [])]
    assert checks == [c.source for c in made.cells if "check" in c.metadata.get("tags", [])]
    # every gated (code) exercise has a check that names it
    assert {label for _, label in solutions} <= {student._check_label(c) for c in checks}
    # written solutions are gone too: each {solution} block became a "Your answer" line
    n_written = len(re.findall(r"```\{solution\}", "\n".join(c.source for c in source.cells)))
    assert text.count(student.ANSWER_LINE) == n_written + len({label for _, label in solutions})
    assert all(not c.get("outputs") for c in made.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_pasting_the_solutions_back_gives_the_book_code(path, edition):
    """With the solutions pasted back, the student notebook runs exactly the book's code, whose checks
    nbval executes (tests the other half of "each student notebook passes its self-checks")."""
    source = _read(path)
    pasted = student.paste_back_solutions(_read(edition / "notebooks" / path.name), source)
    assert _code(pasted) == _code(source)
    assert not any("skip-execution" in c.metadata.get("tags", []) for c in pasted.cells)


def test_student_notebook_runs_its_checks(edition, tmp_path):
    """Execute chapter 0's student notebook: as handed out, its first stub stops it; with the solutions
    pasted back every check prints a green tick."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    name = "00_the_modality_gap.ipynb"
    made = _read(edition / "notebooks" / name)
    for cell in made.cells:  # Jupyter and Colab ignore the `skip-execution` tag that the HTML build honours
        cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != student.SKIP_TAG]
    os.environ.setdefault("GAPNOTES_PROGRESS", "0")
    with pytest.raises(CellExecutionError, match="NotImplementedError"):
        NotebookClient(made, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    pasted = student.paste_back_solutions(_read(edition / "notebooks" / name), _read(ROOT / "notebooks" / name))
    NotebookClient(pasted, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    outputs = "".join(o.get("text", "") for c in pasted.cells if "check" in c.metadata.get("tags", [])
                      for o in c.get("outputs", []))
    n_checks = sum("check" in c.metadata.get("tags", []) for c in pasted.cells)
    assert n_checks >= 2 and outputs.count("✅") == n_checks, outputs


def test_student_config_hides_solutions_and_launch_buttons(edition):
    import yaml

    config = yaml.safe_load((edition / "_config.yml").read_text())
    assert config["sphinx"]["config"]["hide_solutions"] is True
    assert "launch_buttons" not in config
    assert (edition / "_toc.yml").is_file() and (edition / "book" / "intro.md").is_file()


def test_student_edition_refuses_to_overwrite_the_source():
    with pytest.raises(ValueError, match="out"):
        student.write_student_edition(ROOT)
    with pytest.raises(ValueError, match="out"):
        student.write_student_edition(ROOT / "notebooks")


def test_unbalanced_solution_is_an_error():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("```{solution-start} ex-x\n:class: dropdown\n```"),
                nbformat.v4.new_code_cell("answer = 1")]
    with pytest.raises(ValueError, match="never closed"):
        student.solution_cells(nb)
    nb.cells = [nbformat.v4.new_markdown_cell("```{solution-end}\n```")]
    with pytest.raises(ValueError, match="solution-end without"):
        student.solution_cells(nb)


def test_every_exercise_is_listed_in_the_instructor_notes():
    notes = (ROOT / "book" / "instructor.md").read_text()
    labels = set()
    for path in CHAPTERS:
        for cell in _read(path).cells:
            labels.update(re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", cell.source))
    assert labels and all(f"`{label}`" in notes for label in labels), sorted(x for x in labels if f"`{x}`" not in notes)
