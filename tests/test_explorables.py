"""The explorables (figures a reader can play with) in a real headless browser, from file:// with the network off.

Each one is found on its page; moving each control (by keyboard for sliders, by choosing for drop-downs, by the
next button for step-throughs) shows a different frame and updates the value shown as text; no request leaves
file: or data:; no console error. Without a browser: the page-weight and distinct-frame checks still run (they read
the built HTML); under CI a missing browser fails, elsewhere the browser test skips and says how to install it.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from test_site_browser import headless_chromium

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]

# page -> how many explorables it holds
EXPLORABLES = {"04_backward_pass": 1, "05_gradient_descent": 1, "06_vanishing_exploding": 1, "07_sgd": 1,
               "08_momentum": 1, "10_autodiff": 1}
PAGE_BUDGET = 2_000_000   # bytes the explorables may add to one page
SITE_BUDGET = 60_000_000  # bytes of the whole built site


def explorables_in(html: str) -> list[dict]:
    """The data (frames and value names) of every explorable in a page's HTML."""
    found = re.findall(r'<script type="application/json" class="explorable-data">(.*?)</script>', html, re.S)
    return [json.loads(text.replace("<\\/", "</")) for text in found]


def test_every_explorable_is_there_with_distinct_frames_and_within_its_weight(built_book):
    html_dir = built_book / "_build" / "html"
    for page, count in EXPLORABLES.items():
        html = (html_dir / "book" / f"{page}.html").read_text(encoding="utf-8")
        found = explorables_in(html)
        assert len(found) == count, f"{page}: {len(found)} explorables, expected {count}"
        weight = sum(len(m) for m in re.findall(r'<figure class="explorable".*?</figure>', html, re.S))
        assert weight <= PAGE_BUDGET, f"{page}: explorables weigh {weight / 1e6:.2f} MB (budget 2 MB)"
        for data in found:
            frames = list(data["frames"].values())
            assert len(frames) >= 2 and len(set(frames)) == len(frames), \
                f"{page}: {len(frames) - len(set(frames))} of {len(frames)} frames repeat another"
    size = sum(p.stat().st_size for p in html_dir.rglob("*") if p.is_file())
    assert size <= SITE_BUDGET, f"the site weighs {size / 1e6:.1f} MB (budget 60 MB)"


@pytest.fixture(scope="module")
def offline_browser():
    driver = headless_chromium("1280,1200", "--allow-file-access-from-files", logs=True)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
    yield driver
    driver.quit()


def shown(driver, root):
    return driver.execute_script(
        "const r = arguments[0]; return [r.querySelector('img').src.length + ':' + r.querySelector('img').src"
        ".slice(-64), Array.from(r.querySelectorAll('output')).map(o => o.textContent)]", root)


@pytest.mark.parametrize("page", sorted(EXPLORABLES))
def test_explorable_responds_offline(built_book, offline_browser, page, tmp_path):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    driver = offline_browser
    driver.get_log("performance")  # forget earlier pages' requests
    url = (built_book / "_build" / "html" / "book" / f"{page}.html").as_uri()
    driver.get(url)
    roots = driver.find_elements("css selector", "figure.explorable")
    assert len(roots) == EXPLORABLES[page], f"{page}: {len(roots)} explorables on the page"
    for root in roots:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", root)
        for field in root.find_elements("css selector", "[data-control]"):
            before = shown(driver, root)
            if field.tag_name == "select":
                choice = Select(field)
                choice.select_by_index((int(field.get_attribute("value")) + 1) % len(choice.options))
            elif root.find_elements("css selector", next_button := (
                    f'[data-step="1"][data-for="{field.get_attribute("data-control")}"]')):
                root.find_element("css selector", next_button).click()
            else:
                field.send_keys(Keys.ARROW_RIGHT if field.get_attribute("value") != field.get_attribute("max")
                                else Keys.ARROW_LEFT)
            after = shown(driver, root)
            assert after[0] != before[0], f"{page}: moving a control did not change the frame"
            assert after[1] != before[1], f"{page}: moving a control did not change the value shown"
        driver.save_screenshot(str(tmp_path / f"{page}.png"))
    requests = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
    urls = {m["params"]["request"]["url"] for m in requests if m.get("method") == "Network.requestWillBeSent"}
    outside = sorted(u for u in urls if not u.startswith(("file:", "data:")))
    assert not outside, f"{page}: requests leaving the page: {outside[:5]}"
    # the explorables' inline script names itself explorable-<name>.js (a sourceURL comment) in the console
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "explorable-" in e["message"]]
    assert not errors, f"{page}: console errors from the explorables' script: {errors}"
