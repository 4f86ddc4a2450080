"""The training-length record: gap, learned τ, R@1 both ways and V-measure against steps.

    python benchmarks/training_length.py                       # every regime, seeds 0-4, 2,400 steps
    python benchmarks/training_length.py --seeds 0-1 --steps 600 --out /tmp/short.json
    python benchmarks/training_length.py --headline --seeds 0-4   # chapter 4's converged headline
    python benchmarks/training_length.py --headline --seeds 5-9   # its evidence seeds
    python benchmarks/training_length.py --add --regimes "CLIP, τ = 0.05 fixed"   # grow the record

Each regime of :data:`gapnotes.dynamics.REGIMES` is trained once per seed for ``--steps`` steps
(eight times the book's 300), and every model is scored at log-spaced checkpoints of that one run
(:func:`gapnotes.dynamics.checkpoint_steps`) on the 500 validation pairs. Nothing is cached: every
model is trained in this run. The record (default ``gapnotes/records/training-length.json``, so
chapters and Colab read it without training) keeps the command, the machine, the wall time of
each regime and of the whole run, and one row per regime, seed and checkpoint. The convergence
table (:func:`gapnotes.dynamics.convergence_table`) is printed at the end.

``--headline`` trains the three regimes of :data:`gapnotes.dynamics.HEADLINE_REGIMES` for 4,800
steps, scores each doubling on 2,000 validation pairs with 100 k-means restarts (the ledger's
resolution) and writes the seed set's file of :data:`gapnotes.dynamics.HEADLINE_RECORDS`.
Run it alone: two PyTorch processes on a 2-core machine slow each other many-fold.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
import time
from pathlib import Path

from run import _machine  # benchmarks/run.py, beside this script

#: The columns of a record's rows.
COLUMNS = ["regime", "seed", "step", "train_loss", "temperature", "gap", "true_pair_cos", "r1_i2t", "r1_t2i",
           "sem_r1_i2t", "sem_r1_t2i", "v_measure"]


def main(argv=None) -> int:
    import pandas as pd

    from gapnotes import dynamics
    from gapnotes.claims import parse_seeds, seed_span
    from gapnotes.device import get_device

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--headline", action="store_true",
                        help="chapter 4's converged headline: --steps 4800 --per-doubling 1 --n-val 2000 "
                             "--n-init 100, its three regimes, its record file for --seeds 0-4 or 5-9")
    parser.add_argument("--seeds", default="0-4")
    parser.add_argument("--steps", type=int, default=2400)
    parser.add_argument("--regimes", nargs="+", metavar="NAME", help="a subset of dynamics.REGIMES")
    parser.add_argument("--per-doubling", type=int, default=2, help="checkpoints per doubling of steps")
    parser.add_argument("--n-val", type=int, default=500, help="validation pairs each checkpoint scores")
    parser.add_argument("--n-init", type=int, default=10, help="k-means restarts of each V-measure")
    parser.add_argument("--out", type=Path, default=None, help="default: the record's file in gapnotes/records")
    parser.add_argument("--replace", action="store_true", help="overwrite --out if it exists")
    parser.add_argument("--add", action="store_true",
                        help="train only --regimes, with the settings and seeds of the existing --out, and add "
                             "their rows to it (the record lists each addition's command, machine and wall time)")
    args = parser.parse_args(argv)
    seeds = parse_seeds(args.seeds)
    if args.headline:
        given = set(argv if argv is not None else sys.argv[1:])
        if given & {"--steps", "--per-doubling", "--n-val", "--n-init", "--regimes"}:
            parser.error("--headline sets --steps, --per-doubling, --n-val, --n-init and --regimes itself")
        args.steps, args.per_doubling, args.n_val, args.n_init = dynamics.HEADLINE_STEPS, 1, 2000, 100
        args.regimes = list(dynamics.HEADLINE_REGIMES.values())
        if args.out is None:
            label = seed_span(seeds)
            if label not in dynamics.HEADLINE_RECORDS:
                parser.error(f"--headline --seeds {args.seeds}: no kept file for these seeds "
                             f"({list(dynamics.HEADLINE_RECORDS)}); pass --out")
            args.out = dynamics.HEADLINE_RECORDS[label]
    if args.out is None:
        args.out = dynamics.RECORD_PATH
    existing = None
    if args.add:
        if args.replace or args.headline or not args.regimes:
            parser.error("--add needs --regimes and goes without --replace and --headline")
        if not args.out.exists():
            parser.error(f"--add: --out {args.out} does not exist")
        existing = json.loads(args.out.read_text(encoding="utf-8"))
        if existing["columns"] != COLUMNS:
            parser.error(f"--add: {args.out} has other columns than this script writes")
        already = sorted(set(args.regimes) & set(existing["regimes"]))
        if already:
            parser.error(f"--add: {args.out} already holds {already}")
        given = set(argv if argv is not None else sys.argv[1:])
        if given & {"--steps", "--per-doubling", "--n-val", "--n-init", "--seeds"}:
            parser.error("--add takes --steps, --per-doubling, --n-val, --n-init and --seeds from the record")
        # records written before these settings were flags hold the defaults of that time
        seeds, args.steps, args.per_doubling = existing["seeds"], existing["steps"], existing.get("per_doubling", 2)
        args.n_val, args.n_init = existing.get("n_val", existing["base"]["n_val"]), existing.get("n_init", 10)
    elif args.out.exists() and not args.replace:
        parser.error(f"--out {args.out} exists; pass --replace to regenerate it (or choose a new path)")
    names = args.regimes or list(dynamics.REGIMES)
    unknown = [n for n in names if n not in dynamics.REGIMES]
    if unknown:
        parser.error(f"--regimes: unknown {unknown}; choose from {list(dynamics.REGIMES)}")
    device = get_device()
    start = time.perf_counter()
    frames, walls = [], {}
    for name in names:
        t = time.perf_counter()
        configs = [dynamics.regime_config(name, seed, args.steps).replace(n_val=args.n_val) for seed in seeds]
        at = dynamics.checkpoint_steps(args.steps, args.per_doubling)
        frames.append(dynamics.training_curves(configs, at, device=device, n_init=args.n_init).assign(regime=name))
        walls[name] = round(time.perf_counter() - t, 1)
        print(f"{name}: {walls[name]:.0f} s", flush=True)
    wall = time.perf_counter() - start
    frame = pd.concat(frames, ignore_index=True)
    columns = COLUMNS
    command = "python benchmarks/training_length.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    rows = [[r["regime"], int(r["seed"]), int(r["step"]), *(round(float(r[c]), 5) for c in columns[3:])]
            for r in frame.to_dict("records")]
    if existing is not None:  # --add: the record keeps its own settings; the addition says how it was made
        record = existing
        record["regimes"].update({n: dynamics.REGIMES[n] for n in names})
        record["regime_wall_seconds"].update(walls)
        record.setdefault("additions", []).append(
            {"regimes": names, "command": command, "machine": _machine(), "device": str(device),
             "date": time.strftime("%Y-%m-%d"), "wall_seconds": round(wall, 1)})
        record["rows"] += rows
    else:
        record = {
            "what": "gap, learned τ, R@1 and V-measure at log-spaced checkpoints of one run per regime and seed "
                    "(validation pairs); see gapnotes.dynamics",
            "command": command,
            "machine": _machine(), "device": str(device), "date": time.strftime("%Y-%m-%d"),
            "steps": args.steps, "seeds": seeds, "n_val": args.n_val, "n_init": args.n_init,
            "per_doubling": args.per_doubling, "regimes": {n: dynamics.REGIMES[n] for n in names},
            "base": {k: v for k, v in
                     dataclasses.asdict(dynamics.record_base(args.steps).replace(n_val=args.n_val)).items()
                     if k not in ("seed", "loss")},
            "wall_seconds": round(wall, 1), "regime_wall_seconds": walls,
            "columns": columns,
            "rows": rows,
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, ensure_ascii=False, indent=None) + "\n")
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print(dynamics.convergence_table(dynamics.curves(record)).to_string())
    print(f"{len(frame)} rows, {wall:.0f} s in all on {_machine()['cpu']} ({device}); wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
