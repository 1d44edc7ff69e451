"""The built site in a real headless browser (Debian's chromium + chromedriver, installed by .ci/run).

Each chapter page loads with its images decoded, its math typeset by MathJax (served locally), and the navigation
sidebar linking every chapter. Under CI a missing browser fails the run; elsewhere these tests skip and say how to
install it.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading

import pytest
import yaml

from test_book import REPO, toc_chapters

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("book")]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
INSTALL_HINT = "install it with: sudo apt-get install -y chromium chromium-driver (as .ci/run does)"


def headless_chromium(window="1280,1600", *flags, logs=False):
    """Debian's Chromium, headless, driven by chromedriver (a missing browser fails under CI, else skips).

    flags: more command-line switches. logs: keep the browser console and the network log (driver.get_log)."""
    if not (CHROMIUM and CHROMEDRIVER):
        message = f"headless Chromium/chromedriver not found; {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={window}", *flags):
        options.add_argument(flag)
    if logs:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture(scope="module")
def browser():
    driver = headless_chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def site(built_book):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built_book / "_build" / "html"))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def wait_for(driver, script, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script))


# The longest line of every code or output box (collapsed ones too) that scrolls sideways.
WIDE_BOXES = (
    "return Array.from(document.querySelectorAll('div.cell_input pre, div.cell_output pre'))"
    ".filter(p => p.textContent.trim() && p.scrollWidth > p.clientWidth + 1)"
    ".map(p => p.textContent.split('\\n').reduce((a, l) => l.length > a.length ? l : a, ''))")


def other_pages():
    """The site's pages that are not numbered chapters (front page, appendices, guides)."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    entries = [c for part in toc["parts"] for c in part["chapters"]]
    entries += [s for c in entries for s in c.get("sections", [])]  # the exercise pages
    files = [toc["root"]] + [c["file"] for c in entries]
    return [f for f in files if not re.match(r"book/\d\d_", f)]


@pytest.mark.parametrize("page", other_pages())
def test_other_pages_show_code_and_output_whole(browser, site, page):
    browser.get(f"{site}/{page}.html")
    wide = browser.execute_script(WIDE_BOXES)
    assert not wide, f"{page}: code or output boxes that scroll sideways, longest lines: {wide[:3]}"


@pytest.mark.parametrize("chapter", toc_chapters())
def test_chapter_page_renders(browser, site, chapter):
    browser.get(f"{site}/book/{chapter}.html")
    # images: all present and decoded
    wait_for(browser, "return Array.from(document.images).every(i => i.complete)")
    sizes = browser.execute_script("return Array.from(document.images).map(i => [i.src, i.naturalWidth])")
    plots = [s for s in sizes if s[0].endswith(".png")]
    assert plots, f"{chapter}: no plot images"
    assert all(w > 0 for _, w in plots), f"{chapter}: images that did not load: {[s for s, w in plots if w == 0]}"
    # math typeset by MathJax (no raw TeX left in math spans)
    wait_for(browser, "return document.querySelectorAll('mjx-container').length > 0", timeout=40)
    raw = browser.execute_script(
        "return Array.from(document.querySelectorAll('span.math, div.math'))"
        ".filter(e => !e.querySelector('mjx-container')).length")
    assert raw == 0, f"{chapter}: {raw} math elements were not typeset"
    # navigation: the sidebar links every chapter and the exercise
    nav = browser.execute_script(
        "return Array.from(document.querySelectorAll('nav a')).map(a => a.getAttribute('href'))")
    for other in toc_chapters():
        assert any(other in (h or "") for h in nav), f"{chapter}: the navigation has no link to {other}"
    title = browser.execute_script("return document.querySelector('h1').textContent")
    assert title.strip(), f"{chapter}: no title"
    # code and printed output (nnlib's source, tables, messages): every box shows its longest line without
    # scrolling sideways (78 characters fit)
    wide = browser.execute_script(WIDE_BOXES)
    assert not wide, f"{chapter}: code or output boxes that scroll sideways, longest lines: {wide[:3]}"
