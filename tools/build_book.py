"""Build the course website into _build/html (what `make book` runs).

1. MyST-NB's execution cache keys on a notebook's own text only, so a page would otherwise show stale results when
   what it reads changes: if nnlib or the book's helpers changed since the last build (GLOBAL_INPUTS), clear the
   whole cache; if only a file one page reads changed (PAGE_INPUTS, e.g. the benchmark results the speed appendix
   shows), re-execute that page alone.
2. Write each chapter page as a plain .ipynb into book/_notebooks/: what the page's "download this chapter as a
   notebook" link points to while Sphinx builds (step 4 replaces the copy on the site).
3. Run Jupyter Book with warnings as errors (-W); a cell that raises fails the build (_config.yml).
4. Leave out the MathJax bundles the pages never load. Make the student kit from the executed pages (tools/make_kit.py): _build/kit/ and _build/html/course-kit.zip,
   and put each chapter's runnable notebook (with its outputs) behind the site's download links.
5. Print the path of index.html.

Usage: python tools/build_book.py [--all]   (--all: rebuild every page from scratch)
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "_build"
CACHE = BUILD / ".jupyter_cache"
STAMP = BUILD / ".page-inputs-hash"


# What the pages read besides their own text: every page reads nnlib and the helpers; one page reads a data file.
GLOBAL_INPUTS = ["nnlib/*.py", "book/_helpers.py", "book/_graph.py"]
PAGE_INPUTS = {"book/appendix_speed.md": ["benchmarks/results.json"],
               "book/intro.md": ["book/[0-9][0-9]_*.md"]}  # the course's total reading time


def inputs_hash(patterns) -> str:
    digest = hashlib.sha256()
    for pattern in patterns:
        for path in sorted(REPO.glob(pattern)):
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def current_inputs() -> dict:
    return {"all pages": inputs_hash(GLOBAL_INPUTS),
            **{page: inputs_hash(files) for page, files in PAGE_INPUTS.items()}}


def re_execute(page: str) -> None:
    """Forget one page's cached execution, and make Sphinx read it again."""
    from jupyter_cache import get_cache

    path = REPO / page
    if CACHE.exists():
        cache = get_cache(str(CACHE))
        for record in cache.list_cache_records():
            if Path(record.uri) == path:
                cache.remove_cache(record.pk)
    os.utime(path)  # newer than its doctree: Sphinx reads it again


def export_notebooks() -> None:
    out = REPO / "book" / "_notebooks"
    out.mkdir(exist_ok=True)
    for page in sorted((REPO / "book").glob("[0-9][0-9]_*.md")):
        nb = jupytext.read(page)
        target = out / f"{page.stem}.ipynb"
        text = jupytext.writes(nb, fmt="ipynb")
        if not target.exists() or target.read_text() != text:
            target.write_text(text)


# sphinx-mathjax-offline copies all of MathJax 3 (24 MB); the pages load tex-chtml.js, which fetches what else it
# needs (fonts, the menu, the accessibility and speech components) from the folders beside it. The other combined
# bundles are never loaded: leaving them out keeps the site about 14 MB lighter.
UNUSED_MATHJAX = ["tex-mml-chtml.js", "tex-chtml-full.js", "tex-chtml-full-speech.js", "mml-chtml.js", "mml-svg.js",
                  "tex-mml-svg.js", "tex-svg.js", "tex-svg-full.js", "node-main.js"]


def prune_mathjax() -> None:
    folder = BUILD / "html" / "_static" / "mathjax"
    for name in UNUSED_MATHJAX:
        (folder / name).unlink(missing_ok=True)


def main() -> int:
    BUILD.mkdir(exist_ok=True)
    current = current_inputs()
    try:
        last = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        last = {}
    if "--all" in sys.argv or last.get("all pages") != current["all pages"]:
        print("nnlib or the book's helpers changed since the last build: re-executing every page")
        # Sphinx re-reads only sources whose text changed and reuses its pickled doctrees for the rest, so the
        # doctrees and the HTML go too, not just MyST-NB's execution cache.
        for stale in (CACHE, BUILD / ".doctrees", BUILD / "html", BUILD / "jupyter_execute"):
            if stale.exists():
                shutil.rmtree(stale)
    else:
        for page in PAGE_INPUTS:
            if last.get(page) != current[page]:
                print(f"what {page} reads changed since the last build: re-executing it")
                re_execute(page)
    export_notebooks()
    jb = Path(sys.executable).with_name("jupyter-book")
    # One BLAS thread: the pages multiply small matrices, where a second thread only adds contention (measured:
    # up to 10x slower under load), and the test suite builds the book while grading on the other core.
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    result = subprocess.run([str(jb), "build", str(REPO), "-W", "-n", "--keep-going"], cwd=REPO, env=env)
    if result.returncode != 0:
        print("\nThe book did not build (see the messages above; executed-cell errors are in _build/html/reports/).")
        return result.returncode
    STAMP.write_text(json.dumps(current))
    prune_mathjax()
    result = subprocess.run([sys.executable, str(REPO / "tools" / "make_kit.py")], cwd=REPO)
    if result.returncode != 0:
        print("\nThe student kit was not made (see the messages above).")
        return result.returncode
    print(f"\nThe website is built: {BUILD / 'html' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
