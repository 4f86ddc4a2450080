"""Reader-facing run times, written from the measurement in ``benchmarks/results.json``.

A time a reader sees must come from a measurement of the tree, not from a hand. Generated here
from the ``book`` rows that ``benchmarks/run.py`` wrote:

* the third column of the README's chapter table, and its header (the machine and the date);
* every inline figure marked ``<!-- time:KEY -->…<!-- /time -->`` in the README, ``book/instructor.md``,
  ``benchmarks/README.md`` and the chapters' Markdown cells (their "Estimated time" lines): KEY ``book``
  is the whole cold book ("6 min 25 s"), ``chapter-NN`` one chapter in book order ("42 s"),
  ``chapter-NN-alone`` one chapter from its own empty cache ("3 min 5 s"), ``chapter-NN-warm`` and
  ``book-warm`` a second run in book order with every model cached, ``ledger`` the cold
  ``python -m gapnotes.claims --seeds 0-4``, ``machine`` the CPU and date of the measurement,
  ``results-table`` every row of the JSON as a Markdown table (benchmarks/README.md's "Latest
  results"); the comments render neither in the book nor in Jupyter or Colab.

The markers and what each key holds are :mod:`tools.time_marks`. ``tests/test_timings.py`` fails when a page
and the JSON disagree. ``--write`` also rewrites the Colab
edition (``colab/``, :mod:`tools.colab`), whose first cell quotes the same figures.

    python -m tools.timings --check    # exit 1 and list what differs
    python -m tools.timings --write    # rewrite the figures from the JSON
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from tools.colab import write as write_colab_edition
from tools.time_marks import chapter_seconds, duration_text, marked_value, results_table, rewrite_marked

__all__ = ["chapter_seconds", "duration_text", "marked_value", "results_table", "rewrite", "rewrite_marked",
           "rewrite_notebook"]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"
README = ROOT / "README.md"
#: pages whose marked inline figures are generated (the README's table is handled by :func:`rewrite`)
MARKED_PAGES = (README, ROOT / "book" / "instructor.md", ROOT / "benchmarks" / "README.md")
#: chapters whose Markdown cells hold marked figures (rewritten cell by cell, the JSON layout kept)
NOTEBOOKS = tuple(sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))

# a row of the chapter table: "| <chapter> | <question> | <time> |"; the chapter cell starts with its number
# ("0 The modality gap") or is "Appendix <n>: …" for chapters 6 and 7
_ROW = re.compile(r"^\| (?P<chapter>[^|]+) \| (?P<question>[^|]+) \| (?P<time>[^|]*) \|$")
_NUMBER = re.compile(r"^(?:Appendix )?(\d+)\b")
_HEADER = re.compile(r"^\| chapter \| question \| (?P<time>[^|]+) \|$")


def header_text(results: dict) -> str:
    machine = results.get("machine", {})
    return (f"cold `make book`, chapter by chapter in book order ({machine.get('cpu', 'unknown CPU')}, "
            f"{machine.get('cores', '?')} cores, {machine.get('date', 'undated')})")


def rewrite_notebook(text: str, results: dict, page: str = "notebook") -> tuple[str, list[str]]:
    """A notebook's JSON text with the marked figures of its Markdown cells from ``results``.

    Only those cells' sources change; the file keeps its layout (one-space indent, key order).
    """
    notebook = json.loads(text)
    differences = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        new, found = rewrite_marked(source, results, page)
        if found:
            differences += found
            cell["source"] = new.splitlines(keepends=True)
    if not differences:
        return text, []
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", differences


def rewrite(readme: str, results: dict) -> tuple[str, list[str]]:
    """The README with its chapter table's time column from ``results``, and what differed."""
    seconds, header = chapter_seconds(results), header_text(results)
    lines, differences, seen = readme.split("\n"), [], set()
    for i, line in enumerate(lines):
        head = _HEADER.match(line)
        if head:
            if head.group("time").strip() != header:
                differences.append(f"table header says {head.group('time').strip()!r}, results.json gives {header!r}")
                lines[i] = f"| chapter | question | {header} |"
            continue
        row = _ROW.match(line)
        number = _NUMBER.match(row.group("chapter")) if row else None
        if number is None:
            continue
        chapter = int(number.group(1))
        if chapter not in seconds:
            differences.append(f"chapter {chapter} is in the README's table but not in results.json")
            continue
        seen.add(chapter)
        want = f"{seconds[chapter]:.0f} s"
        if row.group("time").strip() != want:
            differences.append(f"chapter {chapter}: README says {row.group('time').strip()!r}, "
                               f"results.json measured {want}")
            lines[i] = f"| {row.group('chapter')} | {row.group('question')} | {want} |"
    differences += [f"chapter {c} was measured but has no row in the README's table" for c in sorted(seconds)
                    if c not in seen]
    return "\n".join(lines), differences


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="list differences; exit 1 if there are any")
    mode.add_argument("--write", action="store_true", help="rewrite the README's time column from the JSON")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text(encoding="utf-8"))
    pages = {args.readme: rewrite(args.readme.read_text(encoding="utf-8"), results)}
    for page in dict.fromkeys((args.readme, *MARKED_PAGES)):
        text = pages[page][0] if page in pages else page.read_text(encoding="utf-8")
        marked, more = rewrite_marked(text, results, page.name)
        pages[page] = (marked, pages.get(page, ("", []))[1] + more)
    for notebook in NOTEBOOKS:
        pages[notebook] = rewrite_notebook(notebook.read_text(encoding="utf-8"), results, notebook.name)
    differences = [d for _, found in pages.values() for d in found]
    for difference in differences:
        print(difference)
    if args.write:
        for page, (text, found) in pages.items():
            if found:
                page.write_text(text, encoding="utf-8")
                print(f"{page}: {len(found)} change(s) written")
        if args.results == RESULTS:  # the Colab edition quotes the chapters and their times: keep it current
            for path in write_colab_edition(ROOT):
                print(f"{path}: Colab edition rewritten")
        return 0
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
