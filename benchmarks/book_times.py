"""Execute every chapter on a fresh kernel, in book order, and report wall times per chapter and per cell.

    python benchmarks/book_times.py [--cold | --alone] [--json out.json] [--top 5]

``--cold`` uses an empty, temporary ``GAPNOTES_CACHE_DIR`` (no trained model or embedding cached),
which is what ``make book`` on a fresh clone and CI see: later chapters reuse what earlier ones cached.
``--alone`` gives every chapter its own empty cache, which is what a reader who opens one chapter
(in Colab, say) sees. Used by ``benchmarks/run.py``; also runnable alone.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def _cell_seconds(cell) -> float:
    timing = cell.get("metadata", {}).get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return float("nan")
    return (end - start).total_seconds()


def time_notebook(path: Path, timeout: int = 900) -> dict:
    """Run one notebook top to bottom on a fresh kernel; return its wall time and per-cell times."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except Exception as exc:  # report the failure and go on with the next chapter
        lines = str(exc).strip().splitlines()
        error = f"{type(exc).__name__}: {lines[-1][:300] if lines else ''}"
    seconds = time.perf_counter() - start
    cells = [{"index": i, "seconds": _cell_seconds(cell), "first_line": cell.source.splitlines()[0][:70]
              if cell.source else ""}
             for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    return {"notebook": path.name, "seconds": seconds, "error": error, "cells": cells}


def with_cache(folder: str | None, run):
    """``run()`` with ``GAPNOTES_CACHE_DIR`` set to ``folder`` (None: unchanged), restored afterwards."""
    previous = os.environ.get("GAPNOTES_CACHE_DIR")
    if folder is not None:
        os.environ["GAPNOTES_CACHE_DIR"] = folder
    try:
        return run()
    finally:
        if previous is None:
            os.environ.pop("GAPNOTES_CACHE_DIR", None)
        else:
            os.environ["GAPNOTES_CACHE_DIR"] = previous


def _timed(path: Path) -> dict:
    result = time_notebook(path)
    failed = f"  FAILED: {result['error']}" if result["error"] else ""
    print(f"  {path.name:38s} {result['seconds']:7.1f} s{failed}", file=sys.stderr, flush=True)
    return result


def time_book(cold: bool = True, notebooks: list[Path] | None = None, alone: bool = False) -> list[dict]:
    """Time every chapter in order, each on a fresh kernel.

    ``cold``: the gapnotes cache starts empty (a temporary folder, deleted after); ``alone``: every
    chapter gets its own empty cache, so nothing an earlier chapter trained is reused.
    """
    notebooks = notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    os.environ.setdefault("GAPNOTES_PROGRESS", "0")
    if alone:
        results = []
        for path in notebooks:
            with tempfile.TemporaryDirectory(prefix="gapnotes-alone-") as cache:
                results.append(with_cache(cache, functools.partial(_timed, path)))
        return results
    if not cold:
        return [_timed(path) for path in notebooks]
    with tempfile.TemporaryDirectory(prefix="gapnotes-cold-") as cache:
        return with_cache(cache, lambda: [_timed(path) for path in notebooks])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--cold", action="store_true", help="start from an empty gapnotes cache")
    which.add_argument("--alone", action="store_true", help="every chapter from its own empty cache")
    parser.add_argument("--json", type=Path, help="write the timings here")
    parser.add_argument("--top", type=int, default=5, help="list this many slowest cells per chapter")
    args = parser.parse_args(argv)
    results = time_book(cold=args.cold, alone=args.alone)
    for result in results:
        print(f"{result['notebook']}: {result['seconds']:.1f} s")
        for cell in sorted(result["cells"], key=lambda c: -(c["seconds"] or 0))[: args.top]:
            print(f"    cell {cell['index']:3d} {cell['seconds']:7.1f} s  {cell['first_line']}")
    print(f"total: {sum(r['seconds'] for r in results):.1f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
