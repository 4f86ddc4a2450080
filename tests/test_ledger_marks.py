"""The ledger's numbers on the book's pages come from the kept records (tools.ledger_marks)."""

from __future__ import annotations

import pytest

from tools import ledger_marks


def test_the_pages_agree_with_the_kept_records():
    values = ledger_marks.ledger_values()
    for page in ledger_marks.PAGES:
        text = page.read_text(encoding="utf-8")
        assert "<!-- ledger:" in text
        assert ledger_marks.rewrite(text, values, page.name)[1] == [], "run `python -m tools.ledger_marks --write`"


def test_rewrite_names_what_differs_and_refuses_an_unknown_key():
    text, found = ledger_marks.rewrite("<!-- ledger:claims -->9<!-- /ledger -->", {"claims": "11"})
    assert text == "<!-- ledger:claims -->11<!-- /ledger -->" and found == ["page: claims says '9', the kept records give '11'"]
    with pytest.raises(ValueError, match="unknown ledger marker"):
        ledger_marks.rewrite("<!-- ledger:nope -->1<!-- /ledger -->", {"claims": "11"})
