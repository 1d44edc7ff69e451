"""How fast a class is graded: serial nbgrader calls, one nbgrader call, and `make grade` (sandboxed, all cores).

    .venv/bin/python benchmarks/bench_grading.py [--students 20] [--assignments 01_neurons 04_backward_pass]

A synthetic class per assignment, in a throw-away copy of the course: a mix of correct notebooks (half), wrong ones
(a quarter: one catalogue mistake each), blank ones and broken ones (the kernel killed in the middle).  Each is
graded three ways, measured in one run:

* `serial`: one `nbgrader autograde --student <id>` call per student (what a loop in a shell script does);
* `one call`: one `nbgrader autograde` call for the whole class (nbgrader's own best, one core);
* `make grade`: `python -m grading.classroom` with the sandbox on, two more workers than cores.

All three use the course's configuration (trusted checks; the sandbox unless `--unsafe`).  Prints seconds per
submission and writes benchmarks/grading_results.json.  Not a test: the numbers depend on the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import nbformat  # noqa: E402

import grading_harness as H  # noqa: E402

BIN = Path(sys.executable).parent


def make_class(root: Path, assignment: str, students: int) -> list[str]:
    solution = H.solution_sources(assignment)
    catalogue = H.load_wrong_answers(assignment)
    names = []
    for i in range(students):
        kind = ("correct", "correct", "wrong", "blank", "correct", "correct", "wrong", "broken")[i % 8]
        if kind == "correct":
            nb = H.student_notebook(assignment, solution)
        elif kind == "wrong":
            nb = H.student_notebook(assignment, H.apply(catalogue[i % len(catalogue)], solution))
        elif kind == "blank":
            nb = H.student_notebook(assignment, None)
        else:
            last = list(solution)[-1]
            nb = H.student_notebook(assignment, {**solution, last: "import os\nos._exit(1)\n"})
        name = f"s{i:03d}{kind}"
        folder = root / "submitted" / name / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
        names.append(name)
    return names


def course(tmp: Path, assignment: str, students: int, unsafe: bool):
    root = tmp / f"course-{assignment}"
    if root.exists():
        shutil.rmtree(root)
    (root / "solutions").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "solutions" / assignment, root / "solutions" / assignment)
    env = dict(os.environ, NBGRADER_COURSE_ROOT=str(root), PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    env.pop("NBGRADER_DB_URL", None)
    names = make_class(root, assignment, students)
    extra = ["--TrustedExecute.unsafe_no_sandbox=True"] if unsafe else []
    return root, env, names, extra


def reset(root: Path, env, assignment: str) -> None:
    """A fresh gradebook holding the assignment, and no graded work (not timed)."""
    for path in [root / "autograded", root / "gradebook.db", *root.glob("gradebook.db.backup-*")]:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force"], cwd=root, env=env,
                   check=True, capture_output=True)


def timed(cmd, **kw) -> float:
    start = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--assignments", nargs="+", default=["01_neurons", "04_backward_pass", "08_momentum"])
    parser.add_argument("--serial-students", type=int, default=6,
                        help="students graded one call each (that way is slow: a few are enough to time it)")
    parser.add_argument("--unsafe", action="store_true", help="no sandbox, to measure what the sandbox costs")
    parser.add_argument("--workers", type=int, default=None, help="make grade's worker processes (default: cores)")
    parser.add_argument("--only-make-grade", action="store_true",
                        help="time `make grade` alone (e.g. over all nine exercises, for the class-of-100 figure)")
    args = parser.parse_args()
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.platform(), "cores": os.cpu_count(),
               "students": args.students, "sandbox": not args.unsafe, "assignments": {}}
    print(f"{'assignment':<24} {'serial':>10} {'one call':>10} {'make grade':>11}   seconds per submission")
    with tempfile.TemporaryDirectory() as tmp:
        for assignment in args.assignments:
            root, env, names, extra = course(Path(tmp), assignment, args.students, args.unsafe)
            nbgrader = [str(BIN / "nbgrader"), "autograde", assignment, "--force", *extra]
            serial = one_call = None  # not measured
            if not args.only_make_grade:
                reset(root, env, assignment)
                serial = sum(timed([*nbgrader, f"--student={name}"], cwd=root, env=env)
                             for name in names[:args.serial_students]) / args.serial_students
                reset(root, env, assignment)
                one_call = timed(nbgrader, cwd=root, env=env) / len(names)
            reset(root, env, assignment)
            grade = [str(BIN / "python"), "-m", "grading.classroom", assignment, *(["--unsafe"] if args.unsafe else []),
                     *([f"--workers={args.workers}"] if args.workers else [])]
            classroom = timed(grade, cwd=root, env=env) / len(names)
            results["assignments"][assignment] = {"serial": serial, "one_call": one_call, "make_grade": classroom}
            shown = ["-" if v is None else f"{v:.2f}" for v in (serial, one_call, classroom)]
            print(f"{assignment:<24} {shown[0]:>10} {shown[1]:>10} {shown[2]:>11}")
    per = [v["make_grade"] for v in results["assignments"].values()]
    estimate = 100 * 9 * (sum(per) / len(per)) / 60
    results["minutes_for_100_students_x_9_if_every_exercise_were_like_these"] = estimate
    print(f"100 students x 9 exercises, if every exercise graded like these: {estimate:.1f} min "
          "(measure every exercise with --assignments for the real figure)")
    name = "grading_results_unsafe.json" if args.unsafe else "grading_results.json"
    if args.only_make_grade:
        name = name.replace(".json", "_all_exercises.json")
    out = REPO / "benchmarks" / name
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
