"""Reliability: one-sentence offline messages, concurrent cache fills, safe deserialisation, Colab-friendly
requirements and notebooks that depend on each other only through the on-disk cache."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gapnotes import data

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _one_sentence_with_fix(message: str) -> None:
    # a sentence ends with ". " followed by a capital letter (full stops in URLs, paths and numbers don't count)
    assert not re.search(r"\.\s+[A-Z]", message), f"more than one sentence: {message}"
    assert message.rstrip().endswith("."), message
    assert re.search(r"set GAPNOTES_DATA_DIR|download=True|load_pretrained\(", message), f"no fix given: {message}"


def _offline_messages(monkeypatch, tmp_path) -> dict:
    from gapnotes import datasets, hub

    monkeypatch.setenv(data.OFFLINE_ENV, "1")
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    calls = {
        "data.fetch": lambda: data.fetch("features_clip.npy"),
        "data.load_released_features": lambda: data.load_released_features("clip_random"),
        "datasets.load_cifar(download=True)": lambda: datasets.load_cifar("cifar100", download=True),
        "datasets.load_cifar()": lambda: datasets.load_cifar("cifar10"),
        "hub.load_pretrained": lambda: hub.load_pretrained("ViT-B-32", "openai"),
    }
    messages = {}
    for name, call in calls.items():
        with pytest.raises(RuntimeError) as info:  # DataUnavailableError / PretrainedUnavailableError
            call()
        messages[name] = str(info.value)
    return messages


def test_every_offline_path_says_so_in_one_sentence_with_the_fix(monkeypatch, tmp_path):
    pytest.importorskip("torchvision")
    for name, message in _offline_messages(monkeypatch, tmp_path).items():
        assert "offline" in message or "not on this machine" in message or "internet" in message, (name, message)
        _one_sentence_with_fix(message)


_FILL = textwrap.dedent("""
    import sys, time
    from gapnotes import data
    data.REGISTRY["concurrent.bin"] = data.RemoteFile(sys.argv[1], sys.argv[2])
    start = float(sys.argv[3])
    while time.time() < start:  # both processes start fetching at the same moment
        time.sleep(0.001)
    path = data.fetch("concurrent.bin")
    print(data.sha256_of(path))
""")


def test_two_processes_filling_the_cache_at_once_both_succeed(tmp_path):
    import os
    import time

    payload = os.urandom(8 << 20)  # 8 MiB, so the two downloads overlap
    source = tmp_path / "source.bin"
    source.write_bytes(payload)
    sha = hashlib.sha256(payload).hexdigest()
    env = {**os.environ, "GAPNOTES_CACHE_DIR": str(tmp_path / "cache"), "GAPNOTES_OFFLINE": "0",
           "GAPNOTES_DATA_DIR": ""}
    start = str(time.time() + 2.0)
    procs = [subprocess.Popen([sys.executable, "-c", _FILL, source.as_uri(), sha, start], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err
        assert out.strip() == sha
    cached = tmp_path / "cache" / "data"
    assert [p.name for p in cached.iterdir()] == ["concurrent.bin"], "no temporary file may be left behind"
    assert data.sha256_of(cached / "concurrent.bin") == sha


def test_tampered_cache_file_is_refused_and_fetched_again(tmp_path, monkeypatch):
    payload = b"the real file" * 1000
    source = tmp_path / "real.bin"
    source.write_bytes(payload)
    monkeypatch.setitem(data.REGISTRY, "real.bin", data.RemoteFile(source.as_uri(), hashlib.sha256(payload).hexdigest()))
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    monkeypatch.delenv(data.OFFLINE_ENV, raising=False)
    path = data.fetch("real.bin")
    path.write_bytes(b"tampered")
    assert data.fetch("real.bin").read_bytes() == payload


def test_no_unsafe_deserialisation_anywhere():
    """torch.load only with weights_only=True and np.load only with allow_pickle=False, in package and tests."""
    offenders = []
    for path in [*(ROOT / "gapnotes").glob("*.py"), *(ROOT / "benchmarks").glob("*.py")]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\btorch\.load\(", line) and "weights_only=True" not in line:
                offenders.append(f"{path.name}:{number}: {line.strip()}")
            if re.search(r"\bnp\.load\(", line) and "allow_pickle=False" not in line:
                offenders.append(f"{path.name}:{number}: {line.strip()}")
            if re.search(r"\bpickle\.loads?\(", line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert not offenders, "unsafe loading:\n" + "\n".join(offenders)


def test_requirements_never_pin_torch_exactly():
    """Colab keeps its own torch/torchvision build: lower bounds only, never ==, ~=, === or an upper bound."""
    found = {}
    for raw in (ROOT / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", line)
        if not match:
            continue
        name = match.group(1).lower().replace("_", "-")
        if name in ("torch", "torchvision", "torchaudio"):
            found[name] = match.group(3)
    assert "torch" in found, "requirements.txt must list torch (lower bound only)"
    for name, spec in found.items():
        for clause in filter(None, (c.strip() for c in spec.split(","))):
            assert clause.startswith(">=") or clause.startswith(">"), f"{name} is pinned: {name}{spec}"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'"torch>=[0-9.]+"', pyproject) and not re.search(r'"torch\s*(==|~=|<)', pyproject)


def test_notebooks_define_every_name_they_use():
    """No cell may rely on a variable from another notebook: ruff's undefined-name check over each notebook
    (nbval then runs each one on a fresh kernel, in CI order)."""
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed next to this Python")
    result = subprocess.run([str(ruff), "check", "--select", "F821,F822,F823", "--output-format", "concise",
                             "--no-cache", *map(str, NOTEBOOKS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_notebooks_share_state_only_through_the_gapnotes_cache():
    """No notebook reads or writes files of its own (pickles, %store, relative paths): anything shared between
    chapters goes through gapnotes' cache (trained models, embeddings), which each chapter can rebuild."""
    forbidden = re.compile(r"%store|%run|pickle|to_csv\(|to_pickle|np\.save|open\(|read_csv\(|torch\.save")
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                assert not forbidden.search(source), f"{path.name}: {source[:200]}"


def test_chapter_3_runs_alone_on_an_empty_cache(tmp_path, monkeypatch):
    """Chapter 3 reuses chapter 2's trained model through the cache; with an empty cache it trains it itself."""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path / "empty-cache"))
    monkeypatch.setenv("GAPNOTES_PROGRESS", "0")
    notebook = nbformat.read(ROOT / "notebooks" / "03_does_the_gap_matter.ipynb", as_version=4)
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    assert any((tmp_path / "empty-cache" / "models").iterdir()), "chapter 3 should have trained its model"


def test_notebooks_import_only_what_colab_has_or_gapnotes_installs():
    """A chapter must run on Colab after the setup cell installs gapnotes (never torch): every module a
    notebook imports is the standard library, gapnotes, one of gapnotes' dependencies, or Colab's own."""
    import ast

    block = re.search(r"dependencies = \[(.*?)\]", (ROOT / "pyproject.toml").read_text(), re.S).group(1)
    dependencies = re.findall(r'"([^"]+)"', block)
    installed = {re.split(r"[<>=!~\[ ]", d, maxsplit=1)[0].lower().replace("-", "_") for d in dependencies}
    module_of = {"umap_learn": "umap", "open_clip_torch": "open_clip", "scikit_learn": "sklearn", "pillow": "PIL"}
    allowed = {module_of.get(name, name) for name in installed} | {"gapnotes", "IPython", "torch", "torchvision"}
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        for node in ast.walk(ast.parse(code)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top in allowed, f"{path.name} imports {name}"
