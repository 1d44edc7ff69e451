"""Grading a whole class with `make grade` (grading/classroom.py): sandboxed kernels, all cores, nothing lost.

One run grades a class of honest, wrong, blank and hostile notebooks.  Honest grades come out intact and correct,
no hostile notebook gains a point it did not earn or reads what it must not, each failure has a readable reason,
and the gradebook passes the integrity check.  Also: grading refuses to run unsandboxed unless told to, and exercise
9's capstone built on nnlib instead of the student's own functions loses that task (nnlib cannot be imported there).
"""
from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest

import grading_harness as H
from grading.classroom import grade_class

A = "04_backward_pass"
T1, T2, T3, T4 = "test_dense_backward", "test_sigmoid_backward", "test_relu_backward", "test_two_layer_loss_and_grads"
SECRET = "instructor-secret-7f3a"
BLANK = "# YOUR CODE HERE\nraise NotImplementedError()"

WIPE_GRADEBOOKS = """
import os, glob
wiped = []
here = os.getcwd()
while True:
    for path in glob.glob(os.path.join(here, "*.db")) + glob.glob(os.path.join(here, "*", "*.db")):
        try:
            open(path, "w").close(); wiped.append(path)
        except OSError as exc:
            print("could not wipe", path, exc)
    if here == "/":
        break
    here = os.path.dirname(here)
print("wiped", wiped)
"""
READ_SECRETS = """
import os
for package in ("nnlib", "grading"):
    try:
        __import__(package)
        print("IMPORTED", package)
    except ImportError as exc:
        print("cannot import", package, exc)
for path in [{checks!r}, {secret!r}, "/root/.bashrc", os.path.expanduser("~/.ssh/id_rsa")]:
    try:
        print("READ", path, open(path).read()[:200])
    except OSError as exc:
        print("could not read", path, exc)
"""
OPEN_SOCKET = """
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"stolen")
    print("CONNECTED")
except OSError as exc:
    print("no network:", exc)
"""
FORK_BOMB = """
import os
children = 0
try:
    while True:
        if os.fork() == 0:
            import time
            time.sleep(600)
            os._exit(0)
        children += 1
except OSError as exc:
    print("fork stopped after", children, exc)
"""
MEMORY_BOMB = """
try:
    hog = bytearray(30 * 2**30)
except MemoryError:
    print("MemoryError: 30 GB refused")
"""
FILL_DISK = """
import os
written = 0
for target in ["/tmp/fill", "fill_here"]:
    try:
        with open(target, "wb") as f:
            while written < 2 * 2**30:
                f.write(b"x" * 2**20); f.flush(); written += 2**20
    except OSError as exc:
        print("stopped after", written // 2**20, "MB:", exc)
"""


def _notebook(answers):
    return H.student_notebook(A, answers)


@pytest.fixture(scope="module")
def local_server():
    """A TCP server on this machine that a sandboxed kernel must not reach."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    received = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                received.append(conn.recv(100))
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()


def _course(tmp_path: Path, assignment: str = A) -> Path:
    root = tmp_path / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copy(H.REPO / "nbgrader_config.py", root)
    shutil.copytree(H.REPO / "solutions" / assignment, root / "solutions" / assignment)
    (root / "instructor_notes.txt").write_text(SECRET)
    return root


def _run(root: Path, *args, path=None):
    env = dict(os.environ, NBGRADER_COURSE_ROOT=str(root), PATH=path or f"{H.BIN}{os.pathsep}{os.environ['PATH']}")
    env.pop("NBGRADER_DB_URL", None)
    return subprocess.run([str(H.BIN / "python"), *args], cwd=root, env=env, capture_output=True, text=True)


def _submit(root: Path, submissions: dict, assignment: str = A):
    for student, nb in submissions.items():
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")


@pytest.mark.slow
def test_a_class_with_hostile_notebooks(tmp_path, local_server, monkeypatch):
    port, received = local_server
    root = _course(tmp_path)
    gen = _run(root, "-m", "nbgrader", "generate_assignment", A, "--force")
    assert gen.returncode == 0, gen.stderr[-2000:]
    solution = H.solution_sources(A)
    catalogue = {w.name: w for w in H.load_wrong_answers(A)}
    checks = str(root / "solutions" / A / "checks.py")
    first = "dense_backward"
    attack = {
        "wipe_gradebook": WIPE_GRADEBOOKS,
        "read_secrets": READ_SECRETS.format(checks=checks, secret=str(root / "instructor_notes.txt")),
        "open_socket": OPEN_SOCKET.format(port=port),
        "fork_bomb": FORK_BOMB,
        "memory_bomb": MEMORY_BOMB,
        "fill_disk": FILL_DISK,
        "flood": "print('x' * 30_000_000)\n",
    }
    submissions = {f"honest{i}": _notebook(solution) for i in range(3)}
    submissions["blank"] = _notebook(None)
    wrong = catalogue["dense_backward: dW = dout.T @ x (transposed; right shape only for square W)"]
    submissions["wrong_transposed"] = _notebook(H.apply(wrong, solution))
    for name, code in attack.items():  # each attack in the first answer cell, then honest answers
        submissions[name] = _notebook({**solution, first: code + "\n" + solution[first]})
    submissions["blank_wiper"] = _notebook({k: WIPE_GRADEBOOKS + BLANK for k in solution})
    submissions["endless_loop"] = _notebook({**solution, first: "while True:\n    pass\n"})
    submissions["killed_kernel"] = _notebook({**solution, "relu_backward": "import os\nos._exit(1)\n"})
    _submit(root, submissions)

    monkeypatch.chdir(root)
    monkeypatch.setenv("NBGRADER_COURSE_ROOT", str(root))
    monkeypatch.setenv("PATH", f"{H.BIN}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("NBGRADER_DB_URL", raising=False)
    (root / "nbgrader_config.py").write_text((root / "nbgrader_config.py").read_text()
                                             + "\nc.Execute.timeout = 8\nc.TrustedExecute.question_timeout = 5\n")
    out = io.StringIO()
    summary = grade_class(root, A, workers=2, export=str(root / "grades.csv"), out=out)
    report = out.getvalue()
    sys.stdout.write(report)

    # points out of 10: T1 3, T2 2, T3 2, T4 3
    expected = {name: 10.0 for name in submissions}
    expected.update(blank=0.0, blank_wiper=0.0, wrong_transposed=7.0, endless_loop=7.0, killed_kernel=5.0)
    points = {student: pts for student, pts, _, _ in summary["rows"]}
    assert points == expected, report
    notes = {student: notes for student, _, _, notes in summary["rows"]}
    assert "timed out" in notes["endless_loop"] and "kernel died" in notes["killed_kernel"], report
    assert "memory limit" in notes["memory_bomb"], report
    for name in ("fill_disk", "fork_bomb", "open_socket"):
        assert "tried to leave the sandbox" in notes[name], report
    assert summary["lost"].get(T1) == 4 and summary["mistakes"][T1].get("dout.T @ x") == 1, report  # named
    assert not summary["problems"], report                # the gradebook is intact, no earlier grade changed
    assert received == [], "a sandboxed kernel reached a server on this machine"
    for student in submissions:                           # nothing secret reached any notebook's outputs
        graded = (root / "autograded" / student / A / f"{A}.ipynb").read_text()
        leaked = [s for s in (SECRET, "def test_dense_backward", "IMPORTED nnlib", "IMPORTED grading") if s in graded]
        assert not leaked, (student, leaked)
    assert (root / "gradebook.db").stat().st_size > 0 and len((root / "grades.csv").read_text().splitlines()) == 1 + len(submissions)


@pytest.mark.slow
def test_grading_refuses_without_the_sandbox_unless_told(tmp_path):
    root = _course(tmp_path)
    assert _run(root, "-m", "nbgrader", "generate_assignment", A, "--force").returncode == 0
    _submit(root, {"ada": _notebook(H.solution_sources(A))})
    no_bwrap = tmp_path / "bin"                     # a PATH with everything the grader uses but bwrap
    no_bwrap.mkdir()
    for tool in ("prlimit", "setpriv", "git", "sqlite3"):
        found = shutil.which(tool)
        if found:
            (no_bwrap / tool).symlink_to(found)
    path = f"{H.BIN}{os.pathsep}{no_bwrap}"

    refused = _run(root, "-m", "grading.classroom", A, path=path)
    assert refused.returncode != 0 and "bubblewrap" in refused.stderr and "unsafe" in refused.stderr, refused.stderr
    plain = _run(root, "-m", "nbgrader", "autograde", A, path=path)   # nbgrader's own command refuses too
    assert "bubblewrap" in plain.stdout + plain.stderr
    assert not (root / "autograded" / "ada" / A / f"{A}.ipynb").exists()

    unsafe = _run(root, "-m", "grading.classroom", A, "--unsafe", path=path)
    assert unsafe.returncode == 0, unsafe.stdout + unsafe.stderr
    assert "NO SANDBOX" in unsafe.stdout and "10/10" in unsafe.stdout, unsafe.stdout


CAPSTONE = "09_practical_tips"
CAPSTONE_TASK = "test_train_digits_classifier"
# Exercise 9's capstone with nnlib's layers and loss instead of the student's own (exercise 7's and 8's kept): it
# trains exactly like the solution wherever nnlib can be imported, as on a student's machine with the kit.
NNLIB_IMPORT = ("from nnlib import (dense_backward, dense_forward, relu_backward, relu_forward,\n"
                "                   softmax_cross_entropy_backward, softmax_cross_entropy_forward)\n\n\n")


@pytest.mark.slow
def test_a_capstone_built_on_nnlib_loses_the_capstone_only(tmp_path, monkeypatch):
    """The capstone must be the student's own code: graded in the sandbox, an answer that imports nnlib gets 0 for
    that task (and full marks elsewhere), although the in-process replay, which can import nnlib, passes it."""
    from grading.replay import replay, with_answers
    from grading.runner import checks_for

    solution = H.solution_sources(CAPSTONE)
    cell = CAPSTONE_TASK.removeprefix("test_")
    uses_nnlib = {**solution, cell: NNLIB_IMPORT + solution[cell][solution[cell].index("def iterate_minibatches"):]}
    source = H.read(H.REPO / "solutions" / CAPSTONE / f"{CAPSTONE}.ipynb")
    unsandboxed = replay(with_answers(source, uses_nnlib), checks_for(H.REPO / "solutions", CAPSTONE), CAPSTONE)
    assert all(v.passed for v in unsandboxed.values()), {k: v.message for k, v in unsandboxed.items()}

    root = _course(tmp_path, CAPSTONE)
    gen = _run(root, "-m", "nbgrader", "generate_assignment", CAPSTONE, "--force")
    assert gen.returncode == 0, gen.stderr[-2000:]
    _submit(root, {"honest": H.student_notebook(CAPSTONE, solution),
                   "uses_nnlib": H.student_notebook(CAPSTONE, uses_nnlib)}, CAPSTONE)
    monkeypatch.chdir(root)
    monkeypatch.setenv("NBGRADER_COURSE_ROOT", str(root))
    monkeypatch.setenv("PATH", f"{H.BIN}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("NBGRADER_DB_URL", raising=False)
    out = io.StringIO()
    summary = grade_class(root, CAPSTONE, workers=2, out=out)
    report = out.getvalue()
    sys.stdout.write(report)

    points = {student: pts for student, pts, _, _ in summary["rows"]}
    assert points == {"honest": 10.0, "uses_nnlib": 7.0}, report      # Task 4 is worth 3 of the 10 points
    assert summary["lost"] == {CAPSTONE_TASK: 1} and not summary["problems"], report
    graded = nbformat.read(root / "autograded" / "uses_nnlib" / CAPSTONE / f"{CAPSTONE}.ipynb", as_version=4)
    errors = [o.get("evalue", "") for c in graded.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert any("No module named 'nnlib'" in e for e in errors), errors   # the student sees why
