from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# tests/ helpers (grading_harness) importable from every test module
sys.path.insert(0, str(Path(__file__).resolve().parent))

REPO = Path(__file__).resolve().parents[1]


def _checkout_copy(dest: Path) -> Path:
    """A clean copy of the repository: the files git tracks (as they are in the working tree), nothing else."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return dest


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """Build the website from a clean copy of the checkout, once per test run: the first xdist worker that needs
    it builds it (the others wait on a lock and use the same copy), so the build costs its 2-3 minutes once.

    Returns the copy's root; the site is in <root>/_build/html. For a quick local run of the site and kit tests
    against a build you already have, set REUSE_BUILD=<a course root with a finished `make book`> (never in CI).
    """
    import fcntl

    if os.environ.get("REUSE_BUILD") and not os.environ.get("CI"):
        return Path(os.environ["REUSE_BUILD"]).resolve()
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # one folder per run, all workers
    root, done = shared / "built-book", shared / "built-book.log"
    with open(shared / "built-book.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            _checkout_copy(root)
            result = subprocess.run([sys.executable, str(root / "tools" / "build_book.py")], cwd=root,
                                    capture_output=True, text=True)
            log = result.stdout + result.stderr
            done.write_text(f"exit {result.returncode}\n{log}")
        status, log = done.read_text().split("\n", 1)
    if status != "exit 0":
        pytest.fail(f"the book did not build from a clean checkout:\n{log[-6000:]}")
    return root
