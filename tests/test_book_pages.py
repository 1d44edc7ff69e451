"""The book's pages as a reader meets them, read from their sources (no build): only teaching code is visible and
it fits the code box, every chapter states its reading time at the top, and the reading-time counter is right.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from test_book import toc_chapters

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "book"))
import _helpers  # noqa: E402

CODE_BOX = 78  # characters a code cell shows on the site without clipping (measured in Chromium at 1280 px)
PLUMBING = re.compile(r"^\s*(glue|glue_number|glue_reading_time)\(|threadpool_limits|plt\.rcParams")


def visible_code_cells(page: Path):
    """(line number, source lines) of every code cell a reader sees (not tagged remove-cell/remove-input)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    cells, start = [], None
    for number, line in enumerate(lines, 1):
        if start is None and line.startswith("```{code-cell}"):
            start, body = number, []
        elif start is not None and line == "```":
            options = [b for b in body[:4] if b.startswith(":tags:")]
            if not any(re.search(r"remove-(cell|input)", o) for o in options):
                cells.append((start, [b for b in body if not b.startswith(":tags:")]))
            start = None
        elif start is not None:
            body.append(line)
    return cells


def book_pages():
    return sorted(REPO.glob("book/*.md"))


@pytest.mark.parametrize("page", book_pages(), ids=lambda p: p.stem)
def test_visible_code_fits_the_code_box_and_holds_no_plumbing(page):
    wide, plumbing = [], []
    for start, body in visible_code_cells(page):
        for offset, line in enumerate(body, 1):
            if len(line) > CODE_BOX:
                wide.append(f"{page.name}:{start + offset} ({len(line)} chars): {line.strip()[:60]}")
            if PLUMBING.search(line):
                plumbing.append(f"{page.name}:{start + offset}: {line.strip()[:80]}")
    assert not wide, f"visible code lines wider than the {CODE_BOX}-character code box:\n" + "\n".join(wide)
    assert not plumbing, "build plumbing in visible cells (move it to a remove-cell cell):\n" + "\n".join(plumbing)


@pytest.mark.parametrize("chapter", toc_chapters())
def test_chapter_states_its_reading_time_at_the_top(chapter):
    text = (REPO / "book" / f"{chapter}.md").read_text(encoding="utf-8")
    after_title = re.sub(r"```\{code-cell\}.*?\n```", "", text.split("\n# ", 1)[1], flags=re.S)
    prose = [line for line in after_title.splitlines() if line.strip()][:6]
    assert any("Reading time" in line and "_read_core" in line for line in prose), \
        f"{chapter}: no computed reading time near the top (glue_reading_time and a 'Reading time' line)"
    assert f'glue_reading_time("{chapter}.md"' in text, f"{chapter}: the reading time is not computed"
    minutes = _helpers.reading_time(REPO / "book" / f"{chapter}.md")
    assert minutes["core"] <= 35, f"{chapter}: the core path takes {minutes['core']} minutes (aim: 20-30)"


def test_reading_time_counts_core_and_going_deeper(tmp_path):
    words = " ".join(["word"] * 400)
    page = tmp_path / "page.md"
    page.write_text("\n".join([
        "---", "jupytext: {}", "---", "# Title", words,                                # core: 401 words
        "```{code-cell} ipython3", ":tags: [remove-cell]", "x = 1", "```",               # not seen
        "```{code-cell} ipython3", "y = 2", "```",                                       # seen: 20 s
        "## Going deeper: a proof", words,                                               # deeper: 404
        "```{code-cell} ipython3", "z = 3", "```",                                       # deeper cell
        "### a subsection of it", words,                                                 # still deeper
        "## Back to the core", words,                                                    # core
        ":::{dropdown} Going deeper: more", words, ":::",                                # deeper
        ":::{note}", words, ":::",                                                       # core
    ]))
    minutes = _helpers.reading_time(page)
    assert minutes["core_words"] == 1 + 400 + 4 + 400 + 1 + 400, minutes
    assert minutes["deeper_words"] == 4 + 400 + 4 + 400 + 4 + 400, minutes
    assert minutes["core"] == round(1206 / 200 + 20 / 60)
    assert minutes["deeper"] == round(1216 / 200 + 20 / 60)


def _sphinx_options(folder: Path) -> dict:
    import runpy
    import subprocess

    subprocess.run([str(Path(sys.executable).with_name("jupyter-book")), "config", "sphinx", str(folder)],
                   check=True, capture_output=True)
    return runpy.run_path(str(folder / "conf.py"))["html_theme_options"]


def test_launch_buttons_appear_once_the_config_names_a_repository(tmp_path):
    """Binder and Colab launch buttons are configured; the theme shows them when repository.url is set."""
    import shutil

    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(REPO / name, tmp_path / name)
    options = _sphinx_options(tmp_path)
    assert options["repository_url"] == "", "the course names no repository: no launch buttons by default"
    config = (tmp_path / "_config.yml").read_text()
    assert '  url: ""' in config
    (tmp_path / "_config.yml").write_text(config.replace('  url: ""', '  url: "https://github.com/org/course"'))
    options = _sphinx_options(tmp_path)
    assert options["repository_url"] == "https://github.com/org/course"
    buttons = options["launch_buttons"]
    assert buttons["binderhub_url"] == "https://mybinder.org" and "colab" in buttons["colab_url"], buttons
    assert buttons["notebook_interface"] == "jupyterlab"
