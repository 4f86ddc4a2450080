"""Every claim of the book by id, in chapter order: the ``CLAIMS`` of the chapter modules gathered."""

from __future__ import annotations

from . import chapter0, chapter1, chapter2, chapter3, chapter4, chapter5

CHAPTER_MODULES = (chapter0, chapter1, chapter2, chapter3, chapter4, chapter5)


def _gathered() -> dict:
    claims = {}
    for module in CHAPTER_MODULES:
        for claim in module.CLAIMS:
            if claim.id in claims:
                raise ValueError(f"claim id {claim.id!r} is registered twice ({module.__name__})")
            claims[claim.id] = claim
    return claims


#: id → :class:`~gapnotes.claims.ledger.Claim`, every claim of the book.
CLAIMS = _gathered()


def select(ids) -> list:
    """The claims of ``ids`` (a claim id, a list of ids, or None for every claim), in the book's order."""
    if ids is None:
        return list(CLAIMS.values())
    ids = [ids] if isinstance(ids, str) else list(ids)
    unknown = [i for i in ids if i not in CLAIMS]
    if unknown:
        raise ValueError(f"unknown claim id(s) {unknown}; known: {sorted(CLAIMS)}")
    return [CLAIMS[i] for i in ids]
