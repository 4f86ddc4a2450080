"""The README's chapter table, written from the measurement in ``benchmarks/results.json``.

A time a reader sees must come from a measurement of the tree, not from a hand: the third column
of the README's chapter table (and its header, which names the machine and the date) is generated
here from the ``book`` rows that ``benchmarks/run.py`` (or ``benchmarks/book_times.py``) wrote.
``tests/test_timings.py`` fails when the README and the JSON disagree.

    python -m tools.timings --check    # exit 1 and list what differs
    python -m tools.timings --write    # rewrite the table's time column from the JSON
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"
README = ROOT / "README.md"

# "chapter 04 (closing_the_gap)" -> "04"
_CHAPTER_FIGURE = re.compile(r"^chapter (\d\d) \(")
# a row of the chapter table: "| <chapter> | <question> | <time> |"; the chapter cell starts with its number
# ("0 The modality gap") or is "Appendix <n>: …" for chapters 6 and 7
_ROW = re.compile(r"^\| (?P<chapter>[^|]+) \| (?P<question>[^|]+) \| (?P<time>[^|]*) \|$")
_NUMBER = re.compile(r"^(?:Appendix )?(\d+)\b")
_HEADER = re.compile(r"^\| chapter \| question \| (?P<time>[^|]+) \|$")


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


def header_text(results: dict) -> str:
    machine = results.get("machine", {})
    return (f"cold `make book`, chapter by chapter in book order ({machine.get('cpu', 'unknown CPU')}, "
            f"{machine.get('cores', '?')} cores, {machine.get('date', 'undated')})")


def _expected(results: dict):
    return chapter_seconds(results), header_text(results)


def rewrite(readme: str, results: dict) -> tuple[str, list[str]]:
    """The README with its chapter table's time column from ``results``, and what differed."""
    seconds, header = _expected(results)
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
    text, differences = rewrite(args.readme.read_text(encoding="utf-8"), results)
    for difference in differences:
        print(difference)
    if args.write:
        args.readme.write_text(text, encoding="utf-8")
        print(f"{args.readme}: {len(differences)} change(s) written")
        return 0
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
