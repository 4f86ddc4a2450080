"""Sphinx extension: drop duplicate <script> entries from every page.

With Jupyter Book 1.x, sphinx-thebe and sphinx-togglebutton each register their inline configuration
script twice, and the second ``const THEBE_JS_URL = …`` raises "Identifier 'THEBE_JS_URL' has already
been declared" in the browser console of every page. Keeping the first of identical entries fixes it.
"""

from __future__ import annotations


def _key(script):
    attributes = getattr(script, "attributes", {}) or {}
    # an inline script is registered once with filename None and once with "": the same script
    filename = str(getattr(script, "filename", script) or "")
    return (filename, attributes.get("body"), tuple(sorted((k, str(v)) for k, v in attributes.items() if k != "body")))


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    # early: the event stops at the first handler that returns a template name
    app.connect("html-page-context", _dedupe, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
