"""gapnotes.book: what the chapters display (glue, and the package's own code)."""

from __future__ import annotations

import pytest

from gapnotes import losses, metrics
from gapnotes.book import SourceCode, show_source


def test_show_source_reads_the_package_without_its_docstring():
    shown = show_source(metrics.modality_gap)
    assert isinstance(shown, SourceCode)
    assert shown.text.startswith("def modality_gap(x, y)") and "Euclidean distance" not in shown.text
    assert "np.linalg.norm(gap_vector(x, y))" in shown.text
    assert shown.parts[0][1].startswith("gapnotes/metrics.py, lines ")
    markdown = shown._repr_markdown_()
    assert "```python\ndef modality_gap" in markdown and "`gapnotes.metrics.modality_gap`" in markdown
    assert "Symmetric InfoNCE" in show_source(losses.clip_loss, docstring=True).text
    both = show_source(metrics.gap_vector, metrics.modality_gap)
    assert both.text.index("def gap_vector") < both.text.index("def modality_gap")
    assert both._repr_markdown_().count("```python") == 2


def test_show_source_refuses_what_is_not_the_packages():
    with pytest.raises(TypeError, match="function"):
        show_source("modality_gap")
    with pytest.raises(TypeError, match="at least one"):
        show_source()
    with pytest.raises(ValueError, match="gapnotes"):
        show_source(pytest.raises)
