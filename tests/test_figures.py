"""Every figure of the book is numbered and captioned, with a line on what to notice.

A figure is a code cell that calls ``plt.show()`` or draws an interactive figure
(``interactive.…_figure(…)``, :mod:`gapnotes.interactive`); the Markdown cell right after it is its caption,
``**Figure N.k.** …`` (N the chapter, k counting from 1 in order) with a ``*Notice:*`` sentence. A
caption in a Markdown cell reads the same in Jupyter, the HTML book and the Colab edition.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FIGURE_CELL = re.compile(r"plt\.show\(\)|interactive\.\w+_figure\(")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_is_numbered_and_captioned(path):
    cells = nbformat.read(path, as_version=4).cells
    number = int(path.name[:2])
    figures = [i for i, c in enumerate(cells) if c.cell_type == "code" and FIGURE_CELL.search(c.source)
               and "remove-cell" not in c.metadata.get("tags", [])]
    for k, index in enumerate(figures, start=1):
        caption = cells[index + 1] if index + 1 < len(cells) else None
        assert caption is not None and caption.cell_type == "markdown", f"figure {number}.{k} has no caption"
        assert caption.source.startswith(f"**Figure {number}.{k}.** "), (number, k, caption.source[:60])
        assert "*Notice:*" in caption.source, f"figure {number}.{k}: say what to notice"
    numbered = re.findall(r"\*\*Figure (\d+)\.(\d+)\.\*\*", "\n".join(c.source for c in cells))
    assert len(numbered) == len(figures), "a Figure label without its figure"
