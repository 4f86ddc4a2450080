"""The ``<!-- time:KEY -->…<!-- /time -->`` figures: what each key holds for a ``results.json``.

A time a reader sees is written between two HTML comments (they render neither in the book nor in
Jupyter or Colab) and generated from the measurement in ``benchmarks/results.json``. This module
knows the keys and rewrites marked text; :mod:`tools.timings` rewrites the pages and chapters with it,
:mod:`tools.colab` the first cell of the Colab edition. It imports nothing from the other tools.
"""

from __future__ import annotations

import re

__all__ = ["chapter_seconds", "duration_text", "marked_value", "results_table", "rewrite_marked"]

_MARK = re.compile(r"<!-- time:(?P<key>[\w-]+) -->(?P<text>.*?)<!-- /time -->", re.DOTALL)

# "chapter 04 (closing_the_gap)" -> "04"
_CHAPTER_FIGURE = re.compile(r"^chapter (\d\d) \(")


def chapter_seconds(results: dict) -> dict[int, float]:
    """Chapter number → measured seconds, from the ``book`` rows of a results.json document."""
    seconds = {}
    for row in results.get("rows", []):
        match = _CHAPTER_FIGURE.match(row.get("figure", ""))
        if row.get("section") == "book" and match:
            seconds[int(match.group(1))] = float(row["value"])
    if not seconds:
        raise ValueError("results.json has no 'book' rows of chapters: run benchmarks/run.py (section book)")
    return seconds


def duration_text(seconds: float) -> str:
    """``"42 s"`` under two minutes, else ``"6 min 25 s"``."""
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min {seconds % 60} s"


def _number(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def results_table(results: dict) -> str:
    """Every row of results.json as a Markdown table (what ``benchmarks/run.py`` prints)."""
    lines = ["", "| figure | value | unit | target | ratio | note |", "|---|---|---|---|---|---|"]
    for row in results.get("rows", []):
        target = f"≤ {_number(row['target'])}" if row.get("target") is not None else ""
        ratio = f"{row['ratio']:.2f}" if row.get("ratio") is not None else ""
        lines.append(f"| {row['figure']} | {_number(row.get('value'))} | {row.get('unit', '')} | {target} | "
                     f"{ratio} | {row.get('note', '')} |")
    return "\n".join(lines) + "\n\n"


#: marker keys that name one row of results.json (its ``figure``, as ``benchmarks/run.py`` writes it)
_ONE_ROW = {"book": "whole book, cold cache", "book-warm": "whole book, warm cache",
            "ledger": "ledger --seeds 0-4, cold cache, wall"}


def _row_value(results: dict, figure: str) -> float:
    rows = [r for r in results.get("rows", []) if r.get("figure") == figure and r.get("value") is not None]
    if not rows:
        raise ValueError(f"results.json has no {figure!r} row: run benchmarks/run.py")
    return float(rows[0]["value"])


def marked_value(key: str, results: dict) -> str:
    """The text a ``<!-- time:KEY -->`` marker holds for these results."""
    if key == "results-table":
        return results_table(results)
    if key == "machine":
        machine = results.get("machine", {})
        return (f"{machine.get('cpu', 'unknown CPU')}, {machine.get('cores', '?')} cores, "
                f"{machine.get('date', 'undated')}")
    if key in _ONE_ROW:
        return duration_text(_row_value(results, _ONE_ROW[key]))
    other = re.fullmatch(r"chapter-(\d\d)-(alone|warm)", key)
    if other is not None:
        figure = {"alone": "alone, cold cache", "warm": "warm cache"}[other.group(2)]
        return duration_text(_row_value(results, f"chapter {other.group(1)} {figure}"))
    match = re.fullmatch(r"chapter-(\d\d)", key)
    if match is None:
        raise ValueError(f"unknown time marker {key!r}: use book, book-warm, ledger, machine, chapter-NN, "
                         "chapter-NN-alone or chapter-NN-warm")
    seconds = chapter_seconds(results)
    if int(match.group(1)) not in seconds:
        raise ValueError(f"time marker {key!r}: results.json has no row for that chapter")
    return duration_text(seconds[int(match.group(1))])  # as the other figures of a sentence


def rewrite_marked(text: str, results: dict, page: str = "page") -> tuple[str, list[str]]:
    """``text`` with every ``<!-- time:KEY -->…<!-- /time -->`` figure from ``results``, and what differed."""
    differences = []

    def replace(match):
        want = marked_value(match.group("key"), results)
        if match.group("text") != want:
            differences.append(f"{page}: {match.group('key')} says {match.group('text')!r}, "
                               f"results.json gives {want!r}")
        return f"<!-- time:{match.group('key')} -->{want}<!-- /time -->"

    return _MARK.sub(replace, text), differences
