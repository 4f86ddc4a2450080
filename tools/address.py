"""The book's repository address, as ``_config.yml`` defines it (``repository.url``, ``repository.branch``).

The one place the address is read; :mod:`tools.repository` checks and rewrites the copies of it,
:mod:`tools.colab` builds the Colab edition's links from it. It imports nothing from the other tools.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CONFIG", "SLUG", "Repository", "configured", "parse_url"]

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "_config.yml"
#: an ``owner/name`` on GitHub, as a regular expression
SLUG = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
_URL = re.compile(rf"^https://github\.com/({SLUG}?)(?:\.git)?/?$")


@dataclass(frozen=True)
class Repository:
    """An address on GitHub: ``slug`` is ``owner/name``."""

    slug: str
    branch: str = "main"

    @property
    def url(self) -> str:
        return f"https://github.com/{self.slug}"

    @property
    def pages_url(self) -> str:
        owner, name = self.slug.split("/")
        return f"https://{owner.lower()}.github.io/{name}/"


def parse_url(url: str, branch: str = "main") -> Repository:
    """``https://github.com/OWNER/NAME`` (optionally ``.git`` or a trailing slash) as a :class:`Repository`."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a string, got {type(url).__name__}")
    match = _URL.match(url.strip())
    if match is None:
        raise ValueError(f"url must look like https://github.com/OWNER/NAME, got {url!r}")
    if not isinstance(branch, str) or not re.fullmatch(r"[A-Za-z0-9_./-]+", branch):
        raise ValueError(f"branch must be a git branch name, got {branch!r}")
    return Repository(match.group(1), branch)


def configured(root: Path | str = ROOT) -> Repository:
    """The repository named in ``_config.yml`` (``repository.url``, ``repository.branch``)."""
    import yaml

    path = Path(root) / CONFIG
    section = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("repository") or {}
    if "url" not in section:
        raise ValueError(f"{path} has no repository.url")
    return parse_url(section["url"], str(section.get("branch", "main")))
