"""One repository address: _config.yml defines it, every copy agrees, and one command moves the book to a fork."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools import repository

ROOT = Path(__file__).resolve().parents[1]


def test_every_copy_names_the_configured_repository():
    assert repository.mismatches(ROOT) == []


def _copy_of_the_book(tmp_path: Path) -> Path:
    for name in ("_config.yml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(ROOT / ".github", tmp_path / ".github")
    return tmp_path


def test_set_repository_moves_every_copy_and_nothing_else(tmp_path):
    root = _copy_of_the_book(tmp_path)
    old = repository.configured(root)
    before = {p: p.read_text(encoding="utf-8") for p in [root / "_config.yml", root / "README.md",
                                                        root / ".github" / "workflows" / "book.yml",
                                                        *sorted((root / "notebooks").glob("*.ipynb"))]}
    changed = repository.set_repository("https://github.com/Someone/my-gap-course.git", "gh-book", root)
    new = repository.configured(root)
    assert (new.slug, new.branch) == ("Someone/my-gap-course", "gh-book")
    assert repository.mismatches(root) == []
    assert set(changed) == set(before), "every file that holds a copy is rewritten"
    for path, text in before.items():
        after = path.read_text(encoding="utf-8")
        assert old.slug not in after and old.pages_url not in after, path
        # only the addresses moved: undoing the replacements gives the file back byte for byte
        undone = (after.replace("Someone/my-gap-course/blob/gh-book", f"{old.slug}/blob/{old.branch}")
                  .replace("Someone/my-gap-course", old.slug).replace(new.pages_url, old.pages_url)
                  .replace("branch: gh-book", f"branch: {old.branch}")
                  .replace("branches: [gh-book]", f"branches: [{old.branch}]"))
        assert undone == text, path
    assert "https://someone.github.io/my-gap-course/" in (root / "README.md").read_text(encoding="utf-8")


def test_command_line_check_and_set(tmp_path, capsys):
    root = _copy_of_the_book(tmp_path)
    assert repository.main(["--root", str(root)]) == 0
    assert repository.main(["--root", str(root), "--set", "https://github.com/you/fork"]) == 0
    out = capsys.readouterr().out
    assert "updated _config.yml" in out and "every copy names https://github.com/you/fork" in out
    # a hand edit that forgets one copy is reported with the file and both addresses
    badge = root / "notebooks" / "01_cone_effect.ipynb"
    badge.write_text(badge.read_text(encoding="utf-8").replace("github/you/fork/", "github/other/book/"),
                     encoding="utf-8")
    assert repository.main(["--root", str(root)]) == 1
    assert "01_cone_effect.ipynb: Colab badge names other/book@main, expected you/fork@main" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["github.com/you/fork", "https://gitlab.com/you/fork", "https://github.com/you",
                                 "https://github.com/you/fork/tree/main"])
def test_bad_url_is_refused_naming_the_argument(tmp_path, url):
    root = _copy_of_the_book(tmp_path)
    config = (root / "_config.yml").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="url must look like https://github.com/OWNER/NAME"):
        repository.set_repository(url, root=root)
    assert (root / "_config.yml").read_text(encoding="utf-8") == config, "nothing is written on bad input"
    with pytest.raises(ValueError, match="branch must be"):
        repository.set_repository("https://github.com/you/fork", "bad branch", root=root)


def test_the_wheel_ships_every_subpackage_of_gapnotes():
    """A subpackage missing from pyproject's list installs without it (Colab's pip install would break)."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {init.parent.relative_to(ROOT).as_posix().replace("/", ".") for init in (ROOT / "gapnotes").rglob("__init__.py")}
    assert listed == found, f"pyproject.toml [tool.setuptools] packages {sorted(listed)}; on disk {sorted(found)}"


def test_the_tools_import_each_other_in_one_direction():
    """tools/*.py as a graph of imports (at any depth of a function): no circle."""
    import ast

    names = {path.stem for path in (ROOT / "tools").glob("*.py") if path.stem != "__init__"}
    graph = {}
    for name in names:
        tree = ast.parse((ROOT / "tools" / f"{name}.py").read_text(encoding="utf-8"))
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tools."):
                found.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("tools.")}
        graph[name] = found & names
    done, path = set(), []

    def visit(node):
        assert node not in path, "import circle: " + " → ".join(path[path.index(node):] + [node])
        if node in done:
            return
        path.append(node)
        for other in sorted(graph[node]):
            visit(other)
        path.pop()
        done.add(node)

    for name in sorted(graph):
        visit(name)
    assert graph["address"] == set() and graph["time_marks"] == set()
