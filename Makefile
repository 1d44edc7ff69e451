# The course's commands. `make book` and `make test` are the two a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: book kit test serve lab exercises grade bench clean help

help:
	@echo "make book       build the website into _build/html (creates .venv on first use)"
	@echo "make test       run the whole test suite"
	@echo "make serve      serve the built site on http://localhost:8000"
	@echo "make kit        build the site and the student kit (_build/kit/, _build/html/course-kit.zip)"
	@echo "make lab        instructors: JupyterLab on the course, with nbgrader's Formgrader"
	@echo "make exercises  regenerate exercises/ from solutions/ with nbgrader"
	@echo "make grade A=.. grade every submission of assignment A, sandboxed, on every core"
	@echo "                (STUDENT=id: one student; FEEDBACK=1; EXPORT=grades.csv; UNSAFE=1: no sandbox)"
	@echo "make bench      nnlib vs PyTorch speed benchmark (installs CPU torch into .venv)"

# The environment: rebuilt whenever requirements.txt or pyproject.toml change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/python tools/build_book.py

# The student kit is made from the executed pages, at the end of every book build.
kit: book
	@echo "The student kit: _build/kit/backprop-course-kit/ (zipped: _build/html/course-kit.zip)"

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

serve: $(STAMP)
	@test -f _build/html/index.html || $(MAKE) book
	@echo "Serving on http://localhost:8000 (Ctrl-C to stop)"
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory _build/html

lab: $(STAMP)
	$(BIN)/jupyter lab $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

exercises: $(STAMP)
	$(BIN)/python tools/make_exercises.py

grade: $(STAMP)
	@test -n "$(A)" || (echo "usage: make grade A=04_backward_pass [STUDENT=id] [FEEDBACK=1] [EXPORT=grades.csv] [UNSAFE=1]"; exit 2)
	$(BIN)/python -m grading.classroom $(A) $(if $(STUDENT),--student $(STUDENT)) $(if $(FEEDBACK),--feedback) \
		$(if $(EXPORT),--export $(EXPORT)) $(if $(UNSAFE),--unsafe)

bench: $(STAMP)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/python tools/make_torch_goldens.py --check   # the stored PyTorch goldens the tests read
	$(BIN)/python benchmarks/bench_mlp.py

clean:
	rm -rf _build
