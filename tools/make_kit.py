"""Make the student kit from a built book: _build/kit/backprop-course-kit/ and its zip, offered on the site.

The kit holds exactly what a student needs: the student exercise notebooks (exercises/), the chapters as notebooks
with their outputs (from the book's execution, made runnable without the book's tools), nnlib (installable), the
pinned packages a student needs, and kit/'s README, start.py (the one command) and nbgrader settings (Validate with
a per-task summary). Nothing from solutions/, no check module, no gradebook.

It also replaces each chapter's "download this chapter as a notebook" file in the built site with the same runnable
notebook.

Usage: python tools/make_kit.py   (after tools/build_book.py, which calls it)
"""
from __future__ import annotations

import hashlib
import re
import shutil
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
from export_chapters import executed_chapter, export_chapter, page_titles  # noqa: E402

BUILD = REPO / "_build"
NAME = "backprop-course-kit"
KIT = BUILD / "kit" / NAME
ZIP_NAME = "course-kit.zip"  # at the site's root: exercise pages link ../../course-kit.zip

# The packages a student's environment needs (pins come from requirements.txt, so the two never drift).
KIT_PACKAGES = ["numpy", "matplotlib", "scikit-learn", "threadpoolctl", "jupyterlab", "notebook", "nbgrader",
                "nbclient", "nbconvert", "nbformat", "ipykernel", "jsonschema", "jupytext"]
KIT_FILES = ["README.md", "start.py", "nbgrader_config.py", "validate_summary.py", "pyproject.toml"]

CHAPTER_NOTE = ("*Backpropagation: training neural networks from scratch.* To run this notebook you need `nnlib` "
                "and a few packages: download the student kit (`course-kit.zip`, on the course website's front "
                "page), run `python3 start.py` in it, and open this chapter from its `chapters/` folder.")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".*")


def kit_requirements() -> str:
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    missing = [name for name in KIT_PACKAGES if name not in pins]
    if missing:
        raise SystemExit(f"make_kit: requirements.txt pins no version of {missing}")
    lines = ["# The course's packages, pinned (from the course's requirements.txt). start.py installs them."]
    return "\n".join(lines + [f"{name}=={pins[name]}" for name in KIT_PACKAGES]) + "\n"


def chapter_pages() -> list[Path]:
    return sorted((REPO / "book").glob("[0-9][0-9]_*.md"))


def export_chapters(out: Path) -> list[Path]:
    """Every chapter as a runnable notebook with the outputs of the book's build, and the helpers they import."""
    out.mkdir(parents=True, exist_ok=True)
    titles = page_titles(REPO)
    written = []
    for page in chapter_pages():
        target = out / f"{page.stem}.ipynb"
        glue = BUILD / "jupyter_execute" / "book" / f"{page.stem}.glue.json"
        export_chapter(executed_chapter(page, BUILD), glue, target, CHAPTER_NOTE, titles)
        written.append(target)
    for module in ("_helpers.py", "_graph.py"):  # the chapters' hidden cells import them
        shutil.copyfile(REPO / "book" / module, out / module)
    return written


def write_zip(folder: Path, target: Path) -> None:
    """A zip of folder, its files in sorted order with a fixed date: the same kit gives the same bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", (2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def replace_site_downloads(chapters: list[Path]) -> int:
    """Put the runnable chapter notebooks where the site offers a chapter as a notebook: its "download this chapter
    as a notebook" link (Sphinx copies book/_notebooks/NN.ipynb to _downloads/<md5 of that path>/; the student
    notebook of the same name, in another folder, stays) and the theme's .ipynb download (_sources/book/)."""
    replaced = 0
    for chapter in chapters:
        digest = hashlib.md5(f"book/_notebooks/{chapter.name}".encode(), usedforsecurity=False).hexdigest()
        for target in (BUILD / "html" / "_downloads" / digest / chapter.name,
                       BUILD / "html" / "_sources" / "book" / chapter.name):
            if target.exists():
                shutil.copyfile(chapter, target)
                replaced += 1
    return replaced


def main() -> int:
    if KIT.exists():
        shutil.rmtree(KIT)
    KIT.mkdir(parents=True)
    for name in KIT_FILES:
        shutil.copyfile(REPO / "kit" / name, KIT / name)
    (KIT / "requirements.txt").write_text(kit_requirements())
    shutil.copytree(REPO / "nnlib", KIT / "nnlib", ignore=SKIP)
    shutil.copytree(REPO / "exercises", KIT / "exercises", ignore=SKIP)
    chapters = export_chapters(KIT / "chapters")
    write_zip(KIT, BUILD / "html" / ZIP_NAME)
    replaced = replace_site_downloads(chapters)
    size = (BUILD / "html" / ZIP_NAME).stat().st_size
    print(f"The student kit: {KIT} ({len(chapters)} chapters), zipped as _build/html/{ZIP_NAME} "
          f"({size / 1e6:.1f} MB); {replaced} chapter downloads on the site replaced")
    return 0


if __name__ == "__main__":
    sys.exit(main())
