"""The code a chapter shows is the code it runs.

A chapter shows the functions that carry its idea with ``show_source(module.function, …)``
(:func:`gapnotes.book.show_source`, read from the installed package). These tests tie each shown
function to the chapter: it is a function of ``gapnotes``, the chapter calls it after showing it,
and the Colab edition carries its source as the cell's output.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import nbformat
import pytest

from tools.colab import shown_functions, shown_objects

ROOT = Path(__file__).resolve().parents[1]
TEACHING = sorted((ROOT / "notebooks").glob("0[0-5]_*.ipynb"))  # chapters 0-5


def _shown(path):
    """[(cell index, module, function)] of a chapter's show_source cells."""
    cells = nbformat.read(path, as_version=4).cells
    return [(index, module, name) for index, cell in enumerate(cells) if cell.cell_type == "code"
            for module, name in (shown_functions(cell.source) or [])]


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.stem)
def test_every_chapter_shows_the_code_of_its_idea(path):
    assert _shown(path), f"{path.name} shows no function of gapnotes (show_source)"


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.stem)
def test_a_shown_function_is_the_one_the_chapter_then_calls(path):
    cells = nbformat.read(path, as_version=4).cells
    for index, module, name in _shown(path):
        (function,) = shown_objects([(module, name)])
        assert inspect.isfunction(function) and function.__module__.startswith("gapnotes"), (module, name)
        call = re.compile(rf"\b{module}\.{name}\(")
        later = [cell.source for cell in cells[index + 1:]
                 if cell.cell_type == "code" and shown_functions(cell.source) is None]
        assert any(call.search(source) for source in later), (
            f"{path.name} shows {module}.{name} (cell {index}) but never calls it afterwards")


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.stem)
def test_the_colab_edition_carries_the_shown_code(path):
    edition = nbformat.read(ROOT / "colab" / path.name, as_version=4)
    for cell in edition.cells:
        shown = shown_functions(cell.source) if cell.cell_type == "code" else None
        if shown:
            markdown = cell.outputs[0]["data"]["text/markdown"]
            for function in shown_objects(shown):
                name = f"{function.__module__}.{function.__qualname__}"
                assert f"def {function.__name__}(" in markdown and f"`{name}`" in markdown


def test_shown_functions_reads_only_a_lone_show_source_call():
    assert shown_functions("show_source(losses.clip_loss, train.training_step)") == [
        ("losses", "clip_loss"), ("train", "training_step")]
    assert shown_functions("x = 1\nshow_source(losses.clip_loss)") is None
    assert shown_functions("print(1)") is None
    with pytest.raises(ValueError, match="module.function"):
        shown_functions("show_source(clip_loss)")


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.stem)
def test_shown_code_fits_the_page(path):
    """The book's code column holds 88 characters: a shown function's lines fit it."""
    from gapnotes.book import show_source

    for _, module, name in _shown(path):
        (function,) = shown_objects([(module, name)])
        wide = [line for line in show_source(function).text.split("\n") if len(line) > 88]
        assert not wide, f"{module}.{name}: lines over 88 columns: {wide}"
