"""Sphinx extension: serve plotly.js once, from the book itself, to the pages with interactive figures.

The chapters' interactive figures (``gapnotes.interactive``) carry their data and a few lines of
JavaScript, not plotly.js (4.8 MB). This extension copies the plotly.js that ships with the installed
``plotly`` package into ``_static/`` (the build stays offline: no CDN) and loads it, before any other
script, on each page that holds such a figure; pages without one do not load it. The browser caches
it, so a reader downloads it once for the whole book.
"""

from __future__ import annotations

import shutil
from pathlib import Path

MARKER = 'class="gapnotes-interactive"'
FILENAME = "plotly.min.js"


def _plotly_js() -> Path:
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / FILENAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall plotly (pip install plotly)")
    return path


def _load_where_needed(app, pagename, templatename, context, doctree):
    if MARKER in (context.get("body") or ""):
        # early (priority 100): plotly.js must define window.Plotly before the figures' scripts run
        app.add_js_file(FILENAME, priority=100)


def _copy(app, exception):
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        shutil.copy2(_plotly_js(), static / FILENAME)


def setup(app):
    # before dedupe_assets (priority 100), which hands the page a new list of scripts
    app.connect("html-page-context", _load_where_needed, priority=50)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
