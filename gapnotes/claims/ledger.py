"""The ledger's machinery: a claim, its checks, the two verdicts, measuring and reporting.

A :class:`Claim` names what a chapter says (``statement``), what the paper reports (``paper``)
and where that number is and what its ± means (``source``), how to measure it for one seed on one
device (``measure``, a dict of named numbers) and the checks that decide whether it holds: a
:class:`Check` ("V-measure gain ≥ 0.05") or an :class:`Equivalence` ("R@1 barely moves": the
signed change stays within ±margin). The claims live beside their recipes, one module per chapter
(:mod:`gapnotes.claims.chapter0` … ``chapter5``); :mod:`gapnotes.claims.registry` gathers them and
:mod:`gapnotes.claims.runner` runs them. This module imports no claim.

**The two verdicts** of a :class:`ClaimResult` (the reproduction report explains them for students).
Each check has a *margin* per seed: value − threshold (``≥``), threshold − value (``≤``), or
margin − |change| (an equivalence); the check holds in a seed when its margin is ≥ 0.

(a) *Holds on average*: for every check, the one-sided 95 % lower confidence bound of the mean margin
    is ≥ 0 (Student t, :func:`~gapnotes.claims.statistics.mean_lower_bound`; a percentile bootstrap
    bound is reported beside it as a cross-check); for an equivalence, the two one-sided tests (TOST,
    α = 0.05) on the signed change with the check's own margin
    (:func:`~gapnotes.claims.statistics.tost_bound`). Judged on ≥ :data:`MIN_SEEDS` seeds.
(b) *Seen in a single run*: the share of seeds in which every check holds, k of n, with its one-sided
    95 % Clopper–Pearson lower bound; "a single run shows it" when that bound is ≥
    :data:`SINGLE_RUN_SHARE`, which takes at least 14 seeds: on fewer it is said as "k of n runs".

The seeds vary everything a training run draws (initialisation, batch order); the test pairs and
k-means (best of :data:`gapnotes.claims.common.KMEANS_RESTARTS` starts) are fixed, so a seed's spread
holds no test-set resampling noise. Thresholds and margins were set on seeds 0–4.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .statistics import bootstrap_mean_lower_bound, mean_lower_bound, share_lower_bound, tost_bound

__all__ = ["Check", "Equivalence", "Claim", "ClaimResult", "SEEDS", "CONFIDENCE", "MIN_SEEDS",
           "SINGLE_RUN_SHARE", "difference", "named", "mean_sd", "parse_seeds", "report_table", "reproducibility", "effect_table",
           "budget_table",
           "verdict_table", "seed_set_table", "seed_span", "margins_frame"]

#: The five seeds the book shows (any five must do: ``python -m gapnotes.claims --seeds 5-9``).
SEEDS = (0, 1, 2, 3, 4)
#: One-sided confidence level of every bound of the ledger (TOST at α = 1 − CONFIDENCE).
CONFIDENCE = 0.95
#: Fewest seeds on which a claim's average verdict is judged (the command line's exit code follows it).
MIN_SEEDS = 5
#: "A single run shows it" when the Clopper–Pearson lower bound of the share of runs that hold is ≥ this.
SINGLE_RUN_SHARE = 0.80


@dataclass(frozen=True)
class Check:
    """One predicate of a claim: ``value(values) ≥ threshold`` (``op=">="``) or ``≤`` (``"<="``).

    ``paper``: the same quantity computed from the numbers the paper reports (the claim's ``source``
    says where they are), or None where the paper has no such number; the report plots its margin
    beside the seeds'. On average (verdict a) the check holds when the one-sided lower confidence
    bound of its mean margin is ≥ 0.
    """

    name: str
    value: Callable[[dict], float]
    op: str
    threshold: float
    paper: float | None = None

    def __post_init__(self):
        if self.op not in (">=", "<="):
            raise ValueError(f"op must be '>=' or '<=', got {self.op!r}")

    def _margin(self, value):
        """value − threshold (``>=``) or threshold − value (``<=``): ≥ 0 where the check holds."""
        return value - self.threshold if self.op == ">=" else self.threshold - value

    def holds(self, values: dict) -> bool:
        return bool(self._margin(float(self.value(values))) >= 0)

    def margins(self, per_seed: list) -> np.ndarray:
        """Per seed: value − threshold (``>=``) or threshold − value (``<=``); ≥ 0 where it holds."""
        return self._margin(np.array([float(self.value(values)) for values in per_seed]))

    def average_bound(self, per_seed: list, level: float = CONFIDENCE) -> float:
        """One-sided lower confidence bound (Student t) of the mean margin over the seeds."""
        return mean_lower_bound(self.margins(per_seed), level)

    def bootstrap_bound(self, per_seed: list, level: float = CONFIDENCE) -> float:
        """The same bound by percentile bootstrap (a cross-check; seeded, deterministic)."""
        return bootstrap_mean_lower_bound(self.margins(per_seed), level)

    def scale(self, per_seed: list) -> float:
        """The size a margin is compared with to find a claim's weakest check: |threshold|."""
        return max(abs(self.threshold), 1e-12)

    def paper_margin(self) -> float:
        """The paper's number's margin over the threshold, as :meth:`margins` (NaN where it has none)."""
        return float("nan") if self.paper is None else self._margin(self.paper)

    def describe(self) -> str:
        return f"{self.name} {'≥' if self.op == '>=' else '≤'} {self.threshold:g}"


@dataclass(frozen=True)
class Equivalence:
    """A "barely moves" predicate: the signed ``change(values)`` lies within ±``margin``.

    In one seed it holds when ``|change| ≤ margin`` (margin − |change| ≥ 0). On average (verdict a)
    it holds by the two one-sided tests (TOST, α = 1 − :data:`CONFIDENCE`): the mean change is shown
    to be above −margin *and* below +margin, so a change that is small on average but swings
    between seeds is not called flat. ``margin`` is a number, or a function of a seed's values
    (e.g. 20 % of that seed's baseline) named by ``margin_name``.
    """

    name: str
    change: Callable[[dict], float]
    margin: float | Callable[[dict], float]
    margin_name: str = ""
    paper: float | None = None

    def __post_init__(self):
        if not callable(self.margin) and not (np.isfinite(self.margin) and self.margin >= 0):
            raise ValueError(f"margin must be a number ≥ 0 or a function of a seed's values, got {self.margin!r}")
        if callable(self.margin) and not self.margin_name:
            raise ValueError("margin_name must say what a computed margin is, e.g. 'max(0.05, 0.2·R@1)'")

    def _limit(self, values: dict) -> float:
        return float(self.margin(values)) if callable(self.margin) else float(self.margin)

    def changes(self, per_seed: list) -> np.ndarray:
        """The signed change in each seed."""
        return np.array([float(self.change(values)) for values in per_seed])

    def limits(self, per_seed: list) -> np.ndarray:
        """The allowed change (the margin) in each seed."""
        return np.array([self._limit(values) for values in per_seed])

    def value(self, values: dict) -> float:
        """The signed change of one seed (the number the tables summarise)."""
        return float(self.change(values))

    def holds(self, values: dict) -> bool:
        return bool(abs(float(self.change(values))) <= self._limit(values))

    def margins(self, per_seed: list) -> np.ndarray:
        """Per seed: margin − |change|; ≥ 0 where it holds."""
        return self.limits(per_seed) - np.abs(self.changes(per_seed))

    def average_bound(self, per_seed: list, level: float = CONFIDENCE) -> float:
        """TOST: the smaller lower bound of mean(margin − change) and mean(margin + change); ≥ 0: equivalent."""
        return tost_bound(self.changes(per_seed), self.limits(per_seed), level)

    def bootstrap_bound(self, per_seed: list, level: float = CONFIDENCE) -> float:
        """The two one-sided bounds by percentile bootstrap, the smaller one (a cross-check)."""
        d, m = self.changes(per_seed), self.limits(per_seed)
        return min(bootstrap_mean_lower_bound(m - d, level), bootstrap_mean_lower_bound(m + d, level))

    def scale(self, per_seed: list) -> float:
        """The mean margin: what a margin is compared with to find a claim's weakest check."""
        return max(float(self.limits(per_seed).mean()) if len(per_seed) else 0.0, 1e-12)

    def paper_margin(self) -> float:
        """margin − |the paper's change| (a fixed margin only; NaN where the paper has no number)."""
        if self.paper is None or callable(self.margin):
            return float("nan")
        return float(self.margin) - abs(self.paper)

    def describe(self) -> str:
        return f"|{self.name}| ≤ {self.margin_name or format(self.margin, 'g')}"


def difference(a: str, b: str) -> Callable[[dict], float]:
    """A check's value: ``values[a] − values[b]``."""
    return lambda v: v[a] - v[b]


def named(name: str) -> Callable[[dict], float]:
    """A check's value: ``values[name]``."""
    return lambda v: v[name]


@dataclass(frozen=True)
class Claim:
    """A claim of the book: its identity, the paper's number and how to measure and check it.

    ``checks``: :class:`Check` and :class:`Equivalence` objects. ``configs(seed)`` lists the models
    one seed needs, so that :func:`gapnotes.claims.run` can train every missing model of every seed
    as stacked ensembles before measuring. ``show`` names the values the summary table prints
    (mean ± sd), in order.
    """

    id: str
    chapter: str
    statement: str
    paper: str
    measure: Callable[[int, object], dict]
    checks: tuple
    show: tuple
    configs: Callable[[int], list] = field(default=lambda seed: [])
    note: str = ""
    #: where the paper's number is (section, figure, table, or the authors' file and cell) and what
    #: its ± means; "—" where no paper reports the claim
    source: str = ""


def _runs_phrase(k: int, n: int) -> str:
    return f"{k} of {n} run" + ("" if n == 1 else "s")


@dataclass
class ClaimResult:
    """One claim run over several seeds: ``values`` has one entry per seed (a dict of named numbers)."""

    claim: Claim
    seeds: list
    values: list
    device: str

    def __post_init__(self):
        if len(self.seeds) != len(self.values):
            raise ValueError(f"seeds and values must have one entry per seed, got {len(self.seeds)} seeds and "
                             f"{len(self.values)} values")
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds must be distinct, got {list(self.seeds)}")

    @functools.cached_property
    def holds(self) -> list:
        """Per seed: whether every check of the claim holds."""
        return [all(check.holds(v) for check in self.claim.checks) for v in self.values]

    # -- verdict (a): the effect on average ------------------------------------------------------
    @functools.cached_property
    def bounds(self) -> dict:
        """Each check's one-sided 95 % lower bound of its mean margin (TOST for an equivalence), in
        the check's units; NaN with fewer than two seeds (no interval)."""
        if len(self.values) < 2:
            return {check.describe(): float("nan") for check in self.claim.checks}
        return {check.describe(): check.average_bound(self.values) for check in self.claim.checks}

    @functools.cached_property
    def bootstrap_bounds(self) -> dict:
        """The same bounds by percentile bootstrap: a cross-check that assumes no normality."""
        if len(self.values) < 2:
            return {check.describe(): float("nan") for check in self.claim.checks}
        return {check.describe(): check.bootstrap_bound(self.values) for check in self.claim.checks}

    @property
    def judged(self) -> bool:
        """Whether there are enough seeds (:data:`MIN_SEEDS`) to judge the average verdict."""
        return len(self.values) >= MIN_SEEDS

    @property
    def holds_on_average(self) -> bool:
        """Verdict (a): every check's lower bound of its mean margin is ≥ 0 (see the module doc).

        Computed on any number of seeds ≥ 2 (False on one); only :attr:`judged` sets count.
        """
        return len(self.values) >= 2 and all(b >= 0 for b in self.bounds.values())

    # -- verdict (b): how often a single run shows it ---------------------------------------------
    @property
    def runs_shown(self) -> tuple:
        """``(k, n)``: the seeds in which every check holds, of all seeds."""
        return sum(self.holds), len(self.holds)

    @property
    def share_bound(self) -> float:
        """One-sided 95 % Clopper–Pearson lower bound of the share of runs that show the claim."""
        k, n = self.runs_shown
        return share_lower_bound(k, n, CONFIDENCE)

    @property
    def single_run_shows(self) -> bool:
        """Verdict (b): the share bound is ≥ :data:`SINGLE_RUN_SHARE` (needs ≥ 14 seeds)."""
        return self.share_bound >= SINGLE_RUN_SHARE

    def single_run_words(self) -> str:
        """Verdict (b) in words: "a single run shows it (28 of 30 runs; ≥ 0.81 with 95 % confidence)",
        "not every run: 25 of 30 runs …", or "5 of 5 runs" on too few seeds to judge."""
        k, n = self.runs_shown
        runs, bound = _runs_phrase(k, n), self.share_bound
        if self.single_run_shows:
            return f"a single run shows it ({runs}; share ≥ {bound:.2f} with 95 % confidence)"
        if share_lower_bound(n, n, CONFIDENCE) < SINGLE_RUN_SHARE:  # even n of n could not show it
            return f"{runs} (judging a single run needs 14 or more)"
        return f"not in every run: {runs} (share ≥ {bound:.2f} with 95 % confidence, below {SINGLE_RUN_SHARE:g})"

    def average_words(self) -> str:
        """Verdict (a) in words, with the weakest check's bound."""
        if len(self.values) < 2:
            return "not judged (one seed: no interval)"
        check, bound = self.weakest()
        verdict = "holds on average" if self.holds_on_average else "does not hold on average"
        note = "" if self.judged else f"; fewer than {MIN_SEEDS} seeds, not judged"
        return f"{verdict} (weakest: {check.describe()}, 95 % bound of the mean margin {bound:+.3f}{note})"

    def weakest(self) -> tuple:
        """``(check, bound)`` of the check whose average bound is smallest relative to its scale."""
        bounds = self.bounds

        def relative(check):
            bound = bounds[check.describe()]
            return bound / check.scale(self.values) if np.isfinite(bound) else float("inf")

        check = min(self.claim.checks, key=relative)
        return check, bounds[check.describe()]

    def effect(self, value) -> dict:
        """One quantity over the seeds, as an effect with its interval (for the chapters' prose).

        ``value``: a value name, or a function of one seed's values (e.g. a difference). Returns plain
        floats and ints: ``n``, ``mean``, ``sd`` (sample), ``low`` and ``high`` (the two one-sided 95 %
        bounds of the mean, i.e. its two-sided 90 % interval; NaN with one seed), ``below`` and ``above``
        (seeds < 0 and > 0), ``min``, ``max``.
        """
        from ..metrics import mean_ci

        get = value if callable(value) else (lambda v: v[value])
        x = np.array([float(get(v)) for v in self.values])
        enough = x.size >= 2
        # both one-sided CONFIDENCE bounds at once: the two-sided (2·CONFIDENCE − 1) t-interval
        mean, half_width = mean_ci(x, 2 * CONFIDENCE - 1) if enough else (float(x.mean()), float("nan"))
        return {"n": int(x.size), "mean": mean, "sd": float(x.std(ddof=1)) if enough else 0.0,
                "low": mean - half_width, "high": mean + half_width,
                "below": int((x < 0).sum()), "above": int((x > 0).sum()),
                "min": float(x.min()), "max": float(x.max())}

    def effect_words(self, value, digits: int = 3) -> str:
        """:meth:`effect` in words: "+0.011 ± 0.033 (mean ± sd, 30 seeds; 90 % interval of the mean
        +0.001 to +0.021; below 0 in 12)"."""
        e = self.effect(value)
        f = f"+.{digits}f"
        return (f"{e['mean']:{f}} ± {e['sd']:.{digits}f} (mean ± sd, {e['n']} seeds; 90 % interval of the mean "
                f"{e['low']:{f}} to {e['high']:{f}}; below 0 in {e['below']})")

    def frame(self):
        """The values as a DataFrame, one row per seed (index ``seed``), plus a ``holds`` column."""
        import pandas as pd

        table = pd.DataFrame(self.values, index=pd.Index(self.seeds, name="seed"))
        return table.assign(holds=self.holds)

    def summary(self, value) -> str:
        """``"mean ± sd"`` of one value over the seeds: a value name, or a function of one seed's
        values (e.g. a difference), as :meth:`effect`."""
        get = value if callable(value) else (lambda v: v[value])
        return mean_sd([get(values) for values in self.values])

    def to_dict(self) -> dict:
        """The JSON record: id, chapter, statement, paper, source, seeds, values, holds, device, and
        both verdicts (``average``: bounds and whether it holds; ``single_run``: k of n and its bound)."""
        k, n = self.runs_shown
        return {
            "id": self.claim.id, "chapter": self.claim.chapter, "statement": self.claim.statement,
            "paper": self.claim.paper, "source": self.claim.source, "seeds": list(self.seeds),
            "values": [{k: float(v) for k, v in values.items()} for values in self.values],
            "holds": [bool(h) for h in self.holds], "device": self.device,
            "average": {"level": CONFIDENCE, "holds": self.holds_on_average, "judged": self.judged,
                        "bounds": {name: round(b, 4) for name, b in self.bounds.items()},
                        "bootstrap_bounds": {name: round(b, 4) for name, b in self.bootstrap_bounds.items()}},
            "single_run": {"runs": k, "of": n, "share_lower_bound": round(self.share_bound, 4),
                           "shown": self.single_run_shows},
        }

    def assert_holds_on_average(self) -> None:
        """Raise AssertionError naming the checks whose mean margin is not shown to be ≥ 0 (verdict a),
        with the seeds in which they fail (for chapters and tests)."""
        problems = [f"{name}: 95 % lower bound of the mean margin {bound:.3f} < 0"
                    for name, bound in self.bounds.items() if not bound >= 0]
        if problems:
            failing = [f"seed {seed}: " + ", ".join(c.describe() for c in self.claim.checks if not c.holds(values))
                       for seed, values in zip(self.seeds, self.values)
                       if not all(c.holds(values) for c in self.claim.checks)]
            raise AssertionError(f"claim {self.claim.id!r} does not hold on average over seeds {list(self.seeds)}: "
                                 + "; ".join(problems + failing))


def mean_sd(values) -> str:
    """``"mean ± sd"`` (sample sd; 0 for one value), three decimals."""
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3f} ± {v.std(ddof=1) if v.size > 1 else 0.0:.3f}"


def parse_seeds(text: str) -> list:
    """``"0-4"`` → [0, 1, 2, 3, 4]; ``"3,7,11"`` → [3, 7, 11]. Seeds are ints ≥ 0, no repeats."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"seeds must be a range like '0-4' or a list like '1,5,9', got {text!r}")
    seeds = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                first, last = (int(p) for p in part.split("-", 1))
                if last < first:
                    raise ValueError
                seeds.extend(range(first, last + 1))
            else:
                seeds.append(int(part))
    except ValueError:
        raise ValueError(f"seeds must be a range like '0-4' or a list like '1,5,9', got {text!r}") from None
    if any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct integers >= 0, got {text!r}")
    return seeds


def report_table(results):
    """The ledger as a DataFrame: claim, chapter, paper's number, its source, ours (mean ± sd), both verdicts."""
    import pandas as pd

    rows = []
    for r in results:
        # (a kept record of older code may lack a value added since: it is left out)
        ours = "; ".join(f"{name} {r.summary(name)}" for name in r.claim.show
                         if all(name in values for values in r.values))
        check, bound = r.weakest()
        k, n = r.runs_shown
        rows.append({"claim": r.claim.id, "chapter": r.claim.chapter, "paper": r.claim.paper,
                     "source": r.claim.source, "ours (mean ± sd)": ours,
                     "weakest check": check.describe(), "mean margin ≥ (95 %)": round(bound, 3),
                     "holds on average": r.holds_on_average, "runs that show it": f"{k}/{n}"})
    return pd.DataFrame(rows).set_index("claim")


def effect_table(rows, digits: int = 3):
    """Measured effects side by side, one row each (a decision guide's table).

    ``rows``: ``(situation, quantity, result, value)`` tuples: what was done, what changed, the
    :class:`ClaimResult` that measured it, and the value (a value name, or a function of one seed's
    values, as :meth:`ClaimResult.effect`). Columns: ``mean ± sd`` over the seeds, the 90 % interval of
    the mean (both one-sided 95 % bounds), ``seeds`` and ``above 0`` (in how many seeds the effect is
    positive). Indexed by (situation, quantity).
    """
    import pandas as pd

    table = []
    for situation, quantity, result, value in rows:
        if not isinstance(result, ClaimResult):
            raise TypeError(f"rows: the result of {situation!r} must be a ClaimResult, got {type(result).__name__}")
        e = result.effect(value)
        table.append({"situation": situation, "quantity": quantity,
                      "mean ± sd": f"{e['mean']:+.{digits}f} ± {e['sd']:.{digits}f}",
                      "90 % interval of the mean": f"{e['low']:+.{digits}f} to {e['high']:+.{digits}f}",
                      "seeds": e["n"], "above 0": f"{e['above']} of {e['n']}",
                      "mean": e["mean"], "low": e["low"], "high": e["high"]})
    if not table:
        raise ValueError("rows must hold at least one effect")
    return pd.DataFrame(table).set_index(["situation", "quantity"])


def reproducibility(results):
    """A chapter's claims as its "Reproducibility" box shows them: one row per claim with the seeds and
    device it ran on, the library versions, the weakest check with the 95 % lower bound of its mean margin,
    and both verdicts (:func:`report_table`'s columns without the paper's)."""
    import platform

    import torch

    table = report_table(results)[["ours (mean ± sd)", "weakest check", "mean margin ≥ (95 %)",
                                   "holds on average", "runs that show it"]]
    table.insert(0, "seeds", [seed_span(r.seeds) for r in results])
    table.insert(1, "device", [r.device for r in results])
    table.attrs["environment"] = f"Python {platform.python_version()}, torch {torch.__version__}"
    return table


def budget_table(results, record=None):
    """Each claim's training budget and whether its models are trained by the book's criterion.

    One row per claim: ``training`` (steps × pairs of its models, or "none") and ``trained?``: of the
    runs of the training-length record (:func:`gapnotes.dynamics.trained_share`; ``record`` defaults
    to the kept one), how many pass the 2 % convergence criterion at that step.
    """
    import pandas as pd

    from ..dynamics import trained_share

    rows, shares = [], {}
    for r in results:
        configs = r.claim.configs(r.seeds[0])
        budgets = sorted({(c.steps, c.batch_size) for c in configs})
        if not budgets:
            rows.append({"claim": r.claim.id, "training": "none (no trained model)", "trained?": "—"})
            continue
        words = []
        for steps, _ in budgets:
            if steps not in shares:
                shares[steps] = trained_share(steps, record)
            k, n = shares[steps]
            words.append(f"{'no' if k == 0 else 'partly'}: {k} of {n} runs pass it at step {steps:,}")
        rows.append({"claim": r.claim.id,
                     "training": "; ".join(f"{steps:,} steps × {batch} pairs" for steps, batch in budgets),
                     "trained?": "; ".join(words)})
    return pd.DataFrame(rows).set_index("claim")


def verdict_table(results, pooled=None):
    """The ledger at a glance, one row per claim: what it says, the paper's number, ours, both verdicts.

    ``ours`` is the claim's weakest check (:meth:`ClaimResult.weakest`): the mean ± sd of its value
    (for an equivalence, of the signed change) against its threshold. ``on average``: verdict (a)
    with that check's 95 % lower bound of the mean margin; ``single runs``: verdict (b), k of n
    runs (see the module doc). ``pooled``: the same claims over more seeds (e.g.
    :func:`gapnotes.claims.pooled`); then both verdicts are given for them too, in columns named by
    their seeds. Every value of every seed is in :meth:`ClaimResult.frame`.
    """
    import pandas as pd

    if pooled is not None and [p.claim.id for p in pooled] != [r.claim.id for r in results]:
        raise ValueError("pooled must hold the same claims as results, in the same order")
    rows = []
    for i, r in enumerate(results):
        check, bound = r.weakest()
        average = "holds" if r.holds_on_average else "does not hold"
        row = {"claim": r.claim.id, "what": r.claim.statement, "paper": r.claim.paper,
               "ours": f"{check.describe()}: {mean_sd([check.value(v) for v in r.values])}",
               "on average": f"{average} (mean margin ≥ {bound:+.3f})",
               "single runs": r.single_run_words()}
        if pooled is not None:
            more = pooled[i]
            span = seed_span(more.seeds)
            _, more_bound = more.weakest()
            row[f"on average, seeds {span}"] = (f"{'holds' if more.holds_on_average else 'does not hold'} "
                                               f"(mean margin ≥ {more_bound:+.3f})")
            row[f"single runs, seeds {span}"] = more.single_run_words()
        rows.append(row)
    return pd.DataFrame(rows).set_index("claim")


def seed_set_table(sets: dict):
    """Verdict (a) on each seed set: one row per claim, one column per set (e.g. "seeds 5–9").

    ``sets`` maps a label to a list of :class:`ClaimResult` (the same claims in each). An entry reads
    "holds (+0.047)": whether the claim holds on average there, with its weakest check's 95 % lower
    bound of the mean margin; "k/n runs" follows, the seeds in which every check held.
    """
    import pandas as pd

    table = {}
    for label, results in sets.items():
        column = {}
        for r in results:
            _, bound = r.weakest()
            k, n = r.runs_shown
            verdict = "holds" if r.holds_on_average else "does not hold"
            column[r.claim.id] = f"{verdict} ({bound:+.3f}); {k}/{n} runs"
        table[label] = column
    return pd.DataFrame(table).rename_axis("claim")


def seed_span(seeds) -> str:
    """``[0, 1, 2, 3, 4]`` → ``"0–4"``; seeds that are not one run of integers → ``"0–4, 7, 9"``."""
    seeds = sorted(int(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds must not be empty")
    parts, start = [], seeds[0]
    for previous, seed in zip(seeds, seeds[1:] + [None]):
        if seed != previous + 1 if seed is not None else True:
            parts.append(f"{start}–{previous}" if previous > start else f"{start}")
            start = seed
    return ", ".join(parts)


def margins_frame(results):
    """Every check's margin in every seed, long format: claim, check, seed, margin, mean_bound, paper_margin.

    The margin is value − threshold (``≥`` checks), threshold − value (``≤``) or margin − |change|
    (an equivalence), in the check's own units; ≥ 0 where the check holds. ``mean_bound`` is the
    check's 95 % lower bound of the mean margin (verdict a). ``paper_margin`` is the paper's own number
    put through the same check (NaN where the paper has none). For
    :func:`gapnotes.plots.plot_check_margins`.
    """
    import pandas as pd

    rows = []
    for r in results:
        for check in r.claim.checks:
            bound = r.bounds[check.describe()]
            for seed, margin in zip(r.seeds, check.margins(r.values)):
                rows.append({"claim": r.claim.id, "check": check.describe(), "seed": seed,
                             "margin": float(margin), "mean_bound": float(bound),
                             "paper_margin": check.paper_margin()})
    return pd.DataFrame(rows)
