"""The book's one repository address, and every place that must agree with it.

    python -m tools.repository                          # check: every place names _config.yml's address
    python -m tools.repository --set https://github.com/you/your-fork [--branch main]

The address is defined once, in ``_config.yml`` (``repository.url`` and ``repository.branch``): the
theme's repository, issue and launch buttons read it from there. A few places cannot read it and
hold a copy, which this module checks and rewrites:

- each chapter's *Open in Colab* badge (``colab.research.google.com/github/OWNER/NAME/blob/BRANCH/colab/...``,
  the chapter's Colab edition), because Colab opens the notebook from GitHub before anything of the book runs;
- each chapter's hidden install cell (``pip install "gapnotes @ git+https://github.com/OWNER/NAME"``),
  because in Colab that cell runs before gapnotes exists;
- the README's link to the published book (``https://OWNER.github.io/NAME/``, GitHub Pages' address);
- the branch that ``.github/workflows/book.yml`` publishes from (``branches: [BRANCH]``).

``--set`` edits ``_config.yml`` and then every copy, as text, so nothing else in a file changes, and
rewrites the Colab edition (``colab/``, :mod:`tools.colab`), which holds the addresses too.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from tools.address import CONFIG, SLUG, Repository, configured, parse_url
from tools.colab import write as write_colab_edition

__all__ = ["CONFIG", "Repository", "configured", "mismatches", "parse_url", "set_repository"]

ROOT = Path(__file__).resolve().parents[1]
_CONFIG_URL = re.compile(r"^(\s*url:\s*)(\S+)\s*$", re.MULTILINE)
_CONFIG_BRANCH = re.compile(r"^(\s*branch:\s*)(\S+)\s*$", re.MULTILINE)
# Each copy: a pattern whose groups are (owner/name) and, for the badge, the branch.
_BADGE = re.compile(rf"https://colab\.research\.google\.com/github/({SLUG})/blob/([A-Za-z0-9_./-]+?)/colab/")
_INSTALL = re.compile(rf"git\+https://github\.com/({SLUG}?)(?:\.git)?(?=[\\\"'@\s]|$)")
_PAGES = re.compile(r"https://([A-Za-z0-9-]+)\.github\.io/([A-Za-z0-9_.-]+)/")
_WORKFLOW = ".github/workflows/book.yml"
_WORKFLOW_BRANCHES = re.compile(r"^(\s*branches:\s*\[)([^\]]*)(\])", re.MULTILINE)


def _copies(root: Path) -> list[Path]:
    """The files that hold a copy of the address."""
    return sorted((root / "notebooks").glob("*.ipynb")) + [root / "README.md"]


def mismatches(root: Path | str = ROOT) -> list[str]:
    """Every copy of the address that differs from ``_config.yml``'s, and every chapter missing one.

    Returns readable lines (``file: found X, expected Y``); empty when all agree.
    """
    root = Path(root)
    repo = configured(root)
    problems = []
    for path in _copies(root):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(root).as_posix()
        for slug, branch in _BADGE.findall(text):
            if (slug, branch) != (repo.slug, repo.branch):
                problems.append(f"{name}: Colab badge names {slug}@{branch}, expected {repo.slug}@{repo.branch}")
        for slug in _INSTALL.findall(text):
            if slug != repo.slug:
                problems.append(f"{name}: install cell names {slug}, expected {repo.slug}")
        for owner, project in _PAGES.findall(text):
            if f"https://{owner}.github.io/{project}/" != repo.pages_url:
                problems.append(f"{name}: published-book link {owner}.github.io/{project}, expected {repo.pages_url}")
        if path.suffix == ".ipynb" and path.name[:2].isdigit():
            if not _BADGE.search(text):
                problems.append(f"{name}: no Open in Colab badge")
            if not _INSTALL.search(text):
                problems.append(f"{name}: no install cell naming the repository")
    workflow = root / _WORKFLOW
    if workflow.is_file():
        found = _WORKFLOW_BRANCHES.search(workflow.read_text(encoding="utf-8"))
        if found is None or found.group(2).strip() != repo.branch:
            branches = found.group(2).strip() if found else "no branches: [...] line"
            problems.append(f"{_WORKFLOW}: publishes from {branches}, expected {repo.branch}")
    return problems


def set_repository(url: str, branch: str | None = None, root: Path | str = ROOT) -> list[Path]:
    """Point the book at another repository: ``_config.yml`` and every copy. Returns the files changed.

    ``branch`` defaults to the branch already configured. Only the addresses are replaced; the rest of
    each file is left byte for byte as it was.
    """
    root = Path(root)
    old = configured(root)
    new = parse_url(url, old.branch if branch is None else branch)
    changed = []
    config = root / CONFIG
    text = config.read_text(encoding="utf-8")
    head, sep, tail = text.partition("\nrepository:")
    if not sep:
        raise ValueError(f"{config} has no top-level repository: section")
    block, rest_sep, rest = tail.partition("\n\n")
    block = _CONFIG_URL.sub(lambda m: m.group(1) + new.url, block, count=1)
    block = _CONFIG_BRANCH.sub(lambda m: m.group(1) + new.branch, block, count=1)
    changed += _write_if_changed(config, text, head + sep + block + rest_sep + rest)
    for path in _copies(root):
        text = path.read_text(encoding="utf-8")
        updated = _BADGE.sub(f"https://colab.research.google.com/github/{new.slug}/blob/{new.branch}/colab/", text)
        updated = _INSTALL.sub(f"git+{new.url}", updated)
        updated = _PAGES.sub(new.pages_url, updated)
        changed += _write_if_changed(path, text, updated)
    workflow = root / _WORKFLOW
    if workflow.is_file():
        text = workflow.read_text(encoding="utf-8")
        updated = _WORKFLOW_BRANCHES.sub(lambda m: m.group(1) + new.branch + m.group(3), text, count=1)
        changed += _write_if_changed(workflow, text, updated)
    if (root / "colab").is_dir():
        changed += write_colab_edition(root)
    return changed


def _write_if_changed(path: Path, before: str, after: str) -> list[Path]:
    if after == before:
        return []
    path.write_text(after, encoding="utf-8")
    return [path]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.repository", description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", dest="url", metavar="URL", help="https://github.com/OWNER/NAME of your fork")
    parser.add_argument("--branch", help="the branch the book is published from (default: the configured one)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.url is None and args.branch is not None:
        parser.error("--branch needs --set URL")
    if args.url is not None:
        try:
            changed = set_repository(args.url, args.branch, args.root)
        except ValueError as error:
            parser.error(str(error))
        for path in changed:
            print(f"updated {path.relative_to(args.root)}")
    repo = configured(args.root)
    problems = mismatches(args.root)
    for line in problems:
        print(line, file=sys.stderr)
    if not problems:
        print(f"every copy names {repo.url} (branch {repo.branch}); published at {repo.pages_url}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
