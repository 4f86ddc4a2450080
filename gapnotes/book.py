"""Glue between the notebooks and the book build.

The chapters hand computed numbers to their text with MyST-NB's ``glue``. MyST-NB is part of the
book's build, not of a reader's environment (Colab does not have it), so the chapters import
:func:`glue` from here: it is MyST-NB's ``glue`` when that is installed, and otherwise shows the
value, so that the Colab edition's text (which names the value, e.g. "`clip_gap` (printed below)")
can point at it.
"""

from __future__ import annotations

__all__ = ["glue"]


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
