"""The website: it builds from a clean checkout with warnings as errors, every chapter page carries its plots, math,
downloads and exercise link, and no page has a broken internal link."""
from __future__ import annotations

import os

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
EXPECTED_CHAPTERS = ["01_neurons", "02_forward_pass", "03_loss_functions", "04_backward_pass", "05_gradient_descent",
                     "06_vanishing_exploding", "07_sgd", "08_momentum", "09_practical_tips",
                     "10_autodiff", "11_convolution"]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]


def toc_chapters():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [Path(f).name for f in files if re.match(r"book/\d\d_", f)]


def test_toc_lists_the_chapters_in_course_order():
    chapters = toc_chapters()
    assert chapters == EXPECTED_CHAPTERS[:len(chapters)], chapters
    assert chapters, "no chapter in _toc.yml"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids, self.imgs = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag in ("img", "script", "link"):
            src = attrs.get("src") or (attrs.get("href") if tag == "link" else None)
            if src:
                self.imgs.append(src)


def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_book_builds_and_chapter_pages_have_plots_math_downloads_and_exercise(built_book):
    html = built_book / "_build" / "html"
    assert (html / "index.html").exists()
    assert not list((html / "reports").glob("*")) if (html / "reports").exists() else True
    for name in toc_chapters():
        page = html / "book" / f"{name}.html"
        assert page.exists(), f"{name}: no page"
        text = page.read_text(encoding="utf-8")
        links = parse(page)
        pngs = [s for s in links.imgs if s.endswith(".png")]
        assert pngs, f"{name}: no plot on the page"
        assert 'class="math' in text, f"{name}: no math on the page"
        assert any(h.endswith(f"{name}.ipynb") and "_downloads" in h for h in links.hrefs), \
            f"{name}: no download link for the chapter notebook or the student notebook"
        assert any(f"exercises/{name}/{name}.html" in h for h in links.hrefs), f"{name}: no link to its exercise"
        assert (html / "exercises" / name / f"{name}.html").exists(), f"{name}: no exercise page"
        assert "Traceback" not in text, f"{name}: a traceback is shown on the page"
    mathjax = list(html.rglob("tex-chtml*.js")) + list(html.rglob("tex-mml-chtml*.js"))
    assert mathjax, "MathJax is not served with the site (math would need a CDN)"


def test_no_broken_internal_links(built_book):
    html = built_book / "_build" / "html"
    pages = sorted(html.rglob("*.html"))
    ids = {p: parse(p).ids for p in pages}
    broken = []
    for page in pages:
        if "_static" in page.parts or "reports" in page.parts:
            continue
        parsed = parse(page)
        for ref in parsed.hrefs + parsed.imgs:
            parts = urlsplit(ref)
            if parts.scheme or ref.startswith(("//", "mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(html)} -> {ref}")
            elif parts.fragment and target.suffix == ".html" and target in ids:
                if unquote(parts.fragment) not in ids[target]:
                    broken.append(f"{page.relative_to(html)} -> {ref} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:50])


def test_numbers_in_prose_are_glued_not_typed():
    """A measured number in prose is glued, never typed: a typed '97.3 %' goes stale when the code changes.

    Round targets and quotes ('98 %', 'from 60 % to 95 %') are not measurements, nor are the made-up numbers of the
    "Check yourself" questions; a percentage with decimals anywhere else in prose is taken for a typed measurement.
    """
    offenders = []
    for name in toc_chapters():
        in_code = in_questions = False
        for lineno, line in enumerate((REPO / "book" / f"{name}.md").read_text().splitlines(), 1):
            if line.startswith("```"):
                in_code = not in_code
                continue
            if line.startswith("## "):
                in_questions = line.lower().startswith("## check yourself")
            if in_code or in_questions:
                continue
            if re.search(r"(?<![\w.{`$^_])\d{1,3}\.\d+ ?%", line):
                offenders.append(f"book/{name}.md:{lineno}: {line.strip()[:100]}")
    assert not offenders, "percentages typed into prose (glue them):\n" + "\n".join(offenders)


def test_rebuild_re_executes_pages_when_their_inputs_change(built_book):
    """MyST-NB's cache keys on a page's text only; tools/build_book.py must notice nnlib or data changing."""
    import json
    import subprocess
    import sys

    if os.environ.get("REUSE_BUILD") and not os.environ.get("CI"):
        pytest.skip("REUSE_BUILD: this test changes the build's checkout, so it needs its own clean copy")
    results = built_book / "benchmarks" / "results.json"
    data = json.loads(results.read_text())
    data["date"] = "1999-12-31T00:00:00+00:00"
    results.write_text(json.dumps(data))
    result = subprocess.run([sys.executable, str(built_book / "tools" / "build_book.py")], cwd=built_book,
                            capture_output=True, text=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    page = (built_book / "_build" / "html" / "book" / "appendix_speed.html").read_text(encoding="utf-8")
    assert "1999-12-31" in page, "the speed appendix still shows the old benchmark results after a rebuild"
