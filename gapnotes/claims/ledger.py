"""The ledger's machinery: a claim, its checks, the robustness rule, running and reporting.

A :class:`Claim` names what a chapter says (``statement``), what the paper reports
(``paper``) and where that number is and what its ± means (``source``), how to measure it for one seed on one device (``measure``,
a dict of named numbers) and the :class:`Check` objects that decide whether it holds.
The chapters, the "Reproduction report" appendix and the test suite all call
:func:`run`, so the book shows exactly what is checked. The claims themselves live beside their
recipes, one module per chapter (:mod:`gapnotes.claims.chapter0` … ``chapter5``), and
:mod:`gapnotes.claims.registry` gathers them into ``CLAIMS``.

The robustness standard (what ``robust`` means in a :class:`ClaimResult`). Each check has a
*margin* per seed: value − threshold for ``value ≥ threshold``, threshold − value for
``value ≤ threshold``; the check holds in a seed when its margin is ≥ 0. A claim is robust when

* it holds in **every** seed run (every check's margin ≥ 0 in every seed), and
* every check would hold on a **new** seed: a one-sided 95 % lower prediction bound of a new
  seed's margin is ≥ 0. Only spread *against* the claim counts, so a seed whose effect is far
  *larger* than the others' cannot fail it, and seeds that barely clear still pull it down:
  median(m) − t(0.95, n−1) · s₋ · √(1 + 1/n), with m the n seeds' margins and s₋ their lower
  semi-deviation, √(mean of (mᵢ − median)² over the seeds below the median) (for normal data it
  estimates the sd). With 5 seeds the median margin must be ≥ 2.34 s₋; with 10 seeds ≥ 1.92 s₋.

The seeds vary everything a training run draws (initialisation, batch order); the test pairs
and k-means (best of :data:`gapnotes.claims.common.KMEANS_RESTARTS` starts) are fixed, so a seed's spread holds no
test-set resampling noise.

Command line (exits 1 when any claim fails for any seed or is not robust)::

    python -m gapnotes.claims --seeds 0-4 [--device cpu|cuda] [--only ID ...] [--json PATH]
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Check", "Claim", "ClaimResult", "SEEDS", "PREDICTION_LEVEL", "difference", "named", "mean_sd",
           "parse_seeds", "select", "configs", "run", "report_table", "verdict_table", "margins_frame", "main"]

#: The five seeds the book shows (any five must do: ``python -m gapnotes.claims --seeds 5-9``).
SEEDS = (0, 1, 2, 3, 4)
#: One-sided level of the prediction bound a new seed's margin must clear (see the module doc).
PREDICTION_LEVEL = 0.95


@dataclass(frozen=True)
class Check:
    """One predicate of a claim: ``value(values) ≥ threshold`` (``op=">="``) or ``≤`` (``"<="``).

    ``paper``: the same quantity computed from the numbers the paper reports (the claim's ``source``
    says where they are), or None where the paper has no such number; the report plots its margin
    beside the seeds'.
    """

    name: str
    value: Callable[[dict], float]
    op: str
    threshold: float
    paper: float | None = None

    def _margin(self, value):
        """value − threshold (``>=``) or threshold − value (``<=``): ≥ 0 where the check holds."""
        return value - self.threshold if self.op == ">=" else self.threshold - value

    def holds(self, values: dict) -> bool:
        return bool(self._margin(float(self.value(values))) >= 0)

    def margins(self, per_seed: list) -> np.ndarray:
        """Per seed: value − threshold (``>=``) or threshold − value (``<=``); ≥ 0 where it holds."""
        return self._margin(np.array([float(self.value(values)) for values in per_seed]))

    def new_seed_bound(self, per_seed: list) -> float:
        """Robust one-sided lower prediction bound (level :data:`PREDICTION_LEVEL`) of a new seed's margin.

        ``median(m) − t · s₋ · sqrt(1 + 1/n)`` over the n seeds' margins ``m``, with ``t`` the
        Student-t quantile at n − 1 degrees of freedom and ``s₋`` the lower semi-deviation about
        the median (from the seeds below it only; 0 when none is). One seed: the margin itself.
        """
        from scipy.stats import t as student_t

        m = self.margins(per_seed)
        n = len(m)
        if n < 2:
            return float(m.min()) if n else float("nan")
        centre = float(np.median(m))
        below = m[m < centre]
        spread = float(np.sqrt(np.mean((below - centre) ** 2))) if below.size else 0.0
        return float(centre - student_t.ppf(PREDICTION_LEVEL, n - 1) * spread * np.sqrt(1 + 1 / n))

    def paper_margin(self) -> float:
        """The paper's number's margin over the threshold, as :meth:`margins` (NaN where it has none)."""
        return float("nan") if self.paper is None else self._margin(self.paper)

    def describe(self) -> str:
        return f"{self.name} {'≥' if self.op == '>=' else '≤'} {self.threshold:g}"


def difference(a: str, b: str) -> Callable[[dict], float]:
    """A check's value: ``values[a] − values[b]``."""
    return lambda v: v[a] - v[b]


def named(name: str) -> Callable[[dict], float]:
    """A check's value: ``values[name]``."""
    return lambda v: v[name]


@dataclass(frozen=True)
class Claim:
    """A claim of the book: its identity, the paper's number and how to measure and check it.

    ``configs(seed)`` lists the models one seed needs, so that :func:`run` can train every
    missing model of every seed as stacked ensembles before measuring. ``show`` names the
    values the summary table prints (mean ± sd), in order.
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


@dataclass
class ClaimResult:
    """One claim run over several seeds: ``values`` has one entry per seed (a dict of named numbers)."""

    claim: Claim
    seeds: list
    values: list
    device: str

    @functools.cached_property
    def holds(self) -> list:
        """Per seed: whether every check of the claim holds."""
        return [all(check.holds(v) for check in self.claim.checks) for v in self.values]

    @functools.cached_property
    def bounds(self) -> dict:
        """Each check's lower prediction bound of a new seed's margin, in the check's units (computed once:
        robust, weakest, the tables and the JSON all read it)."""
        return {check.describe(): check.new_seed_bound(self.values) for check in self.claim.checks}

    @property
    def robust(self) -> bool:
        """Holds for every seed, and every check's new-seed bound is ≥ 0 (see the module doc)."""
        return all(self.holds) and all(b >= 0 for b in self.bounds.values())

    def weakest(self) -> tuple:
        """``(check, bound)`` of the check whose new-seed bound is smallest relative to its threshold."""
        bounds = self.bounds

        def relative(check):
            return bounds[check.describe()] / max(abs(check.threshold), 1e-12)

        check = min(self.claim.checks, key=relative)
        return check, bounds[check.describe()]

    def frame(self):
        """The values as a DataFrame, one row per seed (index ``seed``), plus a ``holds`` column."""
        import pandas as pd

        table = pd.DataFrame(self.values, index=pd.Index(self.seeds, name="seed"))
        return table.assign(holds=self.holds)

    def summary(self, name: str) -> str:
        """``"mean ± sd"`` of one value over the seeds."""
        return mean_sd([values[name] for values in self.values])

    def to_dict(self) -> dict:
        """The JSON record: id, chapter, statement, paper, source, seeds, values, holds (+ checks, device)."""
        return {
            "id": self.claim.id, "chapter": self.claim.chapter, "statement": self.claim.statement,
            "paper": self.claim.paper, "source": self.claim.source, "seeds": list(self.seeds),
            "values": [{k: float(v) for k, v in values.items()} for values in self.values],
            "holds": [bool(h) for h in self.holds], "device": self.device,
            "new_seed_bounds": {name: round(b, 4) for name, b in self.bounds.items()},
            "robust": self.robust,
        }

    def assert_robust(self) -> None:
        """Raise AssertionError naming the seeds and checks that fail (for chapters and tests)."""
        problems = []
        for seed, values in zip(self.seeds, self.values):
            failed = [c.describe() for c in self.claim.checks if not c.holds(values)]
            if failed:
                shown = {k: round(float(values[k]), 3) for k in self.claim.show}
                problems.append(f"seed {seed}: {', '.join(failed)} fails ({shown})")
        for name, bound in self.bounds.items():
            if bound < 0:
                problems.append(f"{name}: a new seed's margin could be {bound:.3f} (95 % lower prediction "
                                "bound < 0)")
        if problems:
            raise AssertionError(f"claim {self.claim.id!r} does not hold robustly: " + "; ".join(problems))


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


def select(ids) -> list:
    """The :class:`Claim` objects of ``ids`` (a claim id, a list of ids, or None for every claim), in order."""
    from .registry import CLAIMS

    if ids is None:
        return list(CLAIMS.values())
    ids = [ids] if isinstance(ids, str) else list(ids)
    unknown = [i for i in ids if i not in CLAIMS]
    if unknown:
        raise ValueError(f"unknown claim id(s) {unknown}; known: {sorted(CLAIMS)}")
    return [CLAIMS[i] for i in ids]


def _package_root() -> Path:
    """The gapnotes folder: every module a measurement may run, not the claims subpackage alone."""
    return Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """sha256 of every source file of gapnotes and the versions of the libraries a measurement uses."""
    import hashlib
    import importlib.metadata

    digest = hashlib.sha256()
    package = _package_root()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for library in ("torch", "numpy", "scikit-learn", "open_clip_torch"):
        try:
            digest.update(f"{library}={importlib.metadata.version(library)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{library}=absent".encode())
    return digest.hexdigest()


def _measured(claim: Claim, seed: int, device) -> dict:
    """``claim.measure(seed, device)``, stored on disk beside the models it measured.

    The chapters, the reproduction report and the tests measure the same claims on the same cached
    models; each measurement is computed once. Its key holds the claim, the seed, the device type,
    the cache keys of the claim's models and a fingerprint of gapnotes' source and of the library
    versions, so any change to the code or the models measures again. A fresh
    ``$GAPNOTES_CACHE_DIR`` (a cold run) measures everything.
    """
    import hashlib

    from .._files import atomic_write_text
    from ..data import cache_dir
    from ..train import cache_key

    payload = json.dumps({"claim": claim.id, "seed": seed, "device": device.type, "code": _code_fingerprint(),
                          "models": [cache_key(c) for c in claim.configs(seed)]}, sort_keys=True)
    path = cache_dir() / "measurements" / f"{hashlib.sha256(payload.encode()).hexdigest()[:32]}.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))["values"]
    values = {name: float(value) for name, value in claim.measure(seed, device).items()}
    atomic_write_text(path, json.dumps({"claim": claim.id, "seed": seed, "values": values}, indent=1))
    return values


def _seed_list(seeds) -> list:
    seeds = parse_seeds(seeds) if isinstance(seeds, str) else [int(s) for s in seeds]
    if not seeds or any(s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of integers >= 0, got {seeds}")
    return seeds


def configs(ids=None, seeds=SEEDS) -> list:
    """Every model config the claims ``ids`` need for ``seeds``, each once, in the order first needed.

    For a chapter that trains its claims' models together with models of its own in one call to
    :func:`gapnotes.train.train_many` (one stacked ensemble per shared signature), before
    :func:`run` reads them from the cache. ``ids`` and ``seeds`` as in :func:`run`; e.g.
    ``train_many(claims.configs("init.reappears") + my_configs)``.
    """
    from ..train import cache_key

    needed, seeds = {}, _seed_list(seeds)
    for claim in select(ids):
        for seed in seeds:
            for config in claim.configs(seed):
                needed.setdefault(cache_key(config), config)
    return list(needed.values())


def run(ids=None, seeds=SEEDS, device=None, progress: bool | None = None) -> list:
    """Measure claims for several seeds; returns one :class:`ClaimResult` per claim.

    Every model the claims need, for every seed, is trained first (missing ones as stacked
    ensembles, all cached), then each claim is measured seed by seed (each measurement is
    stored beside the models, so a second run on the same models and code reads it back).

    Parameters
    ----------
    ids : a claim id, a list of ids, or None for all of :data:`gapnotes.claims.CLAIMS`
    seeds : iterable of int ≥ 0 (default :data:`SEEDS`), or a string for :func:`parse_seeds`
    device : torch device or name; default :func:`gapnotes.device.get_device`
    """
    from ..device import get_device
    from ..train import train_many

    claims = select(ids)
    seeds = _seed_list(seeds)
    device = get_device(device) if device is not None else get_device()
    needed = configs(ids, seeds)
    if needed:
        train_many(needed, device=device, progress=progress)
    results = []
    for claim in claims:
        values = [_measured(claim, seed, device) for seed in seeds]
        results.append(ClaimResult(claim, seeds, values, device.type))
    return results


def report_table(results):
    """The ledger as a DataFrame: claim, chapter, paper's number, its source, ours (mean ± sd), holds k/n, robust."""
    import pandas as pd

    rows = []
    for r in results:
        ours = "; ".join(f"{name} {r.summary(name)}" for name in r.claim.show)
        check, bound = r.weakest()
        rows.append({"claim": r.claim.id, "chapter": r.claim.chapter, "paper": r.claim.paper,
                     "source": r.claim.source, "ours (mean ± sd)": ours,
                     "holds": f"{sum(r.holds)}/{len(r.holds)}",
                     "weakest check": check.describe(), "new-seed margin ≥": round(bound, 3),
                     "robust": r.robust})
    return pd.DataFrame(rows).set_index("claim")


def verdict_table(results):
    """The ledger at a glance, one row per claim: what it says, the paper's number, ours, the verdict.

    ``ours`` is the claim's weakest check (:meth:`ClaimResult.weakest`): its value's mean ± sd over the
    seeds against its threshold. ``verdict``: "robust", "fragile" (holds in every seed, but a new seed's
    margin could be < 0) or "fails" (some seed misses a threshold), with the seeds that hold and the
    new-seed margin. Every value of every seed is in :meth:`ClaimResult.frame`.
    """
    import pandas as pd

    rows = []
    for r in results:
        check, bound = r.weakest()
        verdict = "robust" if r.robust else "fragile" if all(r.holds) else "fails"
        rows.append({"claim": r.claim.id, "what": r.claim.statement, "paper": r.claim.paper,
                     "ours": f"{check.describe()}: {mean_sd([check.value(v) for v in r.values])}",
                     "verdict": f"{verdict} (holds {sum(r.holds)}/{len(r.holds)}; new-seed margin ≥ {bound:+.3f})"})
    return pd.DataFrame(rows).set_index("claim")


def margins_frame(results):
    """Every check's margin in every seed, long format: claim, check, seed, margin, new_seed_bound, paper_margin.

    The margin is value − threshold (``≥`` checks) or threshold − value (``≤``), in the check's own
    units; ≥ 0 where the check holds (see the module doc). ``paper_margin`` is the paper's own number put
    through the same check (:attr:`Check.paper`; NaN where the paper has none). For
    :func:`gapnotes.plots.plot_check_margins`.
    """
    import pandas as pd

    rows = []
    for r in results:
        for check in r.claim.checks:
            bound = r.bounds[check.describe()]
            for seed, margin in zip(r.seeds, check.margins(r.values)):
                rows.append({"claim": r.claim.id, "check": check.describe(), "seed": seed,
                             "margin": float(margin), "new_seed_bound": float(bound),
                             "paper_margin": check.paper_margin()})
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    """``python -m gapnotes.claims``: run the ledger, print its table; exit 1 unless every claim is robust."""
    from .registry import CLAIMS

    parser = argparse.ArgumentParser(prog="python -m gapnotes.claims", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0-4", help="a range A-B or a comma list (default 0-4)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: the best available)")
    parser.add_argument("--only", nargs="+", metavar="ID", help=f"claim ids among: {', '.join(CLAIMS)}")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    try:
        seeds = parse_seeds(args.seeds)
        claims = select(args.only)
    except ValueError as error:
        parser.error(str(error))
    if args.json is not None and args.json.exists():
        parser.error(f"--json {args.json} exists; choose a new path (nothing is overwritten)")
    results = run([c.id for c in claims], seeds, device=args.device)
    import pandas as pd

    with pd.option_context("display.max_colwidth", 80, "display.width", 200):
        print(report_table(results).drop(columns=["paper", "source"]).to_string())
    for r in results:
        for seed, values, ok in zip(r.seeds, r.values, r.holds):
            if not ok:
                print(f"FAILED {r.claim.id} seed {seed}: " + ", ".join(
                    f"{k}={values[k]:.3f}" for k in r.claim.show), file=sys.stderr)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r.to_dict() for r in results], indent=1) + "\n")
    failed = [r.claim.id for r in results if not r.robust]
    print(f"{len(results) - len(failed)}/{len(results)} claims hold robustly over seeds {seeds} "
          f"on {results[0].device if results else '?'}" + (f"; failing: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0

