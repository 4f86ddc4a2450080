"""The claims ledger: every central claim of the book, measured per seed and checked.

One home per job:

* :mod:`~gapnotes.claims.ledger` — the machinery: :class:`Claim`, :class:`Check`, :class:`ClaimResult`,
  the robustness rule (its module doc), :func:`run`, :func:`configs`, the report tables, the command line;
* ``chapter0`` … ``chapter5`` — each chapter's claims beside the recipes that measure them (a
  ``measure(seed, device)`` function, the ``configs(seed)`` of the models it needs, the ``Claim``);
* :mod:`~gapnotes.claims.common` — what the recipes share (the base regime, the fixed test pairs);
* :mod:`~gapnotes.claims.registry` — ``CLAIMS``, every claim by id.

A chapter asks for its models with ``claims.configs(ids, seeds)`` (to train them with its own in
one ensemble) and for its verdicts with ``claims.run(ids)``. Command line::

    python -m gapnotes.claims --seeds 0-4 [--device cpu|cuda] [--only ID ...] [--json PATH]
"""

from .chapter0 import RANDOM_INIT_GAP
from .chapter2 import AUTHORS_TAU_SWEEP, TEMPERATURES, temperature_table
from .chapter4 import CLOSING_TEST_PAIRS, FULL_EVALUATION, compare_methods
from .common import KMEANS_RESTARTS, PARTIAL_DETAIL, test_pairs
from .ledger import (
    PREDICTION_LEVEL,
    SEEDS,
    Check,
    Claim,
    ClaimResult,
    configs,
    main,
    margins_frame,
    mean_sd,
    parse_seeds,
    report_table,
    run,
    verdict_table,
)
from .registry import CLAIMS

__all__ = ["Check", "Claim", "ClaimResult", "CLAIMS", "SEEDS", "PREDICTION_LEVEL", "PARTIAL_DETAIL",
           "KMEANS_RESTARTS", "RANDOM_INIT_GAP", "TEMPERATURES", "AUTHORS_TAU_SWEEP", "FULL_EVALUATION",
           "CLOSING_TEST_PAIRS", "test_pairs", "parse_seeds", "configs", "run", "report_table", "verdict_table",
           "margins_frame", "compare_methods", "temperature_table", "mean_sd", "main"]
