"""The book's build and maintenance tools (not part of the ``gapnotes`` package a reader installs).

- :mod:`tools.course` — the chapters as an nbgrader course: ``make student`` releases it,
  ``make grade`` autogrades the submissions.
- :mod:`tools.repository` — the one repository address and the places that copy it.
"""
