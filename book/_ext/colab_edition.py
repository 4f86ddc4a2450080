"""Sphinx extension: the theme's Colab launch button opens the chapter's Colab edition.

sphinx-book-theme builds the Colab address from the page's source path (``notebooks/NN_x.ipynb``), but
Colab renders plain Markdown, not MyST, so the book's chapters are published for Colab as a generated
edition in ``colab/`` (``python -m tools.colab``; the README's publishing section). This handler runs
after the theme's (priority 501) and points the Colab button at ``colab/NN_x.ipynb``.
"""

from __future__ import annotations

_PREFIX = "https://colab.research.google.com/github/"


def _retarget(buttons) -> None:
    for button in buttons or []:
        if isinstance(button, dict):
            url = button.get("url")
            if isinstance(url, str) and url.startswith(_PREFIX) and "/notebooks/" in url:
                head, _, tail = url.rpartition("/notebooks/")
                button["url"] = f"{head}/colab/{tail}"
            _retarget(button.get("buttons"))


def _colab_edition(app, pagename, templatename, context, doctree):
    _retarget(context.get("header_buttons"))


def setup(app):
    app.connect("html-page-context", _colab_edition, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
