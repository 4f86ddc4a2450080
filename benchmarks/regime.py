"""Judge a candidate training regime with the claims ledger: cost and verdict, per claim.

    python benchmarks/regime.py --set batch_size=64 --seeds 0-9 [--only ID ...] [--json out.json]

Every claim's models are built from :func:`gapnotes.claims.common.base_config` (``TrainConfig()``); ``--set``
replaces fields of that base for this run only (steps, batch_size, warmup_steps, eval_every, lr, …),
so a cheaper regime can be measured before it is adopted. Use an empty ``GAPNOTES_CACHE_DIR``
to measure cold training time. Prints the training wall time, each claim's measuring time,
the ledger table and every seed's values, and the CPU model the figures were taken on.
Run it alone: two PyTorch processes on a 2-core machine slow each other many-fold.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from run import cpu_model  # benchmarks/run.py, beside this script


def _assignment(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--set takes FIELD=VALUE, got {text!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def main(argv=None) -> int:
    import pandas as pd

    from gapnotes import claims
    from gapnotes.train import TrainConfig, cache_key, train_many

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=_assignment, action="append", default=[], metavar="FIELD=VALUE")
    parser.add_argument("--seeds", default="0-4")
    parser.add_argument("--only", nargs="+", metavar="ID")
    parser.add_argument("--json", type=Path, metavar="PATH")
    args = parser.parse_args(argv)
    overrides = dict(args.set)
    try:
        base = TrainConfig().replace(**overrides).validate()
    except (TypeError, ValueError) as error:  # the message names the field
        parser.error(f"--set: {error}")
    if args.json is not None and args.json.exists():
        parser.error(f"--json {args.json} exists; choose a new path (nothing is overwritten)")
    seeds = claims.parse_seeds(args.seeds)
    chosen = claims.select(args.only)
    claims.common.base_config = lambda: base  # this process only: every claim's configs start from it

    start = time.perf_counter()
    needed = [config for claim in chosen for seed in seeds for config in claim.configs(seed)]
    if needed:
        train_many(needed, progress=False)
    train_seconds = time.perf_counter() - start
    print(f"machine: {cpu_model()}; regime {overrides or 'default'}; seeds {seeds}")
    print(f"training {len({cache_key(c) for c in needed})} configs (shared ones once): {train_seconds:.1f} s", flush=True)
    results, measure_seconds = [], {}
    for claim in chosen:
        t = time.perf_counter()
        results.extend(claims.run([claim.id], seeds, progress=False))
        measure_seconds[claim.id] = time.perf_counter() - t
        print(f"  measured {claim.id}: {measure_seconds[claim.id]:.1f} s", flush=True)
    with pd.option_context("display.max_colwidth", 200, "display.width", 250):
        print(claims.report_table(results).drop(columns="paper").to_string())
        for result in results:
            print(f"\n{result.claim.id}\n{result.frame().round(3).to_string()}")
    total = time.perf_counter() - start
    holding = sum(r.holds_on_average for r in results)
    print(f"\n{holding}/{len(results)} hold on average; {total:.1f} s in all ({train_seconds:.1f} s training)")
    if args.json is not None:
        record = {"machine": cpu_model(), "regime": overrides, "seeds": seeds, "train_seconds": train_seconds,
                  "measure_seconds": measure_seconds, "total_seconds": total,
                  "claims": [r.to_dict() for r in results]}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1) + "\n")
    return 0 if holding == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
