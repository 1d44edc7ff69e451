"""The proof that grading is right: the trusted checks alone decide, for every exercise in solutions/.

* Every graded test cell has a check in solutions/<a>/checks.py (and nothing else is there); no hidden tests are
  left in notebooks.
* The fast replay (in this process, seconds): the solution passes every task, the untouched exercise none, and
  every entry of tests/wrong_answers/<a>.py fails its own task while every other task passes.
* nbgrader's real `autograde`, with the visible asserts removed from every test cell: the same, in ONE call per
  exercise.
* Hostile submissions, graded beside an honest one in one `autograde` call: none gains a point it did not earn.
"""
from __future__ import annotations

import pytest

import grading_harness as H
from grading.replay import replay, with_answers
from grading.runner import checks_for, is_graded_test

ASSIGNMENTS = H.ASSIGNMENTS
# the replay of exercise 9 trains the capstone's classifier once per catalogue entry (~50 s): slow
REPLAYS = [pytest.param(a, marks=pytest.mark.slow) if a == "09_practical_tips" else a for a in ASSIGNMENTS]


def _tasks(assignment):
    return H.grade_cells(H.read(H.REPO / "solutions" / assignment / f"{assignment}.ipynb"))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_task_has_a_trusted_check_and_no_hidden_tests_remain(assignment):
    checks = checks_for(H.REPO / "solutions", assignment)
    assert set(checks) == set(_tasks(assignment)), f"{assignment}: checks {sorted(checks)} vs tasks"
    for folder in ("solutions", "exercises"):
        nb = H.read(H.REPO / folder / assignment / f"{assignment}.ipynb")
        for cell in nb.cells:
            assert "HIDDEN TESTS" not in cell.source and "judge(" not in cell.source, (folder, cell.source[:200])
            if is_graded_test(cell):
                assert "visible checks passed" in cell.source, f"{assignment}: a test cell ends without saying so"


@pytest.mark.parametrize("assignment", REPLAYS)
def test_replay_trusted_checks_alone(assignment):
    tasks = _tasks(assignment)
    checks = checks_for(H.REPO / "solutions", assignment)
    source = H.read(H.REPO / "solutions" / assignment / f"{assignment}.ipynb")
    solution = H.solution_sources(assignment)
    catalogue = H.load_wrong_answers(assignment)
    for task in tasks:
        n = sum(w.loses == [task] for w in catalogue)
        assert n >= 3, f"{assignment}: task {task} has {n} wrong answers in its catalogue; the standard asks for 3"
    for wrong in catalogue:
        assert len(wrong.loses) == 1 and wrong.loses[0] in tasks, f"{wrong.name!r}: loses must name one task"

    verdicts = replay(with_answers(source, solution), checks, assignment)
    assert all(v.passed for v in verdicts.values()), {k: v.message for k, v in verdicts.items() if not v.passed}
    untouched = replay(H.read(H.REPO / "exercises" / assignment / f"{assignment}.ipynb"), checks, assignment)
    assert set(untouched) == set(tasks) and not any(v.passed for v in untouched.values())

    problems = []
    for wrong in catalogue:
        verdicts = replay(with_answers(source, H.apply(wrong, solution)), checks, assignment)
        lost = sorted(k for k, v in verdicts.items() if not v.passed)
        if lost != wrong.loses:
            problems.append(f"{wrong.name!r}: lost {lost}, should lose exactly {wrong.loses}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_trusted_checks_alone(assignment, tmp_path):
    """nbgrader's real autograde with every visible assert removed: full marks, zero, and every wrong answer
    losing exactly its own task's points."""
    points = _tasks(assignment)
    solution = H.solution_sources(assignment)
    catalogue = H.load_wrong_answers(assignment)
    submissions = {"solution": H.student_notebook(assignment, solution),
                   "untouched": H.student_notebook(assignment, None)}
    for i, wrong in enumerate(catalogue):
        submissions[f"wrong{i:02d}"] = H.student_notebook(assignment, H.apply(wrong, solution))

    scores = H.autograde(assignment, submissions, tmp_path, cell_timeout=10, visible_tests=False)
    log = (tmp_path / "autograde.log").read_text()
    missing = sorted(set(submissions) - set(scores))
    assert not missing, f"nbgrader failed to grade {missing}; see the log:\n{log[-4000:]}"

    def report(student):
        return ", ".join(f"{k}={s:g}/{m:g}" for k, (s, m) in scores[student].items())

    assert {k: m for k, (s, m) in scores["solution"].items()} == {k: float(v) for k, v in points.items()}
    assert all(s == m for s, m in scores["solution"].values()), f"solution: {report('solution')}\n{log[-4000:]}"
    assert all(s == 0 for s, m in scores["untouched"].values()), f"untouched: {report('untouched')}"
    problems = []
    for i, wrong in enumerate(catalogue):
        got = scores[f"wrong{i:02d}"]
        lost = sorted(task for task, (s, m) in got.items() if s < m)
        if lost != wrong.loses:
            problems.append(f"{wrong.name!r}: {report(f'wrong{i:02d}')}; should lose exactly {wrong.loses}")
    assert not problems, "wrong answers graded wrongly:\n" + "\n".join(problems)


# -- hostile submissions -----------------------------------------------------------------------------------------
A = "04_backward_pass"
T1, T2, T3, T4 = "test_dense_backward", "test_sigmoid_backward", "test_relu_backward", "test_two_layer_loss_and_grads"
BLANK = "# YOUR CODE HERE\nraise NotImplementedError()"

PATCH_EVERYTHING = """
import json, base64, runpy, subprocess, numpy as np
np.allclose = lambda *a, **k: True          # every visible assert passes
np.isclose = lambda *a, **k: np.True_
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
runpy.run_path = lambda *a, **k: {"judge": lambda *a, **k: None}   # the old hidden-test bootstrap
json.loads = lambda *a, **k: {"status": "ok", "value": 0.0}
base64.b64decode = lambda *a, **k: b"{}"
subprocess.Popen = None
try:
    import nnlib
    nnlib.dense_backward = lambda dout, cache: (0, 0, 0)
    nnlib.sigmoid = lambda z: z
except ImportError:
    pass
"""
EMPTY_EVERY_LATER_CELL = """
ip = get_ipython()
ip.input_transformers_cleanup.append(lambda lines: [])
ip.input_transformers_post.append(lambda lines: ["pass\\n"])
"""
SILENCE_IPYTHON = """
from IPython.core.interactiveshell import ExecutionResult, ExecutionInfo
ip = get_ipython()
ip.showtraceback = lambda *a, **k: None
ip._showtraceback = lambda *a, **k: None
def _nothing(*a, **k):
    return ExecutionResult(ExecutionInfo("", False, False, False, None))
async def _nothing_async(*a, **k):
    return _nothing()
ip.run_cell = _nothing
ip.run_cell_async = _nothing_async
"""
FORGE_ANSWERS = """
import json, re
ip = get_ipython()
FAKE = json.dumps({"status": "ok", "value": 0.0, "echo": []})
def _forge(lines):
    found = re.search(r"(_grader_agent_[0-9a-f]+)", "".join(lines))
    if not found:
        return lines
    return ["def _opened(comm, msg):\\n",
            "    comm.on_msg(lambda m: comm.send({'reply': FAKE}))\\n",
            f"get_ipython().kernel.comm_manager.register_target({found.group(1)!r}, _opened)\\n"]
ip.input_transformers_post.append(_forge)
"""
LIAR = """
class Anything:
    def __eq__(self, other):
        return True
    __ne__ = lambda self, other: False
    def __array__(self, *a, **k):
        raise TypeError("no")
def dense_backward(dout, cache):
    return Anything(), Anything(), Anything()
"""
HOSTILE = {
    # blank answers, with numpy, nnlib and the standard library patched to make checks pass
    "patched_everything": dict(answers={"dense_backward": PATCH_EVERYTHING + BLANK}, full=[]),
    # an input hook that empties every later cell, test cells included, so that nothing raises
    "input_hook": dict(answers={"dense_backward": EMPTY_EVERY_LATER_CELL}, full=[]),
    # IPython's traceback display and cell execution replaced
    "silenced_ipython": dict(answers={"dense_backward": SILENCE_IPYTHON}, full=[]),
    # questions to the grader's agent answered with made-up replies
    "forged_answers": dict(answers={"dense_backward": FORGE_ANSWERS}, full=[]),
    # an answer object that claims to equal everything
    "liar": dict(answers={"dense_backward": LIAR}, full=[T2, T3, T4]),
    # exiting Python from an answer: the call fails, the kernel lives on (SystemExit is an exception)
    "exits": dict(answers={"dense_backward": "import sys\ndef dense_backward(dout, cache):\n    sys.exit(0)\n",
                           "sigmoid_backward": "def sigmoid_backward(dout, cache):\n    raise SystemExit\n"},
                  full=[T3, T4]),
    # the kernel killed by an answer: the tasks before keep their points, the rest score zero
    "os_exit": dict(answers={"relu_backward": "import os\ndef relu_backward(dout, cache):\n    os._exit(1)\n"},
                    full=[T1, T2]),
    # an endless loop in one answer: that task times out, the rest is graded
    "endless_loop": dict(answers={"sigmoid_backward": "def sigmoid_backward(dout, cache):\n    while True:\n"
                                                      "        pass\n"}, full=[T1, T3, T4]),
    # a flood of output at the top of the notebook and in every call
    "flood": dict(answers={"dense_backward": "print('x' * 20_000_000)\n" + BLANK}, full=[]),
    # test cells rewritten to pass (nbgrader restores them) and test cells deleted (no check, no points)
    "rewritten_tests": dict(answers={}, full=[], sign_flipped=True, rewrite_tests="pass"),
    "deleted_tests": dict(answers={}, full=[], delete_tests=True),
}


def _hostile_notebook(spec):
    solution = H.solution_sources(A)
    answers = dict(solution)
    if spec.get("sign_flipped"):
        answers["dense_backward"] = answers["dense_backward"].replace("return dx, dW, db", "return -dx, -dW, -db")
        answers["sigmoid_backward"] = answers["sigmoid_backward"].replace("return dout *", "return -dout *")
        answers["relu_backward"] = answers["relu_backward"].replace("return dout *", "return -dout *")
        answers["two_layer_loss_and_grads"] = answers["two_layer_loss_and_grads"].replace("dscores /= N",
                                                                                          "dscores /= -N")
    elif not spec["full"]:
        answers = {k: BLANK for k in answers}
    answers.update(spec["answers"])
    nb = H.student_notebook(A, answers)
    if spec.get("rewrite_tests"):
        for cell in nb.cells:
            if is_graded_test(cell):
                cell.source = spec["rewrite_tests"]
    if spec.get("delete_tests"):
        nb.cells = [cell for cell in nb.cells if not is_graded_test(cell)]
    return nb


@pytest.mark.slow
def test_hostile_submissions_gain_nothing(tmp_path):
    submissions = {"honest": H.student_notebook(A, H.solution_sources(A))}
    submissions.update({name: _hostile_notebook(spec) for name, spec in HOSTILE.items()})
    scores = H.autograde(A, submissions, tmp_path, cell_timeout=10, question_timeout=5)
    log = (tmp_path / "autograde.log").read_text()
    assert all(s == m for s, m in scores["honest"].values()), f"honest: {scores['honest']}\n{log[-4000:]}"
    problems = []
    for name, spec in HOSTILE.items():
        if name not in scores:
            problems.append(f"{name}: not graded at all")
            continue
        for task, (score, maximum) in scores[name].items():
            want = maximum if task in spec["full"] else 0.0
            if score != want:
                problems.append(f"{name}: {task} scored {score:g}, should score {want:g}")
    assert not problems, "\n".join(problems) + "\n" + log[-3000:]
