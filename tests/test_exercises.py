"""The feedback of the exercises' check cells (gapnotes.exercises.check)."""

from __future__ import annotations

import pytest

from gapnotes.exercises import ExerciseCheckFailed, check


def test_check_feedback(capsys):
    assert check("ex-demo", lambda: True, "it is true") is True
    assert "✅ ex-demo" in capsys.readouterr().out
    with pytest.raises(ExerciseCheckFailed, match="(?s)not yet.*Hint: try again"):
        check("ex-demo", lambda: False, "it is true", hint="try again")
    with pytest.raises(ExerciseCheckFailed, match="(?s)undefined_answer.*run your solution cell"):
        check("ex-demo", lambda: undefined_answer > 0, "it is positive")  # noqa: F821
    with pytest.raises(ExerciseCheckFailed, match="could not read your answer"):
        check("ex-demo", lambda: {}["missing"], "has a key")
    with pytest.raises(TypeError, match="exercise"):
        check("", True, "x")
    with pytest.raises(TypeError, match="expectation"):
        check("ex", True, "")
