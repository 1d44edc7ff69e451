"""The student kit: what it holds, its one command on an empty folder, and its JupyterLab in a real browser.

The kit is made by the book's build (tools/make_kit.py) from a clean checkout (the `built_book` fixture). Under CI a
missing browser fails the browser test; elsewhere it skips and says how to install it. Set KIT_SCREENSHOTS=<dir> to
keep the browser test's screenshots.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest

from test_site_browser import CHROMEDRIVER, CHROMIUM, INSTALL_HINT, headless_chromium

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]

REPO = Path(__file__).resolve().parents[1]
KIT_NAME = "backprop-course-kit"
FORBIDDEN_MARKERS = ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]
STUBS = ("YOUR CODE HERE", "YOUR ANSWER HERE")


@pytest.fixture(scope="module")
def kit_zip(built_book) -> Path:
    path = built_book / "_build" / "html" / "course-kit.zip"
    assert path.exists(), "the book's build made no course-kit.zip at the site's root"
    return path


def test_kit_holds_what_a_student_needs_and_nothing_of_the_instructor(kit_zip):
    with zipfile.ZipFile(kit_zip) as archive:
        names = archive.namelist()
        assert all(name.startswith(KIT_NAME + "/") for name in names), "the kit unzips into one folder"
        files = {name[len(KIT_NAME) + 1:]: archive.read(name) for name in names if not name.endswith("/")}
    for needed in ["README.md", "start.py", "requirements.txt", "pyproject.toml", "nbgrader_config.py",
                   "nnlib/__init__.py"]:
        assert needed in files, f"the kit has no {needed}"
    exercises = sorted(p.relative_to(REPO).as_posix() for p in REPO.glob("exercises/*/*.ipynb"))
    chapters = sorted(f"chapters/{p.stem}.ipynb" for p in REPO.glob("book/[0-9][0-9]_*.md"))
    for name in exercises + chapters:
        assert name in files, f"the kit has no {name}"
    for name in exercises:  # exactly the student versions nbgrader made
        assert files[name] == (REPO / name).read_bytes(), f"{name} in the kit differs from exercises/"
    for name, data in files.items():
        parts = Path(name).parts
        assert parts[0] not in {"solutions", "grading", "submitted", "autograded", "feedback"}, name
        assert not name.endswith(".db") and "gradebook" not in name, f"instructor file in the kit: {name}"
        text = data.decode("utf-8", errors="replace")
        assert "(nb, rng)" not in text and "from grading" not in text, f"{name} looks like a trusted check module"
        for marker in FORBIDDEN_MARKERS:
            assert marker not in text, f"{name} holds '{marker}'"
        if name.endswith(".ipynb"):
            for cell in json.loads(text)["cells"]:
                grading = cell.get("metadata", {}).get("nbgrader", {})
                source = "".join(cell["source"])
                if grading.get("solution"):
                    assert any(stub in source for stub in STUBS), f"{name}: a solution cell holds an answer"
    requirements = files["requirements.txt"].decode()
    assert "==" in requirements and "nbgrader" in requirements and "jupyter-book" not in requirements


def test_downloadable_chapters_are_plain_runnable_notebooks(built_book):
    """What the site's 'download this chapter as a notebook' links serve: outputs, no MyST markup, a first line
    saying how to get nnlib."""
    import hashlib

    html = built_book / "_build" / "html"

    def download(source):  # where Sphinx puts the file a {download} link names
        return html / "_downloads" / hashlib.md5(source.encode()).hexdigest() / Path(source).name

    for page in sorted(REPO.glob("book/[0-9][0-9]_*.md")):
        name = f"{page.stem}.ipynb"
        student = download(f"exercises/{page.stem}/{name}")
        assert student.read_bytes() == (REPO / "exercises" / page.stem / name).read_bytes(), \
            f"the exercise page's download is not the student notebook {name}"
        chapter = download(f"book/_notebooks/{name}")
        assert chapter.exists(), f"the site offers no {name}"
        assert chapter.read_bytes() == (html / "_sources" / "book" / name).read_bytes(), \
            f"the theme's .ipynb download of {name} is not the runnable chapter"
        nb = nbformat.read(chapter, as_version=4)
        assert "nnlib" in nb.cells[0].source and "kit" in nb.cells[0].source, f"{name}: first cell"
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        for markup in ["{glue", "{download}", "{doc}", "```{", ":::{"]:
            assert markup not in markdown, f"{name} still shows MyST markup {markup}"
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert any(c.outputs for c in code), f"{name} has no outputs"
        assert not any("myst_nb" in c.source for c in code if "except ImportError" not in c.source), name


def student_env() -> dict:
    """The environment of a student's shell: none of this repository's virtualenv or import paths."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH"}}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(str(REPO)))
    return env


@pytest.fixture(scope="module")
def kit_env(kit_zip, tmp_path_factory):
    """The kit unzipped into an empty folder and set up by its README's one command (with --setup-only)."""
    python = shutil.which("python3")
    folder = tmp_path_factory.mktemp("student")
    with zipfile.ZipFile(kit_zip) as archive:
        archive.extractall(folder)
    kit = folder / KIT_NAME
    readme = (kit / "README.md").read_text()
    assert "python3 start.py" in readme, "the kit's README does not give its one command"
    start = time.perf_counter()
    result = subprocess.run([python, "start.py", "--setup-only"], cwd=kit, capture_output=True, text=True,
                            timeout=900, env=student_env())
    seconds = time.perf_counter() - start
    assert result.returncode == 0, f"python3 start.py failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    print(f"the kit's one command set up an empty folder in {seconds:.0f} s")
    return kit


def kit_python(kit: Path) -> str:
    return str(kit / ".venv" / "bin" / "python")


def test_the_kit_environment_runs_a_chapter_and_validates_an_exercise(kit_env, tmp_path):
    python = kit_python(kit_env)
    probe = subprocess.run([python, "-c", "import nnlib, importlib.util as u; print(nnlib.__file__); "
                            "print(u.find_spec('myst_nb') is None)"], capture_output=True, text=True, check=True,
                           cwd=tmp_path, env=student_env())
    assert str(kit_env / "nnlib") in probe.stdout and probe.stdout.split()[-1] == "True", probe.stdout
    # a chapter runs top to bottom (without the book's tools)
    chapter = "04_backward_pass.ipynb"
    run = subprocess.run([python, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", chapter,
                          "--output", str(tmp_path / chapter)], cwd=kit_env / "chapters",
                         capture_output=True, text=True, timeout=300, env=student_env())
    assert run.returncode == 0, run.stderr[-3000:]
    # Validate (from the kit's folder, as its README says): one line per task, first; an answer passes
    exercise = kit_env / "exercises" / "04_backward_pass"
    untouched = subprocess.run([python, "-m", "nbgrader", "validate", f"{exercise}/04_backward_pass.ipynb"],
                               cwd=kit_env,
                               capture_output=True, text=True, timeout=300, env=student_env())
    lines = [line for line in untouched.stdout.splitlines() if line.strip()]
    tasks = [line for line in lines if line.startswith("Task ")]
    assert len(tasks) == 4 and lines[:8:2] == tasks, untouched.stdout[:2000]
    assert all(line.endswith(": FAILED") for line in tasks), tasks
    assert all("not answered yet" in line for line in lines[1:8:2]), lines[:8]
    shutil.copyfile(REPO / "solutions" / "04_backward_pass" / "04_backward_pass.ipynb", exercise / "mine.ipynb")
    answered = subprocess.run([python, "-m", "nbgrader", "validate", f"{exercise}/mine.ipynb"], cwd=kit_env,
                              capture_output=True, text=True, timeout=300, env=student_env())
    assert "Success! Your notebook passes all the tests." in answered.stdout, answered.stdout[-2000:]
    assert sum(line.endswith(": passed") for line in answered.stdout.splitlines()) == 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def kit_lab(kit_env):
    """The kit's JupyterLab, started by the kit's own command."""
    if not (CHROMIUM and CHROMEDRIVER):
        message = f"headless Chromium/chromedriver not found; {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # a chapter as MyST markdown, as a student who cloned the book's sources would have it
    shutil.copyfile(REPO / "book" / "01_neurons.md", kit_env / "chapters" / "01_neurons.md")
    port, token = free_port(), "kit-test"
    lab = subprocess.Popen([shutil.which("python3"), "start.py", "--no-browser", f"--ServerApp.port={port}",
                            f"--IdentityProvider.token={token}"], cwd=kit_env, stdout=subprocess.DEVNULL, env=student_env(),
                           stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if lab.poll() is not None:
                pytest.fail(f"the kit's JupyterLab stopped: {lab.stderr.read()[-3000:]}")
            time.sleep(0.5)
    yield url, token
    lab.terminate()
    try:
        lab.wait(timeout=20)
    except subprocess.TimeoutExpired:
        lab.kill()


@pytest.fixture(scope="module")
def lab_browser():
    driver = headless_chromium("1280,1000")
    yield driver
    driver.quit()


def wait_until(driver, script, timeout=60, what="the page"):
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.25).until(lambda d: d.execute_script(script))
    except Exception as error:  # noqa: BLE001 (say what did not happen)
        raise AssertionError(f"timed out waiting for {what}: {script}") from error


def screenshot(driver, name, tmp_path):
    folder = Path(os.environ.get("KIT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / name))


CELL_WITH = """return Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell'))
                .find(c => c.querySelector('.cm-content') &&
                           c.querySelector('.cm-content').textContent.includes(arguments[0]))"""


def run_cell(driver, text):
    """Click into the code cell whose source holds text and run it (Shift+Enter); the next cell becomes active."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    cell = driver.execute_script(CELL_WITH, text)
    assert cell is not None, f"no code cell holds {text!r}"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    cell.find_element("css selector", ".cm-content").click()
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    return cell


def test_kit_jupyterlab_in_a_browser(kit_lab, lab_browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    url, token = kit_lab
    driver = lab_browser
    # no instructor pages: the server answers 404 for the Formgrader, the page lists no nbgrader menu
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{url}/formgrader?token={token}", timeout=10)
    driver.get(f"{url}/lab/tree/exercises/04_backward_pass/04_backward_pass.ipynb?token={token}")
    wait_until(driver, "return document.querySelector('.validate-button')", what="the Validate button")
    wait_until(driver, "return document.querySelectorAll('.jp-Notebook .jp-CodeCell .cm-content').length >= 9",
               what="the exercise's cells")
    menus = driver.execute_script(
        "return Array.from(document.querySelectorAll('.lm-MenuBar-itemLabel')).map(e => e.textContent)")
    assert "Nbgrader" not in menus and "File" in menus, menus
    page = driver.execute_script("return document.body.innerText")
    assert "Formgrader" not in page and "Create Assignment" not in page
    # answer task 2 through the editor, run it and its test cell
    wait_until(driver, "return document.querySelector('.jp-Notebook-ExecutionIndicator, .jp-KernelStatus') "
                       "&& !document.body.innerText.includes('Kernel starting')", what="the kernel")
    run_cell(driver, "def numerical_gradient")
    cell = driver.execute_script(CELL_WITH, "def sigmoid_backward")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    cell.find_element("css selector", ".cm-content").click()
    keys = ActionChains(driver).key_down(Keys.CONTROL).send_keys(Keys.END).key_up(Keys.CONTROL)
    keys.key_down(Keys.SHIFT).send_keys(Keys.HOME).key_up(Keys.SHIFT)
    keys.send_keys("return dout * cache * (1 - cache)").perform()
    assert "return dout * cache * (1 - cache)" in cell.text
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).send_keys(Keys.ENTER).key_up(Keys.SHIFT)\
        .perform()
    wait_until(driver, "return document.body.innerText.includes('Task 2: the visible checks passed')",
               what="task 2's pass line")
    screenshot(driver, "kit-exercise.png", tmp_path)
    # Validate: the dialog starts with one line per task
    driver.find_element("css selector", ".validate-button").click()
    text = wait_until(driver, "const d = document.querySelector('.jp-Dialog');"
                              "return d && d.innerText.includes('Task 1') && d.innerText", timeout=120,
                      what="Validate's dialog")
    screenshot(driver, "kit-validate.png", tmp_path)
    body = text[text.index("Summary"):]
    tasks = [line for line in body.splitlines() if line.startswith("Task ")][:4]
    assert [line.split(" — ")[0] for line in tasks] == [f"Task {k}" for k in (1, 2, 3, 4)], body[:2000]
    assert tasks[1].endswith(": passed") and tasks[0].endswith(": FAILED"), tasks
    driver.find_element("css selector", ".jp-Dialog .jp-mod-accept").click()
    # a chapter written as MyST markdown opens as a notebook
    driver.get(f"{url}/lab/tree/chapters/01_neurons.md?reset&token={token}")
    current = ("const tab = document.querySelector('.lm-DockPanel-tabBar .lm-mod-current');"
               "const widget = document.querySelector('.jp-MainAreaWidget:not(.lm-mod-hidden)');"
               "return tab && widget && tab.innerText.includes('01_neurons.md') && widget.className")
    classes = wait_until(driver, current, what="01_neurons.md opened")
    assert "jp-NotebookPanel" in classes and "jp-FileEditor" not in classes, classes
    wait_until(driver, "return document.querySelector('.jp-MainAreaWidget:not(.lm-mod-hidden) .jp-MarkdownCell')",
               what="the chapter's cells")
    screenshot(driver, "kit-chapter-md.png", tmp_path)


def test_the_site_offers_the_kit_on_its_front_page_and_every_exercise_page(built_book):
    html = built_book / "_build" / "html"
    pages = [html / "book" / "intro.html", html / "book" / "how_to_use.html"]
    pages += sorted(html.glob("exercises/*/*.html"))
    assert len(pages) >= 11
    for page in pages:
        text = page.read_text(encoding="utf-8")
        links = [part.split('"', 1)[0] for part in text.split('href="')[1:] if "course-kit.zip" in part[:80]]
        assert links, f"{page.relative_to(html)} does not offer the student kit"
        for link in links:
            assert (page.parent / link).resolve() == (html / "course-kit.zip").resolve(), (page, link)
