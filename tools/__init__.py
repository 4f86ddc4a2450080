"""The book's build and maintenance tools (not part of the ``gapnotes`` package a reader installs).

- :mod:`tools.student` — the student edition generated from the chapters (``make student``).
- :mod:`tools.repository` — the one repository address and the places that copy it.
"""
