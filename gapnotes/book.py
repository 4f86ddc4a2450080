"""Glue between the notebooks and the book build.

The chapters hand computed numbers to their text with MyST-NB's ``glue``. MyST-NB is part of the
book's build, not of a reader's environment (Colab does not have it), so the chapters import
:func:`glue` from here: it is MyST-NB's ``glue`` when that is installed, and otherwise displays the
value (when asked to) and does nothing else.
"""

from __future__ import annotations

__all__ = ["glue"]


def glue(name: str, value, display: bool = True) -> None:
    """Store ``value`` under ``name`` for ``{glue:text}`name``` in the book (MyST-NB's ``glue``).

    Without MyST-NB (Colab, plain Jupyter) the value is shown if ``display`` is true and the call
    is otherwise a no-op, so a chapter runs the same everywhere.
    """
    if not isinstance(name, str) or not name:
        raise TypeError("name must be a non-empty string")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display=display)
