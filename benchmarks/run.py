"""Performance benchmark of the book: prints one table (figure, value, target, ratio) and writes it as JSON.

    python benchmarks/run.py                      # everything (its long sections train every model cold)
    python benchmarks/run.py --skip-book          # everything but the long sections (book, alone, ledger)
    python benchmarks/run.py --only metrics,recall --json /tmp/out.json

Sections (``--only``): ``book`` (every chapter from a cold cache, in book order), ``alone`` (every
chapter from its own empty cache, as a reader who opens one chapter runs it), ``ledger``
(``python -m gapnotes.claims --seeds 0-4`` from an empty cache, in a fresh process), ``train`` (one default tiny-CLIP run
against five seeds trained as one stacked ensemble, each in a fresh process, and the FLOP rate reached), ``metrics`` (O(N·D) metrics on 1,000,000 × 512 against one pass over the
data), ``recall`` (streamed Recall@k at N = 100,000: time and peak extra memory), ``cluster``
(MiniBatchKMeans at N = 200,000), ``embed`` (embedding 10,000 images; on a GPU only).

"ratio" is value / target for "at most" targets: ≤ 1 meets the target. Run it alone: two PyTorch
processes on a 2-core machine slow each other down many-fold.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SECTIONS = ("book", "alone", "ledger", "train", "metrics", "recall", "cluster", "embed")
#: the long sections (every chapter and the ledger from an empty cache): --skip-book and --reuse-book
LONG = ("book", "alone", "ledger")
GIB = 1024**3


def _row(figure, value, target=None, unit="", note=""):
    ratio = (value / target) if (target and value is not None) else None
    return {"figure": figure, "value": value, "target": target, "ratio": ratio, "unit": unit, "note": note}


def _best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _peak_extra_bytes(fn) -> int:
    """Peak memory NumPy (and Python) allocate while ``fn`` runs, above what was allocated before."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


# ----------------------------------------------------------------------------------------------- book
def _failed(result: dict) -> str:
    return f"FAILED: {result['error']}" if result["error"] else ""


def bench_book() -> list[dict]:
    """Every chapter in book order from an empty cache, then again with the cache that run left."""
    import tempfile

    from book_times import time_book, with_cache

    with tempfile.TemporaryDirectory(prefix="gapnotes-book-") as cache:
        cold = with_cache(cache, lambda: time_book(cold=False))
        warm = with_cache(cache, lambda: time_book(cold=False))
    rows = [_row(f"chapter {r['notebook'][:2]} ({r['notebook'][3:-6]})", r["seconds"],
                 240.0 if r["notebook"].startswith("04") else None, "s", _failed(r))
            for r in cold]
    rows.append(_row("whole book, cold cache", sum(r["seconds"] for r in cold), 600.0, "s",
                     "every chapter on a fresh kernel, no trained model cached"))
    rows += [_row(f"chapter {r['notebook'][:2]} warm cache", r["seconds"], None, "s",
                  _failed(r) or "a second run in book order: every model and measurement cached")
             for r in warm]
    rows.append(_row("whole book, warm cache", sum(r["seconds"] for r in warm), None, "s",
                     "what `make book` costs after a first build"))
    return rows


def bench_alone() -> list[dict]:
    from book_times import time_book

    return [_row(f"chapter {r['notebook'][:2]} alone, cold cache", r["seconds"], 180.0, "s",
                 _failed(r) or "fresh kernel and its own empty cache")
            for r in time_book(alone=True)]


def bench_ledger(seeds: str = "0-4") -> list[dict]:
    """``python -m gapnotes.claims --seeds 0-4`` in a fresh process with an empty cache: wall time, verdict."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        out = Path(cache) / "ledger.json"
        env = {**os.environ, "GAPNOTES_CACHE_DIR": cache, "GAPNOTES_PROGRESS": "0", "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "gapnotes.claims", "--seeds", seeds, "--json", str(out)],
                              env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        claims = json.loads(out.read_text()) if out.exists() else []
    holding = sum(c["average"]["holds"] for c in claims)
    note = (f"{holding}/{len(claims)} claims hold on average; every model trained in the run" if claims
            else f"FAILED (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
    return [_row(f"ledger --seeds {seeds}, cold cache, wall", seconds, 300.0, "s", note)]


# ---------------------------------------------------------------------------------------------- train
def _matmul_gflops() -> float:
    """The machine's float32 matmul throughput (GFLOP/s), measured with torch on 1024 × 1024 matrices."""
    import torch

    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    for _ in range(3):
        a @ b
    seconds = _best_of(lambda: [a @ b for _ in range(10)], repeat=3) / 10
    return 2 * 1024**3 / seconds / 1e9


def _flops_per_member_step() -> float:
    """FLOPs of one training step (forward + backward) of one member, counted by torch."""
    from torch.utils.flop_counter import FlopCounterMode

    from gapnotes.losses import clip_loss
    from gapnotes.models import create_tiny_clip, tiny_clip_config
    from gapnotes.train import TrainConfig
    from gapnotes.training.data import prepared
    from gapnotes.training.stacked import StackedCLIP, patchify
    from gapnotes.training.vocabulary import VocabularySlice

    cfg = TrainConfig()
    model_cfg = tiny_clip_config()
    images, tokens = prepared(cfg.n_train, cfg.n_val, cfg.data_seed, cfg.caption_detail, 16, 32)["train"][:2]
    model = create_tiny_clip(model_cfg, seed=0, device="cpu")
    vocabulary = VocabularySlice(model, [tokens])
    stacked = StackedCLIP([model], model_cfg)
    batch = [patchify(images[: cfg.batch_size], 8)[None], vocabulary.remap(tokens[: cfg.batch_size])[None]]
    with FlopCounterMode(display=False) as counter:
        features = stacked.features(*batch)
        clip_loss(features[0][0], features[1][0], stacked.logit_scale()[0]).backward()
    return counter.get_total_flops()


_RUN_IN_FRESH_PROCESS = """
import json, sys, time
from gapnotes.train import TrainConfig, train, train_many
n = int(sys.argv[1])
start = time.perf_counter()
if n == 1:
    train(TrainConfig(seed=0), cache=False, progress=False, device=sys.argv[2])
else:
    train_many([TrainConfig(seed=s) for s in range(1, n + 1)], progress=False, device=sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def _fresh_run(members: int, device: str) -> float:
    """Seconds to train ``members`` default configs in a fresh process with an empty model cache
    (building the data included, interpreter start and imports not)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "GAPNOTES_CACHE_DIR": cache, "GAPNOTES_PROGRESS": "0", "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", _RUN_IN_FRESH_PROCESS, str(members), device], env=env,
                              capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def bench_train() -> list[dict]:
    import torch

    from gapnotes.device import get_device
    from gapnotes.train import TrainConfig

    device = get_device().type
    lone = min(_fresh_run(1, device) for _ in range(2))
    five = min(_fresh_run(5, device) for _ in range(2))
    flops = _flops_per_member_step()
    steps = TrainConfig().steps
    achieved = 5 * steps * flops / five / 1e9
    machine = _matmul_gflops()
    where = f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads; best of 2 fresh processes"
    rows = [
        _row("one default run (300 steps × 128 pairs), cold cache, wall", lone, 30.0, "s", where),
        _row("5 seeds of the default config as one ensemble, cold cache, wall", five, None, "s", where),
        _row("5-seed ensemble / one lone run", five / lone, 2.5, "×",
             "floor ≈ 5 × FLOPs / matmul peak + fixed costs; 5 lone runs would be 5×"),
        _row("FLOPs per member per training step (forward + backward)", flops / 1e9, None, "GFLOP"),
        _row("achieved over the whole 5-seed run (data, evaluation included)", achieved, None, "GFLOP/s"),
        _row("machine matmul throughput (float32, 1024²)", machine, None, "GFLOP/s"),
        _row("fraction of matmul throughput reached by the ensemble", achieved / machine, None, "",
             "width 64, 16–17 tokens: products with K = 64 and the element-wise passes bound it"),
    ]
    if device != "cuda":
        rows.append(_row("GPU: 5-seed ensemble speed-up over the 2-core CPU", None, None, "×",
                         "not measured: no GPU was lent to this session"))
    return rows


# -------------------------------------------------------------------------------------------- metrics
def bench_metrics(n: int = 1_000_000, d: int = 512) -> list[dict]:
    from gapnotes import geometry, metrics

    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d), dtype=np.float32)
    y = rng.standard_normal((n, d), dtype=np.float32) + 0.5
    one_array = x.nbytes
    one_pass = _best_of(lambda: x.sum(axis=0))
    copy_pass = _best_of(lambda: x.copy(), repeat=2)
    rows = [_row(f"one pass over the data: x.sum(0), {n:,} × {d} float32", one_pass, None, "s",
                 f"{one_array / GIB:.2f} GiB per array"),
            _row("one pass that writes a new array: x.copy()", copy_pass, None, "s",
                 "allocating and first-touching the result costs more than reading")]
    cases = [
        ("modality_gap(x, y)", lambda: metrics.modality_gap(x, y), 2),
        ("mean_cosine_similarity(x)", lambda: metrics.mean_cosine_similarity(x), 1),
        ("true_pair_cosine(x, y)", lambda: metrics.true_pair_cosine(x, y), 2),
        ("shift_along_gap(x, y, 0.5)", lambda: geometry.shift_along_gap(x, y, 0.5), 2),
    ]
    for name, fn, n_inputs in cases:
        seconds = _best_of(fn, repeat=2)
        extra = _peak_extra_bytes(fn)
        reference = one_pass * n_inputs
        rows.append(_row(f"{name}: time / one pass over its inputs", seconds / reference, 3.0, "×",
                         f"{seconds:.2f} s against {reference:.2f} s"))
        if name.startswith("shift"):
            # It must return two new (N, D) arrays: compare with reading the inputs and writing those.
            writes = copy_pass * n_inputs
            rows.append(_row(f"{name}: time / one pass that writes its outputs", seconds / writes, 3.0, "×",
                             f"{seconds:.2f} s against {writes:.2f} s (x.copy() per input)"))
        # shift_along_gap returns two new (N, D) arrays: its result, not a temporary (allow 1 % for buffers).
        allowed = 2.02 if name.startswith("shift") else 1.0
        rows.append(_row(f"{name}: peak extra memory", extra / one_array, allowed, "arrays",
                         f"{extra / GIB:.2f} GiB; one array = {one_array / GIB:.2f} GiB"))
    return rows


def bench_recall(n: int = 100_000, d: int = 512) -> list[dict]:
    from gapnotes import metrics

    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d), dtype=np.float32)
    y = x + 0.5 * rng.standard_normal((n, d), dtype=np.float32)
    start = time.perf_counter()
    extra = _peak_extra_bytes(lambda: metrics.recall_at_k(x, y, ks=(1, 5, 10)))
    seconds = time.perf_counter() - start
    return [_row(f"recall_at_k, N = {n:,}, D = {d}: peak extra memory", extra / GIB, 1.0, "GiB",
                 f"an N×N float32 matrix would be {n * n * 4 / GIB:.0f} GiB"),
            _row(f"recall_at_k, N = {n:,}, D = {d}: time", seconds, None, "s")]


def bench_cluster(n: int = 200_000, d: int = 512, k: int = 30) -> list[dict]:
    from gapnotes import metrics

    rng = np.random.default_rng(0)
    labels = rng.integers(0, k, n)
    centres = rng.standard_normal((k, d), dtype=np.float32)
    x = centres[labels] + rng.standard_normal((n, d), dtype=np.float32)
    start = time.perf_counter()
    scores = metrics.clustering_scores(x, labels, method="minibatch", seed=0)
    seconds = time.perf_counter() - start
    return [_row(f"clustering_scores(method='minibatch'), N = {n:,}, D = {d}, k = {k}", seconds, None, "s",
                 f"V-measure {scores['v_measure']:.3f}")]


def bench_embed(n: int = 10_000) -> list[dict]:
    import torch

    if not torch.cuda.is_available():
        return [_row(f"embed {n:,} images on a GPU (appendix)", None, 60.0, "s", "skipped: no CUDA device here")]
    from gapnotes import embed, hub

    model, preprocess, _ = hub.load_pretrained("ViT-B-32", "openai") if os.environ.get("GAPNOTES_OFFLINE") != "1" \
        else (None, None, None)
    if model is None:
        return [_row(f"embed {n:,} images on a GPU (appendix)", None, 60.0, "s", "skipped: offline (no weights)")]
    images = np.random.default_rng(0).random((n, 3, 64, 64), dtype=np.float32)  # resized to 224 by the call
    start = time.perf_counter()
    embed.embed_images(model, images, batch_size=256)
    seconds = time.perf_counter() - start
    return [_row(f"embed {n:,} images on a GPU (ViT-B/32)", seconds, 60.0, "s", torch.cuda.get_device_name())]


BENCHES = {"book": bench_book, "alone": bench_alone, "ledger": bench_ledger, "train": bench_train,
           "metrics": bench_metrics, "recall": bench_recall, "cluster": bench_cluster, "embed": bench_embed}


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one): every timing records it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _machine() -> dict:
    import torch

    return {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
            "numpy": np.__version__, "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
            "date": time.strftime("%Y-%m-%d")}


def _fmt(value):
    if value is None:
        return "n/a"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the book and gapnotes; print a table and write JSON.")
    parser.add_argument("--only", help=f"comma-separated sections of {','.join(SECTIONS)}")
    parser.add_argument("--skip-book", action="store_true",
                        help="skip the long sections (the book, every chapter alone, the ledger; all cold)")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--reuse-book", type=Path, help="take the long sections' rows from this earlier JSON "
                                                         "instead of executing every chapter again")
    args = parser.parse_args(argv)
    sections = args.only.split(",") if args.only else list(SECTIONS)
    unknown = [s for s in sections if s not in BENCHES]
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    if args.skip_book:
        sections = [s for s in sections if s not in LONG]
    os.environ.setdefault("GAPNOTES_PROGRESS", "0")
    rows = []
    if args.reuse_book:
        earlier = json.loads(args.reuse_book.read_text())
        rows += [{**r, "note": (r["note"] + "; " if r["note"] else "") + f"from the run of {earlier['machine']['date']}"}
                 for r in earlier["rows"] if r["section"] in LONG]
        sections = [s for s in sections if s not in LONG]
    for section in sections:
        print(f"[{section}] running …", file=sys.stderr, flush=True)
        rows += [{"section": section, **row} for row in BENCHES[section]()]
    width = max(len(r["figure"]) for r in rows)
    print(f"{'figure':{width}}  {'value':>10}  {'unit':7}  {'target':>8}  {'ratio':>6}  note")
    for r in rows:
        target = f"≤ {_fmt(r['target'])}" if r["target"] is not None else ""
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else ""
        print(f"{r['figure']:{width}}  {_fmt(r['value']):>10}  {r['unit']:7}  {target:>8}  {ratio:>6}  {r['note']}")
    missed = [r["figure"] for r in rows if r["ratio"] is not None and r["ratio"] > 1]
    print(f"targets met: {sum(r['ratio'] is not None and r['ratio'] <= 1 for r in rows)}, missed: {len(missed)}"
          + (f" ({'; '.join(missed)})" if missed else ""))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"machine": _machine(), "rows": rows}, indent=2))
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
