"""Self-checks for the book's exercises (Neuromatch-style feedback).

A chapter's exercise is followed by a *check cell* (tagged ``check``) that calls :func:`check`.
In the book the check runs after the solution and prints a green tick; in the notebooks released
to students (nbgrader, ``make student``) the solution is replaced by a ``# YOUR CODE HERE`` stub
and the same check tells the student whether their answer is right:

>>> check("ex-demo", lambda: 1 + 1 == 2, "1 + 1 is 2")
✅ ex-demo: 1 + 1 is 2

A failed check raises :class:`ExerciseCheckFailed` (an ``AssertionError``, so the book's tests fail
when a solution stops being right) with a message that says what was expected and gives the hint.
A name the check needs that is not defined yet (the student has not run their cell) is reported as
such, instead of a bare ``NameError``.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["check", "ExerciseCheckFailed"]


class ExerciseCheckFailed(AssertionError):
    """An exercise's answer does not (yet) pass its check."""


def check(exercise: str, condition: Callable[[], bool] | bool, expectation: str, hint: str = "") -> bool:
    """Check a student's answer and print feedback.

    Parameters
    ----------
    exercise : the exercise label (e.g. ``"ex-01-width"``), shown in the feedback
    condition : a function of no arguments returning a truth value (preferred: a ``NameError`` raised
        inside it is reported as "run your solution first"), or a truth value
    expectation : what a right answer satisfies, in words ("narrow networks close the cone faster")
    hint : shown when the check fails

    Returns
    -------
    True when the check passes; otherwise raises :class:`ExerciseCheckFailed`.
    """
    if not isinstance(exercise, str) or not exercise:
        raise TypeError("exercise must be a non-empty string (the exercise label)")
    if not isinstance(expectation, str) or not expectation:
        raise TypeError("expectation must be a non-empty string saying what a right answer satisfies")
    if not isinstance(hint, str):
        raise TypeError(f"hint must be a string, got {type(hint).__name__}")
    suffix = f"\nHint: {hint}" if hint else ""
    if callable(condition):
        try:
            passed = condition()
        except NameError as error:
            raise ExerciseCheckFailed(
                f"❌ {exercise}: {error}. Write and run your solution cell above, then run this check again."
            ) from None
        except Exception as error:  # the student's object has the wrong shape/type: say so, not a traceback
            raise ExerciseCheckFailed(
                f"❌ {exercise}: the check could not read your answer ({type(error).__name__}: {error}).{suffix}"
            ) from error
    else:
        passed = condition
    try:
        passed = bool(passed)
    except Exception as error:  # e.g. the truth value of an array is ambiguous
        raise TypeError(f"condition must give a single truth value, got {type(passed).__name__}") from error
    if not passed:
        raise ExerciseCheckFailed(f"❌ {exercise}: not yet. Expected: {expectation}.{suffix}")
    print(f"✅ {exercise}: {expectation}")
    return True
