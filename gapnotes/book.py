"""What the chapters display: computed numbers for their text, and the package's own code.

The chapters hand computed numbers to their text with MyST-NB's ``glue``. MyST-NB is part of the
book's build, not of a reader's environment (Colab does not have it), so the chapters import
:func:`glue` from here: it is MyST-NB's ``glue`` when that is installed, and otherwise shows the
value, so that the Colab edition's text (which names the value, e.g. "`clip_gap` (printed below)")
can point at it.

A chapter shows the few functions that carry its idea with :func:`show_source`: the code a reader
sees is read from the package at run time, so it is the code the chapter then calls, never a copy.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

__all__ = ["glue", "show_source", "SourceCode"]


def glue(name: str, value, display: bool = True) -> None:
    """Store ``value`` under ``name`` for ``{glue:text}`name``` in the book (MyST-NB's ``glue``).

    Without MyST-NB (Colab, plain Jupyter) the value is displayed if ``display`` is true, and
    printed as ``name = value`` otherwise (the book keeps those values out of sight, the Colab
    edition's text refers the reader to them); a chapter runs the same everywhere.
    """
    if not isinstance(name, str) or not name:
        raise TypeError("name must be a non-empty string")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(value)
        else:
            print(f"{name} = {value}")
        return
    myst_glue(name, value, display=display)


class SourceCode:
    """Functions' sources as Python code blocks: Markdown in Jupyter, Colab and the book, text in a
    terminal. ``parts`` holds one ``(qualified name, origin, code)`` per function."""

    def __init__(self, parts: list[tuple[str, str, str]]):
        self.parts = list(parts)

    @property
    def text(self) -> str:
        """The code of every function, separated by a blank line."""
        return "\n\n\n".join(code for _, _, code in self.parts)

    def _repr_markdown_(self) -> str:
        return "\n\n".join(f"`{name}` ({origin}):\n\n```python\n{code}\n```" for name, origin, code in self.parts)

    def __repr__(self) -> str:
        return "\n\n".join(f"# {name} ({origin})\n{code}" for name, origin, code in self.parts)


def show_source(*functions, docstring: bool = False) -> SourceCode:
    """The source of some of the package's functions, to display in a chapter.

    Read with :func:`inspect.getsource` from the installed package, so what a reader sees is what
    runs. Docstrings are left out unless ``docstring`` is true: the chapter writes the formula
    beside the code. Returns a :class:`SourceCode`, which Jupyter, Colab and the book show as
    highlighted code blocks, each headed by the function's name, file and lines.

    Parameters
    ----------
    *functions : one or more functions or classes defined in ``gapnotes``
    docstring : keep the docstrings
    """
    if not functions:
        raise TypeError("show_source needs at least one function")
    return SourceCode([_source_part(function, docstring) for function in functions])


def _source_part(function, docstring: bool) -> tuple[str, str, str]:
    if not (inspect.isfunction(function) or inspect.isclass(function)):
        raise TypeError(f"functions must be functions or classes, got {type(function).__name__}")
    module = inspect.getmodule(function)
    if module is None or not module.__name__.startswith("gapnotes"):
        raise ValueError(f"functions must be defined in gapnotes, not in {getattr(module, '__name__', None)!r}")
    lines, first = inspect.getsourcelines(function)
    source = textwrap.dedent("".join(lines))
    if not docstring:
        source = _without_docstring(source)
    parts = Path(inspect.getfile(function)).parts  # from the package folder on: the same when installed
    where = "/".join(parts[len(parts) - 1 - parts[::-1].index("gapnotes"):])
    origin = f"{where}, lines {first}–{first + len(lines) - 1}"
    return f"{module.__name__}.{function.__qualname__}", origin, source.rstrip("\n")


def _without_docstring(source: str) -> str:
    """``source`` of one function or class with the lines of its docstring removed."""
    node = ast.parse(source).body[0]
    body = getattr(node, "body", [])
    if not (body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant)
            and isinstance(body[0].value.value, str)):
        return source
    lines = source.splitlines(keepends=True)
    start, end = body[0].lineno - 1, body[0].end_lineno  # 1-based, inclusive end
    return "".join(lines[:start] + lines[end:])
