"""The README's chapter times are the measurement in benchmarks/results.json, never typed by hand."""

import json

import pytest

from tools import timings

RESULTS = {"machine": {"cpu": "Test CPU", "cores": 2, "date": "2026-01-01"},
           "rows": [{"section": "book", "figure": "chapter 00 (a)", "value": 14.6},
                    {"section": "book", "figure": "chapter 01 (b)", "value": 101.4},
                    {"section": "book", "figure": "whole book, cold cache", "value": 116.0}]}
TABLE = ("| chapter | question | {header} |\n|---|---|---|\n"
         "| 0 The gap | what | {zero} |\n| 1 The cone | why | {one} |\n")


def _readme(zero="15 s", one="101 s", header=None):
    return TABLE.format(zero=zero, one=one, header=header or timings.header_text(RESULTS))


def test_the_readme_table_matches_the_measurement():
    """The repository's README against the repository's results.json."""
    results = json.loads(timings.RESULTS.read_text(encoding="utf-8"))
    _, differences = timings.rewrite(timings.README.read_text(encoding="utf-8"), results)
    assert not differences, ("README.md's chapter table disagrees with benchmarks/results.json "
                             "(run `python -m tools.timings --write`):\n" + "\n".join(differences))


def test_a_hand_typed_time_is_found_and_rewritten():
    text, differences = timings.rewrite(_readme(zero="under a minute"), RESULTS)
    assert differences == ["chapter 0: README says 'under a minute', results.json measured 15 s"]
    assert text == _readme()
    assert timings.rewrite(text, RESULTS)[1] == []


def test_the_header_names_the_machine_and_a_missing_row_is_reported():
    text, differences = timings.rewrite(_readme(header="2-core CPU"), RESULTS)
    assert "Test CPU" in text and "2026-01-01" in text
    assert len(differences) == 1 and "header" in differences[0]
    two = {**RESULTS, "rows": RESULTS["rows"] + [{"section": "book", "figure": "chapter 02 (c)", "value": 9.0}]}
    assert timings.rewrite(_readme(), two)[1] == ["chapter 2 was measured but has no row in the README's table"]


def test_every_marked_figure_matches_the_measurement():
    """The inline figures of the README and the instructor notes against results.json."""
    results = json.loads(timings.RESULTS.read_text(encoding="utf-8"))
    differences = []
    for page in timings.MARKED_PAGES:
        differences += timings.rewrite_marked(page.read_text(encoding="utf-8"), results, page.name)[1]
    for notebook in timings.NOTEBOOKS:
        differences += timings.rewrite_notebook(notebook.read_text(encoding="utf-8"), results, notebook.name)[1]
    assert not differences, "run `python -m tools.timings --write`:\n" + "\n".join(differences)


def test_every_chapter_states_its_measured_time():
    """Each chapter's "Estimated time" line carries its time alone and in book order as marked figures."""
    for notebook in timings.NOTEBOOKS:
        number = notebook.name[:2]
        opening = "".join(json.loads(notebook.read_text(encoding="utf-8"))["cells"][0]["source"])
        line = opening[opening.index("**Estimated time**"):].split("\n\n")[0]
        for key in (f"chapter-{number}-alone", f"chapter-{number}", "machine"):
            assert f"<!-- time:{key} -->" in line, f"{notebook.name}: no {key} figure in {line!r}"


ALONE = {**RESULTS, "rows": RESULTS["rows"] + [
    {"section": "alone", "figure": "chapter 01 alone, cold cache", "value": 185.4},
    {"section": "ledger", "figure": "ledger --seeds 0-4, cold cache, wall", "value": 299.6},
    {"section": "book", "figure": "chapter 01 warm cache", "value": 12.4},
    {"section": "book", "figure": "whole book, warm cache", "value": 130.2}]}


def test_warm_figures_are_their_own_rows():
    text = "<!-- time:chapter-01-warm -->?<!-- /time --> <!-- time:book-warm -->?<!-- /time -->"
    new, differences = timings.rewrite_marked(text, ALONE)
    assert new == "<!-- time:chapter-01-warm -->12 s<!-- /time --> <!-- time:book-warm -->2 min 10 s<!-- /time -->"
    assert len(differences) == 2
    # a warm row is not a chapter of the cold table
    assert timings.chapter_seconds(ALONE) == {0: 14.6, 1: 101.4}


def test_alone_and_ledger_figures_and_notebooks_are_rewritten():
    text = "alone <!-- time:chapter-01-alone -->1 min<!-- /time -->, <!-- time:ledger -->?<!-- /time -->"
    new, differences = timings.rewrite_marked(text, ALONE)
    assert new == "alone <!-- time:chapter-01-alone -->3 min 5 s<!-- /time -->, <!-- time:ledger -->5 min 0 s<!-- /time -->"
    assert len(differences) == 2
    with pytest.raises(ValueError, match="no 'chapter 00 alone, cold cache' row"):
        timings.rewrite_marked("<!-- time:chapter-00-alone -->1 s<!-- /time -->", ALONE)
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["Runs in\n",
                                                                              "<!-- time:chapter-01 -->9 s<!-- /time -->."]},
                          {"cell_type": "code", "metadata": {}, "source": ["# <!-- time:chapter-01 -->9 s<!-- /time -->"],
                           "outputs": [], "execution_count": None}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    raw = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    new, differences = timings.rewrite_notebook(raw, ALONE, "nb")
    cells = json.loads(new)["cells"]
    assert cells[0]["source"] == ["Runs in\n", "<!-- time:chapter-01 -->101 s<!-- /time -->."]
    assert cells[1]["source"] == notebook["cells"][1]["source"]  # code cells are not touched
    assert len(differences) == 1 and timings.rewrite_notebook(new, ALONE)[1] == []
    assert timings.rewrite_notebook(new, ALONE)[0] == new  # unchanged text, byte for byte


def test_marked_figures_are_rewritten_and_unknown_keys_refused():
    text = "book <!-- time:book -->6 min<!-- /time -->, ch 1 <!-- time:chapter-01 -->42 s<!-- /time -->"
    new, differences = timings.rewrite_marked(text, RESULTS)
    assert new == "book <!-- time:book -->116 s<!-- /time -->, ch 1 <!-- time:chapter-01 -->101 s<!-- /time -->"
    assert len(differences) == 2 and timings.rewrite_marked(new, RESULTS)[1] == []
    assert timings.duration_text(385.2) == "6 min 25 s" and timings.duration_text(119.6) == "2 min 0 s"
    with pytest.raises(ValueError, match="unknown time marker"):
        timings.rewrite_marked("<!-- time:lunch -->1 h<!-- /time -->", RESULTS)
    with pytest.raises(ValueError, match="no row for that chapter"):
        timings.rewrite_marked("<!-- time:chapter-09 -->1 s<!-- /time -->", RESULTS)


def test_results_without_chapters_are_refused():
    with pytest.raises(ValueError, match="no 'book' rows"):
        timings.rewrite(_readme(), {"rows": []})
