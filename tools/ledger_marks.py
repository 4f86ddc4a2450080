"""Numbers about the claims ledger on the book's own pages, written from the kept records.

A page says how many claims the book makes, which seeds the kept ledger records hold and how many
claims hold on them between ``<!-- ledger:KEY -->…<!-- /ledger -->`` (HTML comments: they render
neither in the book nor in Jupyter). This module rewrites them from :func:`gapnotes.claims.kept`
(nothing is trained) and ``tests/test_ledger_marks.py`` fails when a page disagrees:

``claims``  the number of claims in the ledger; ``kept-seeds`` the seeds of the kept records
("5–34"); ``kept-runs`` the runs per claim in them; ``kept-held`` "k of n" claims that hold on
average on them; ``single-run`` the claims that a single run of every kept seed shows, "k of n".

    python -m tools.ledger_marks            # list what differs; exit 1 if anything does
    python -m tools.ledger_marks --write    # rewrite the marked numbers
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

__all__ = ["PAGES", "ledger_values", "rewrite"]

ROOT = Path(__file__).resolve().parents[1]
PAGES = (ROOT / "book" / "instructor.md",)
_MARK = re.compile(r"<!-- ledger:(?P<key>[\w-]+) -->(?P<text>.*?)<!-- /ledger -->", re.DOTALL)


def ledger_values() -> dict[str, str]:
    """Every key's text, from the kept ledger records."""
    from gapnotes import claims

    kept = claims.kept(list(claims.CLAIMS))
    seeds = sorted({seed for result in kept for seed in result.seeds})
    runs = sorted({len(result.seeds) for result in kept})
    held = sum(result.holds_on_average for result in kept)
    every_run = sum(result.runs_shown[0] == result.runs_shown[1] for result in kept)
    return {"claims": str(len(claims.CLAIMS)), "kept-seeds": claims.seed_span(seeds),
            "kept-runs": "–".join(str(r) for r in (runs[0], runs[-1])) if len(runs) > 1 else str(runs[0]),
            "kept-held": f"{held} of {len(kept)}", "single-run": f"{every_run} of {len(kept)}"}


def rewrite(text: str, values: dict[str, str], page: str = "page") -> tuple[str, list[str]]:
    """``text`` with every marked number from ``values``, and what differed."""
    differences = []

    def replace(match):
        key = match.group("key")
        if key not in values:
            raise ValueError(f"{page}: unknown ledger marker {key!r}; use one of {sorted(values)}")
        if match.group("text") != values[key]:
            differences.append(f"{page}: {key} says {match.group('text')!r}, the kept records give {values[key]!r}")
        return f"<!-- ledger:{key} -->{values[key]}<!-- /ledger -->"

    return _MARK.sub(replace, text), differences


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.ledger_marks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the marked numbers")
    args = parser.parse_args(argv)
    values = ledger_values()
    differences = []
    for page in PAGES:
        text, found = rewrite(page.read_text(encoding="utf-8"), values, page.name)
        differences += found
        if args.write and found:
            page.write_text(text, encoding="utf-8")
            print(f"{page}: {len(found)} number(s) written")
    for line in differences:
        print(line)
    return 0 if args.write or not differences else 1


if __name__ == "__main__":
    sys.exit(main())
