"""The book's build and maintenance tools (not part of the ``gapnotes`` package a reader installs).

- :mod:`tools.course` — the chapters as an nbgrader course: ``make student`` releases it,
  ``make grade`` autogrades the submissions.
- :mod:`tools.repository` — the one repository address and the places that copy it.
- :mod:`tools.colab` — the Colab edition of the chapters (``make colab``).
- :mod:`tools.timings` — the reader-facing run times, from ``benchmarks/results.json``.
- :mod:`tools.glossary` — each chapter links a glossary term where it first uses it.
- :mod:`tools.ledger_marks` — numbers about the ledger on the book's pages, from its kept records.

They import each other in one direction only (a test checks it): :mod:`tools.address` and
:mod:`tools.time_marks` import no other tool; :mod:`tools.colab` reads both; :mod:`tools.repository`
and :mod:`tools.timings` read them and rewrite the Colab edition after changing what it quotes.
"""
