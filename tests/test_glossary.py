"""Every chapter links a glossary term where it first uses it (tools.glossary), to an entry that exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tools import glossary

ROOT = Path(__file__).resolve().parents[1]


def test_every_first_use_of_a_term_is_a_glossary_link():
    missing = glossary.missing_links(ROOT)
    assert not missing, "run `python -m tools.glossary --write`:\n" + "\n".join(missing)


def test_every_link_names_an_entry_and_the_chapters_link_at_least_30():
    entries = set(glossary.terms()) | set(glossary.UNLINKED)
    links = []
    for path in glossary.chapters(ROOT):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for role in re.findall(r"\{term\}`([^`]*)`", "".join(cell["source"])):
                target = re.fullmatch(r".*?<([^>]+)>", role, re.S)
                links.append(target.group(1) if target else role)
    assert set(links) <= entries, sorted(set(links) - entries)
    assert len(links) >= 30


def test_first_uses_skip_code_maths_headings_and_hidden_cells():
    patterns = {"V-measure": re.compile(r"(?<![\w@-])V-measures?(?![\w@-])")}
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "## V-measure\n`V-measure` and $V-measure$"},
        {"cell_type": "markdown", "metadata": {"nbgrader": {"solution": True}}, "source": "V-measure"},
        {"cell_type": "markdown", "metadata": {"tags": ["reveals-solution"]}, "source": "V-measure"},
        {"cell_type": "markdown", "metadata": {}, "source": "Its V-measure rises; V-measure again."},
    ]
    notebook = {"cells": cells}
    assert glossary.first_uses(notebook, patterns)["V-measure"][:2] == (3, False)
    assert glossary.link_first_uses(notebook, patterns) == ["V-measure"]
    assert cells[3]["source"] == "Its {term}`V-measure` rises; V-measure again."
    assert glossary.first_uses(notebook, patterns)["V-measure"][:2] == (3, True)
