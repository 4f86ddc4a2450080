"""The claims ledger: every central claim of the book, measured per seed and checked.

One home per job (chapter 4's claims at convergence, judged from kept records, are
:func:`at_convergence`'s, outside the registry):

* :mod:`~gapnotes.claims.ledger` — the machinery: :class:`Claim`, :class:`Check`, :class:`Equivalence`,
  :class:`ClaimResult`, the two verdicts (its module doc), the report tables; it imports no claim;
* :mod:`~gapnotes.claims.statistics` — the interval estimates the verdicts use;
* :mod:`~gapnotes.claims.runner` — :func:`run`, :func:`configs`, re-judging kept records, the command line;
* ``chapter0`` … ``chapter5`` — each chapter's claims beside the recipes that measure them (a
  ``measure(seed, device)`` function, the ``configs(seed)`` of the models it needs, the ``Claim``);
* :mod:`~gapnotes.claims.common` — what the recipes share (the base regime, the fixed test pairs);
* :mod:`~gapnotes.claims.registry` — ``CLAIMS``, every claim by id, and :func:`select`.

A chapter asks for its models with ``claims.configs(ids, seeds)`` (to train them with its own in
one ensemble) and for its verdicts with ``claims.run(ids)``. Command line::

    python -m gapnotes.claims --seeds 0-4 [--device cpu|cuda] [--only ID ...] [--json PATH]
    python -m gapnotes.claims --rejudge FILE [FILE ...]
"""

from . import statistics
from .chapter2 import AUTHORS_TAU_SWEEP, TEMPERATURES, temperature_table
from .chapter4 import (
    CLOSING_TEST_PAIRS,
    CONVERGED_CLAIMS,
    FULL_EVALUATION,
    at_convergence,
    compare_methods,
    convergence_words,
)
from .common import KMEANS_RESTARTS, PARTIAL_DETAIL, RANDOM_INIT_GAP, test_pairs
from .ledger import (
    CONFIDENCE,
    MIN_SEEDS,
    SEEDS,
    SINGLE_RUN_SHARE,
    Check,
    Claim,
    ClaimResult,
    Equivalence,
    budget_table,
    effect_table,
    margins_frame,
    mean_sd,
    parse_seeds,
    report_table,
    reproducibility,
    seed_set_table,
    seed_span,
    verdict_table,
)
from .registry import CLAIMS, select
from .runner import configs, kept, kept_records, main, pooled, rejudge, run

__all__ = ["Check", "Equivalence", "Claim", "ClaimResult", "CLAIMS", "SEEDS", "CONFIDENCE", "MIN_SEEDS",
           "SINGLE_RUN_SHARE", "PARTIAL_DETAIL", "KMEANS_RESTARTS", "RANDOM_INIT_GAP", "TEMPERATURES",
           "AUTHORS_TAU_SWEEP", "FULL_EVALUATION", "CLOSING_TEST_PAIRS", "test_pairs", "parse_seeds", "select",
           "configs", "run", "rejudge", "kept", "kept_records", "pooled", "report_table", "reproducibility", "effect_table", "budget_table", "verdict_table",
           "seed_set_table", "at_convergence", "convergence_words", "CONVERGED_CLAIMS",
           "seed_span", "margins_frame", "compare_methods", "temperature_table", "mean_sd", "statistics", "main"]
