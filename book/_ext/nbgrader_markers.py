"""Sphinx extension: the book shows the chapters without nbgrader's marker lines.

The chapters carry nbgrader's markers (``### BEGIN SOLUTION``, ``### END SOLUTION``,
``### BEGIN HIDDEN TESTS``, ``### END HIDDEN TESTS``) so that ``make student`` can release them
as assignments (book/instructor.md). They are comments, so nbval runs the chapters unchanged; the
book reads every notebook through :func:`read_without_markers`, registered in ``_config.yml`` as
myst-nb's reader for ``.ipynb`` files, which drops the marker lines before the notebook is
executed and rendered. Only whole lines that are exactly a marker are dropped.
"""

from __future__ import annotations

import re

import nbformat

MARKER = re.compile(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*$")


def strip_markers(source: str) -> str:
    """``source`` without the lines that are nbgrader markers."""
    return "\n".join(line for line in source.split("\n") if not MARKER.match(line))


def read_without_markers(text: str) -> nbformat.NotebookNode:
    """Read a notebook (JSON text) and drop the marker lines of its code cells."""
    notebook = nbformat.reads(text, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and "###" in cell.source:
            cell.source = strip_markers(cell.source)
    return notebook


def setup(app):
    # the reader is named in _config.yml (nb_custom_formats); loading this module as an
    # extension puts book/_ext on sys.path so that myst-nb can import it
    return {"parallel_read_safe": True, "parallel_write_safe": True}
