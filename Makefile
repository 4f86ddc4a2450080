# Mind the Gap — the two commands of the README:
#   make book   set up .venv (first time) and build the executed book into _build/html
#   make test   set up .venv (first time) and run every test (pytest + nbval over notebooks/)
#   make student   the nbgrader course (_build/course: source, release) + student HTML (book/instructor.md)
#   make grade     autograde _build/course/submitted/*/ -> grades.csv + feedback HTML (nbgrader)
#   make colab     the Colab edition of every chapter into colab/ (plain Markdown; README, Publish)
#   make appendix  the real-model appendix executed online into _build/appendix (downloads weights and CIFAR-10)
# Variables: VENV (default .venv), PYTHON (default python3), GAPNOTES_DATA_DIR (offline data folder).

VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python

# Offline here and in CI: read the released embeddings from the shared folder when it exists.
SHARED_FEATURES := $(abspath ../shared/data/modality-gap-features)
ifeq ($(origin GAPNOTES_DATA_DIR), undefined)
  ifneq ($(wildcard $(SHARED_FEATURES)/features_clip.npy),)
    export GAPNOTES_DATA_DIR := $(SHARED_FEATURES)
  endif
endif

# Progress bars are for people; the built book and CI logs stay clean without them.
export GAPNOTES_PROGRESS := 0

.PHONY: install book test lint colab student grade appendix clean

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# uv resolves and installs the same requirements as pip, about 3x faster (CI pays it every run);
	# --compile-bytecode writes the .pyc files pip writes by default: without them every new kernel
	# compiles open_clip, torchvision, … again (measured: 16 s → 8 s to import a chapter's libraries)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.txt
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $@

install: $(VENV)/.installed

book: install
	$(VENV)/bin/jupyter-book build . --all --warningiserror --nitpick --keep-going
	@echo "Book written to _build/html/index.html"

# Tests never depend on the network: the appendix runs its offline stand-in (override with GAPNOTES_OFFLINE=0).
test: export GAPNOTES_OFFLINE ?= 1
test: install
	$(VENV)/bin/ruff check gapnotes tests tools notebooks
	$(VENV)/bin/ruff format --check notebooks
	$(PY) -m pytest

# The Colab edition (colab/, committed: Colab opens it from GitHub), generated from the chapters;
# tests/test_colab.py fails when it is stale.
colab: install
	$(PY) -m tools.colab

# The course, generated from the chapters: nbgrader's source/ and release/ in $(COURSE),
# and the student HTML (the released notebooks as a book) in _build/student/_build/html.
COURSE ?= _build/course
student: install
	$(PY) -m tools.course release --course $(COURSE) --student-html

# nbgrader autograde + generate_feedback + export over $(COURSE)/submitted/*/ (book/instructor.md).
grade: install
	$(PY) -m tools.course grade --course $(COURSE)

lint: install
	$(VENV)/bin/ruff check gapnotes tests tools notebooks
	$(VENV)/bin/ruff format --check notebooks

# The real-model appendix online (pretrained open_clip weights, CIFAR-10; a GPU is used when present),
# executed on a copy: _build/appendix/07_real_models.ipynb. Fails if it fell back to the offline stand-in.
APPENDIX := _build/appendix/07_real_models.ipynb
appendix: export GAPNOTES_OFFLINE := 0
appendix: install
	mkdir -p $(dir $(APPENDIX))
	cp notebooks/07_real_models.ipynb $(APPENDIX)
	$(VENV)/bin/jupyter-execute --inplace --timeout=3600 $(APPENDIX)
	@if grep -q "OFFLINE STAND-IN" $(APPENDIX); then \
	  echo "the appendix ran its offline stand-in: a download failed (see $(APPENDIX))" >&2; exit 1; fi
	@echo "Executed appendix written to $(APPENDIX)"

clean:
	rm -rf _build
