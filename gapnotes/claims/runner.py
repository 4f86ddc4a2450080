"""Running the ledger: train and measure claims over seeds, re-judge kept records, the command line.

* :func:`run` trains every model the chosen claims need (stacked ensembles, cached) and measures
  each claim seed by seed (each measurement stored beside its models);
* :func:`rejudge` reads a JSON record written by ``--json`` and judges it again with today's checks,
  without training; :func:`kept_records` lists the records the book keeps (package data, seeds 5–34,
  each with the machine it ran on in ``records/README.md``); :func:`pooled` adds their seeds to a run,
  for the single-run verdict, which needs more seeds than five.

Command line (exit 1 when a claim does not hold on average on a seed set of five or more seeds, or,
on fewer seeds, when a seed misses a threshold; the two verdicts are in :mod:`gapnotes.claims.ledger`)::

    python -m gapnotes.claims --seeds 0-4 [--device cpu|cuda] [--only ID ...] [--json PATH]
    python -m gapnotes.claims --rejudge FILE [FILE ...] [--only ID ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .ledger import MIN_SEEDS, SEEDS, Claim, ClaimResult, parse_seeds, seed_span, verdict_table
from .registry import CLAIMS, select

__all__ = ["select", "configs", "run", "rejudge", "kept", "kept_records", "pooled", "main"]

#: The kept records of the ledger on seeds the book does not run (package data).
RECORDS = Path(__file__).resolve().parent / "records"


def _measured(claim: Claim, seed: int, device) -> dict:
    """``claim.measure(seed, device)``, stored on disk beside the models it measured.

    The chapters, the reproduction report and the tests measure the same claims on the same cached
    models; each measurement is computed once. Its key holds the claim, the seed, the device type,
    the cache keys of the claim's models and a fingerprint of gapnotes' source and of the library
    versions, so any change to the code or the models measures again. A fresh
    ``$GAPNOTES_CACHE_DIR`` (a cold run) measures everything.
    """
    from .._files import atomic_write_text
    from .._results import result_path
    from ..train import cache_key

    path = result_path("measurements", {"claim": claim.id, "seed": seed, "device": device.type,
                                        "models": [cache_key(c) for c in claim.configs(seed)]})
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


def rejudge(path, ids=None) -> list:
    """The claims of a JSON record (as ``--json`` writes it) judged again with today's checks.

    Nothing is trained or measured: each record's per-seed ``values`` go through the claim's current
    checks. ``ids`` keeps only those claims (None: every claim the record holds). Raises
    ValueError naming the file when it is not such a record, names an unknown claim, or lacks a
    value a check needs.
    """
    path = Path(path)
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
        by_id = {record["id"]: record for record in records}
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise ValueError(f"path {str(path)!r} is not a ledger record written by --json ({error})") from None
    wanted = [claim.id for claim in select(ids)] if ids is not None else list(by_id)
    unknown = [i for i in wanted if i not in CLAIMS]
    if unknown:
        raise ValueError(f"path {str(path)!r} names claims this book does not have: {unknown}")
    results = []
    for claim_id in wanted:
        if claim_id not in by_id:
            raise ValueError(f"path {str(path)!r} holds no record of claim {claim_id!r}")
        record = by_id[claim_id]
        result = ClaimResult(CLAIMS[claim_id], list(record["seeds"]), list(record["values"]), record["device"])
        try:
            result.holds  # noqa: B018 (every check reads its values now, not later in a table)
        except KeyError as missing:
            raise ValueError(f"path {str(path)!r}: claim {claim_id!r} has no value {missing} that its checks "
                             "need (a record of older code)") from None
        results.append(result)
    return results


def kept_records() -> list:
    """The kept ledger records shipped with gapnotes (``claims/records/*.json``), by their first seed."""
    def first_seed(path):
        return min(seed for record in json.loads(path.read_text(encoding="utf-8")) for seed in record["seeds"])

    return sorted(RECORDS.glob("ledger-*.json"), key=first_seed)


def pooled(results, records=None) -> list:
    """Each result with the seeds of the kept records added (seeds it already has are not added again).

    ``records``: paths of JSON records (default :func:`kept_records`). The pooled results carry
    every seed's values, so their single-run verdict (k of n runs) is judged on many seeds; the
    device reads e.g. ``"cpu"`` or ``"cuda+cpu"`` when the seeds ran on different devices.
    """
    paths = kept_records() if records is None else [Path(p) for p in records]
    return _combined(results, [rejudge(path, [r.claim.id for r in results]) for path in paths])


def kept(ids, records=None) -> list:
    """The claims ``ids`` judged on the seeds of the kept records alone: nothing is trained or measured.

    For a chapter that quotes another chapter's claim without training its models (e.g. chapter 4
    reads chapter 3's centring effect); ``records`` as in :func:`pooled`.
    """
    paths = kept_records() if records is None else [Path(p) for p in records]
    if not paths:
        raise ValueError("records must name at least one kept record")
    wanted = [claim.id for claim in select(ids)]
    first, *rest = [rejudge(path, wanted) for path in paths]
    return _combined(first, rest)


def _combined(results, others) -> list:
    """Each result with the seeds of the same claim in ``others`` (lists of ClaimResults) added once."""
    out = []
    for result in results:
        seeds, values, devices = list(result.seeds), list(result.values), [result.device]
        for record in others:
            for other in (r for r in record if r.claim.id == result.claim.id):
                for seed, value in zip(other.seeds, other.values):
                    if seed not in seeds:
                        seeds.append(seed)
                        values.append(value)
                if other.device not in devices:
                    devices.append(other.device)
        out.append(ClaimResult(result.claim, seeds, values, "+".join(devices)))
    return out


def _judge(results, label: str, out=None) -> bool:
    """Print one seed set's verdicts; True when it passes (see the module doc)."""
    import pandas as pd

    out = out or sys.stdout
    n = len(results[0].seeds) if results else 0
    with pd.option_context("display.max_colwidth", 70, "display.width", 220):
        print(verdict_table(results).drop(columns=["what", "paper"]).to_string(), file=out)
    if n >= MIN_SEEDS:
        failed = [r.claim.id for r in results if not r.holds_on_average]
        print(f"{label}: {len(results) - len(failed)}/{len(results)} claims hold on average (95 % lower bound "
              f"of every check's mean margin ≥ 0) over seeds {seed_span(results[0].seeds)} on {results[0].device}"
              + (f"; not: {', '.join(failed)}" if failed else ""), file=out)
    else:
        failed = [r.claim.id for r in results if not all(r.holds)]
        print(f"{label}: {n} seed(s), fewer than {MIN_SEEDS}: the average verdict is not judged; "
              f"{len(results) - len(failed)}/{len(results)} claims hold in every seed"
              + (f"; not: {', '.join(failed)}" if failed else ""), file=out)
    return not failed


def main(argv=None) -> int:
    """``python -m gapnotes.claims``: run (or re-judge) the ledger, print its verdicts; exit 1 when one fails."""
    parser = argparse.ArgumentParser(prog="python -m gapnotes.claims", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0-4", help="a range A-B or a comma list (default 0-4)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: the best available)")
    parser.add_argument("--only", nargs="+", metavar="ID", help=f"claim ids among: {', '.join(CLAIMS)}")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON here (with "
                        "--rejudge: the re-judged results, pooled when several files are given)")
    parser.add_argument("--rejudge", nargs="+", type=Path, metavar="FILE",
                        help="judge kept JSON records again (no training): each file, then all of them pooled")
    args = parser.parse_args(argv)
    try:
        seeds = parse_seeds(args.seeds)
        chosen = select(args.only)
    except ValueError as error:
        parser.error(str(error))
    if args.json is not None and args.json.exists():
        parser.error(f"--json {args.json} exists; choose a new path (nothing is overwritten)")
    ids = [c.id for c in chosen] if args.only else None
    if args.rejudge:
        try:
            sets = [(f"{path.name}", rejudge(path, ids)) for path in args.rejudge]
        except ValueError as error:
            parser.error(f"--rejudge: {error}")
        if len(sets) > 1:  # the files already judged, pooled (nothing read twice)
            sets.append(("pooled", _combined(sets[0][1], [results for _, results in sets[1:]])))
    else:
        sets = [("run", run(ids, seeds, device=args.device))]
    passed = [_judge(results, label) for label, results in sets]
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r.to_dict() for r in sets[-1][1]], indent=1) + "\n")
    return 0 if all(passed) else 1
