"""What a reader downloads for each page of a built book: its HTML, its images, its scripts.

    python benchmarks/page_weight.py [_build/html] [--json out.json] [--compare other/_build/html]

For every chapter page: the HTML's size (the interactive figures' data and their static images live in
it), the size of the images it loads from ``_images/``, how many interactive figures it holds and
whether it loads plotly.js (``_static/plotly.min.js``, served once for the whole book by
``book/_ext/interactive_figures.py``); then the whole build's size. ``--compare`` prints a second build
beside the first (before → after). Sizes in kB (1,000 bytes). Records the machine and the date.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from run import cpu_model  # noqa: E402  (benchmarks/run.py, beside this script)

_IMAGES = re.compile(r'src="(?:\.\./)*(_images/[^"]+)"')
_FIGURES = re.compile(r'class="gapnotes-interactive"')
_PLOTLY = "_static/plotly.min.js"


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def page_weights(html: Path) -> dict:
    """Per chapter page: ``html_kB``, ``images_kB``, ``interactive_figures``, ``loads_plotly``,
    ``total_kB`` (HTML + images + plotly.js where loaded); plus ``book_MB`` and ``plotly_js_kB``."""
    html = Path(html)
    if not (html / "index.html").is_file():
        raise FileNotFoundError(f"{html} holds no built book (no index.html): run make book first")
    plotly = html / _PLOTLY
    plotly_kb = plotly.stat().st_size / 1000 if plotly.is_file() else 0.0
    pages = {}
    for page in sorted((html / "notebooks").glob("[0-9][0-9]_*.html")):
        text = page.read_text(encoding="utf-8")
        images = {m for m in _IMAGES.findall(text)}
        image_kb = sum((html / m).stat().st_size for m in images if (html / m).is_file()) / 1000
        loads = _PLOTLY in text
        html_kb = page.stat().st_size / 1000
        pages[page.stem] = {"html_kB": round(html_kb, 1), "images_kB": round(image_kb, 1),
                            "interactive_figures": len(_FIGURES.findall(text)), "loads_plotly": loads,
                            "total_kB": round(html_kb + image_kb + (plotly_kb if loads else 0.0), 1)}
    return {"pages": pages, "book_MB": round(_tree_bytes(html) / 1e6, 2), "plotly_js_kB": round(plotly_kb, 1)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", default=str(ROOT / "_build" / "html"))
    parser.add_argument("--compare", help="a second build (before), printed beside the first")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    after = page_weights(Path(args.html))
    before = page_weights(Path(args.compare)) if args.compare else None
    machine = f"{cpu_model()}, {os.cpu_count()} cores, {date.today().isoformat()}"
    print(f"machine: {machine} (sizes do not depend on it)")
    print("| page | HTML kB | images kB | interactive figures | plotly.js | total kB |")
    print("|---|---|---|---|---|---|")
    for name, now in after["pages"].items():
        cells = [f"{now['html_kB']:.0f}", f"{now['images_kB']:.0f}", str(now["interactive_figures"]),
                 "yes" if now["loads_plotly"] else "no", f"{now['total_kB']:.0f}"]
        old = (before or {"pages": {}})["pages"].get(name)
        if old:
            cells = [f"{old['html_kB']:.0f} → {cells[0]}", f"{old['images_kB']:.0f} → {cells[1]}",
                     f"{old['interactive_figures']} → {cells[2]}", cells[3], f"{old['total_kB']:.0f} → {cells[4]}"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    book = f"{after['book_MB']:.2f} MB"
    if before:
        book = f"{before['book_MB']:.2f} → {book}"
    print(f"whole build: {book}; plotly.js served once: {after['plotly_js_kB']:.0f} kB")
    record = {"after": after, "before": before, "machine": machine}
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=2), encoding="utf-8")
    return record


if __name__ == "__main__":
    main()
