"""Glossary links: each chapter links a term to the glossary where it first uses it.

The terms are the entries of ``book/glossary.md`` (a MyST ``{glossary}``). A chapter's *first use* of
a term is the first match, in the order of its Markdown cells, of the term's pattern in prose: not in
a heading, code, maths, a link, a role or a directive's own lines, and not in the cells a student does
not see (written solutions, cells that reveal an answer). That use must be the link
``{term}`text <term>```; a later use may be plain. Most terms match their own name (a plural too);
:data:`PATTERNS` lists the others, and :data:`UNLINKED` the entries too common as words to link.

    python -m tools.glossary           # list the first uses that are not links; exit 1 if any
    python -m tools.glossary --write   # make them links (the rest of each cell is left as it is)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

__all__ = ["PATTERNS", "UNLINKED", "terms", "first_uses", "link_first_uses", "missing_links"]

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "glossary.md"
#: glossary entry → regular expression of its uses in prose, where that is not the entry's own name
PATTERNS = {
    "ATP loss": r"ATP",
    "centroid uniformity loss": r"centroid uniformity",
    "equivalence test": r"two one-sided tests|equivalence tests?",
    "post-hoc correction": r"post-hoc (?:corrections?|fix(?:es)?)",
    "Procrustes alignment": r"Procrustes",
    "Recall@k": r"Recall@(?:k|\d+)",
}
#: entries whose name is an everyday word in the chapters: linked by hand where it helps, not checked
UNLINKED = ("alignment", "check", "claim")
REVEAL_TAG = "reveals-solution"
# spans of a Markdown cell where a link cannot go: maths, code, roles, links, HTML comments and tags
_PROTECTED = re.compile(
    r"\$\$.*?\$\$|\$[^$\n]+\$|\{[\w:-]+\}`[^`]*`|`[^`\n]*`|!?\[[^\]]*\]\([^)]*\)|<!--.*?-->|<[^>\n]+>",
    re.DOTALL,
)
# lines that are not prose: headings, fences (code, directives), directive options, table rules
_STRUCTURE = re.compile(r"^(?:#|```|~~~|:::|:[\w-]+:|\|?\s*-{3,})")


def terms(glossary: Path | str = GLOSSARY) -> dict[str, re.Pattern]:
    """Glossary entry → compiled pattern of its uses (entries of :data:`UNLINKED` left out)."""
    text = Path(glossary).read_text(encoding="utf-8")
    body = text.split("```{glossary}", 1)[1].rsplit("```", 1)[0]
    names = [line for line in body.splitlines() if line and not line[0].isspace()]
    out = {}
    for name in names:
        if name in UNLINKED:
            continue
        own = re.escape(name)
        if name[0].isalpha() and name[0].islower():  # "temperature" also opens a sentence
            own = f"[{name[0]}{name[0].upper()}]" + re.escape(name[1:])
        pattern = PATTERNS.get(name, own + "s?")
        out[name] = re.compile(rf"(?<![\w@-])(?:{pattern})(?![\w@-])")
    return out


def _visible(cell) -> bool:
    """A Markdown cell students see (not a written solution, not a revealed answer, not removed)."""
    tags = cell.get("metadata", {}).get("tags", [])
    solution = cell.get("metadata", {}).get("nbgrader", {}).get("solution", False)
    return cell["cell_type"] == "markdown" and not solution and REVEAL_TAG not in tags and "remove-cell" not in tags


def _prose_spans(source: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the parts of a Markdown source where a link may go."""
    spans, offset, fenced = [], 0, False
    for line in source.splitlines(keepends=True):
        stripped = line.lstrip()
        opens_code = stripped.startswith(("```", "~~~")) and not stripped.lstrip("`~").startswith("{")
        if opens_code:
            fenced = not fenced
        elif not fenced and not _STRUCTURE.match(stripped):
            spans.append((offset, offset + len(line)))
        offset += len(line)
    protected = [(m.start(), m.end()) for m in _PROTECTED.finditer(source)]
    out = []
    for start, end in spans:
        cursor = start
        for p_start, p_end in protected:
            if p_end <= cursor or p_start >= end:
                continue
            if p_start > cursor:
                out.append((cursor, p_start))
            cursor = max(cursor, p_end)
        if cursor < end:
            out.append((cursor, end))
    return out


def _linked(source: str, name: str) -> bool:
    return re.search(r"\{term\}`(?:[^`<]*<" + re.escape(name) + r">|" + re.escape(name) + r")`", source) is not None


def first_uses(notebook: dict, patterns: dict[str, re.Pattern]) -> dict[str, tuple[int, bool, re.Match | None]]:
    """Entry → (cell index, whether that first use is a link, the plain match or None) for each term used."""
    found = {}
    for index, cell in enumerate(notebook["cells"]):
        if not _visible(cell):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        links = {m.start(): m for m in re.finditer(r"\{term\}`([^`]*)`", source)}
        for name, pattern in patterns.items():
            if name in found:
                continue
            plain = next((m for start, end in _prose_spans(source) for m in pattern.finditer(source, start, end)),
                         None)
            link = next((m for m in links.values() if _linked(m.group(0), name)), None)
            if link is not None and (plain is None or link.start() < plain.start()):
                found[name] = (index, True, None)
            elif plain is not None:
                found[name] = (index, False, plain)
    return found


def link_first_uses(notebook: dict, patterns: dict[str, re.Pattern]) -> list[str]:
    """Turn each term's first plain use into a glossary link, in place; the terms linked."""
    linked = []
    for name in patterns:  # one at a time: a new link protects its text from the next terms
        uses = first_uses(notebook, {name: patterns[name]})
        if name not in uses or uses[name][1]:
            continue
        index, _, match = uses[name]
        cell = notebook["cells"][index]
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        text = match.group(0)
        role = f"{{term}}`{text}`" if text == name else f"{{term}}`{text} <{name}>`"
        source = source[: match.start()] + role + source[match.end():]
        cell["source"] = source.splitlines(keepends=True) if isinstance(cell["source"], list) else source
        linked.append(name)
    return linked


def chapters(root: Path | str = ROOT) -> list[Path]:
    return sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def missing_links(root: Path | str = ROOT) -> list[str]:
    """``chapter: term (cell N)`` for every first use that is not a glossary link."""
    patterns = terms(Path(root) / "book" / "glossary.md")
    out = []
    for path in chapters(root):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for name, (index, is_link, _) in first_uses(notebook, patterns).items():
            if not is_link:
                out.append(f"{path.name}: first use of {name!r} (cell {index}) is not a glossary link")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.glossary", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="link every first use that is not yet a link")
    args = parser.parse_args(argv)
    if args.write:
        patterns = terms()
        for path in chapters():
            text = path.read_text(encoding="utf-8")
            notebook = json.loads(text)
            linked = link_first_uses(notebook, patterns)
            if linked:
                path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
                print(f"{path.name}: linked {', '.join(linked)}")
        return 0
    problems = missing_links()
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
