"""The test run's plumbing across ``tests/`` and ``notebooks/``: each computation once per run.

* **One execution of the chapters.** nbval executes every chapter (``notebooks/``, see
  ``pyproject.toml``); the browser test (``tests/test_browser.py``) needs the same chapters
  executed and rendered. Instead of executing them a second time, the outputs nbval collected
  for each cell are written into an executed copy of the chapter (``_build/executed/``) once all
  its cells have passed, and the browser test, moved after the notebooks, builds the book from
  those copies with execution off (the ``executed_notebooks`` fixture). Run alone, it builds the book
  as ``make book`` does.
* **One run of the ledger.** Chapter 7 (the reproduction report) runs every claim over the five
  seeds and asserts that each holds on average; ``tests/test_claims.py``'s ledger test asserts the same, so it
  is skipped, saying why, when chapter 7 is part of the run.

Hooks for items under ``notebooks/`` must live here: pytest calls a ``tests/conftest.py`` only
for items below ``tests/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
EXECUTED = ROOT / "_build" / "executed"
REPORT_CHAPTER = "08_reproduction_report.ipynb"
LEDGER_TEST = "test_every_claim_holds_on_average_over_five_seeds"

# notebook name -> {"cells": number of nbval items, "passed": cells passed, "path": written copy}
_runs: dict[str, dict] = {}


def _is_notebook_cell(item) -> bool:
    return item.__class__.__name__ == "IPyNbCell" and hasattr(item, "cell")


def pytest_collection_modifyitems(session, config, items):
    notebooks = {Path(str(item.fspath)).name for item in items if _is_notebook_cell(item)}
    for item in items:
        if _is_notebook_cell(item):
            _runs.setdefault(Path(str(item.fspath)).name, {"cells": 0, "passed": 0, "path": None})["cells"] += 1
        if item.name == LEDGER_TEST and REPORT_CHAPTER in notebooks:
            item.add_marker(pytest.mark.skip(
                reason=f"the ledger is asserted to hold on average by nbval over notebooks/{REPORT_CHAPTER} in this run"))
    # the browser test last: by then nbval has executed every chapter
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not _is_notebook_cell(item) or not report.passed:
        return
    name = Path(str(item.fspath)).name
    run = _runs[name]
    run["passed"] += 1
    item.cell.outputs = list(item.test_outputs or [])
    item.cell.execution_count = run["passed"]
    for output in item.cell.outputs:
        if output.get("output_type") == "execute_result":
            output["execution_count"] = run["passed"]
    if run["passed"] == run["cells"]:  # every cell of the chapter ran and passed: keep the copy
        import nbformat

        EXECUTED.mkdir(parents=True, exist_ok=True)
        path = EXECUTED / name
        nbformat.write(item.parent.nb, path)
        run["path"] = path


@pytest.fixture(scope="session")
def executed_notebooks():
    """A function: chapter name → its copy executed by nbval in this run; None unless every chapter has one.

    Called when needed (not when the fixture is set up), so it sees the chapters nbval ran before.
    """

    def chapters() -> dict[str, Path] | None:
        if not _runs or any(run["path"] is None for run in _runs.values()):
            return None
        return {name: run["path"] for name, run in _runs.items()}

    return chapters
