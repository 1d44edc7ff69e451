"""The proof that grading is right, under nbgrader's real `autograde`, for every exercise in solutions/.

For each assignment, ONE `nbgrader autograde` call grades: the solution (must get full marks), the untouched
student notebook (must get zero), and every plausible wrong answer in tests/wrong_answers/<assignment>.py (each
must lose the points of the tasks it names).  Chapter 1 also carries the submissions that attack the grader
itself: a notebook that monkeypatches numpy and nnlib, one that hangs, one that kills its own kernel.
"""
from __future__ import annotations

import pytest

import grading_harness as H

ASSIGNMENTS = H.ASSIGNMENTS

# A student who makes the visible checks and nnlib agree with a wrong answer, instead of fixing it.
CHEATING_PREAMBLE = """
import numpy as np
import nnlib
np.allclose = lambda *a, **k: True          # every visible assert now passes
np.isclose = lambda *a, **k: np.True_
np.testing.assert_allclose = lambda *a, **k: None
"""

CH01_EXTRA = {
    # Wrong answers everywhere, plus numpy's comparisons and nnlib's reference replaced by the wrong answers.
    "cheat_monkeypatch": dict(
        answers={
            "sigmoid": CHEATING_PREAMBLE + "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(z))\n"
                       "nnlib.sigmoid = sigmoid\nnnlib.activations.sigmoid = sigmoid\n",
            "sigmoid_grad": "def sigmoid_grad(z):\n    return np.full(np.shape(z), 0.25)\n"
                            "nnlib.sigmoid_grad = sigmoid_grad\n",
            "tanh_grad": "def tanh_grad(z):\n    return 1.0 - np.tanh(z)\n",
            "relu": "def relu(z):\n    return np.abs(z)\ndef relu_grad(z):\n    return np.ones_like(z)\n"
                    "nnlib.relu = relu\n",
            "neuron_forward": "def neuron_forward(X, w, b, activation):\n    return activation(X @ w)\n"
                              "import nnlib.gradcheck\nnnlib.gradcheck.numerical_gradient = lambda f, x, *a, **k: 0 * x\n",
        },
        expect_max={"test_sigmoid": 0, "test_sigmoid_grad": 0, "test_tanh_grad": 0, "test_relu": 0,
                    "test_neuron_forward": 0},
    ),
    # The visible tests' exact answers hard-coded: passes what the student can see, nothing else.
    "cheat_hardcoded": dict(
        answers={
            "tanh_grad": "def tanh_grad(z):\n    z = np.asarray(z, dtype=float)\n"
                         "    return np.where(np.abs(z) > 10, 0.0, np.where(z == 0, 1.0, 0.5))\n",
        },
        expect_max={"test_tanh_grad": 0},
    ),
    # An endless loop in one cell: that cell times out, the rest of the notebook is still graded.
    "hang": dict(answers={"relu": "while True:\n    pass\n"},
                 expect_max={"test_relu": 0}, expect_full=["test_sigmoid", "test_sigmoid_grad", "test_tanh_grad"]),
    # The kernel killed mid-notebook: earlier tests keep their points, the tests that never ran get zero.
    "kernel_exit": dict(answers={"tanh_grad": "import os\nos._exit(1)\n"},
                        expect_max={"test_tanh_grad": 0, "test_relu": 0, "test_neuron_forward": 0},
                        expect_full=["test_sigmoid", "test_sigmoid_grad"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_solution_blank_and_wrong_answers(assignment, tmp_path):
    solution = H.solution_sources(assignment)
    wrong_answers = H.load_wrong_answers(assignment)
    points = H.grade_cells(H.read(H.REPO / "solutions" / assignment / f"{assignment}.ipynb"))
    assert points, f"{assignment} has no graded test cells"
    for task in points:
        n = sum(task in w.loses for w in wrong_answers)
        assert n >= 3, f"{assignment}: task {task} has {n} wrong answers in its catalogue; the standard asks for 3"

    submissions = {"solution": H.student_notebook(assignment, solution),
                   "untouched": H.student_notebook(assignment, None)}
    for i, wrong in enumerate(wrong_answers):
        submissions[f"wrong{i:02d}"] = H.student_notebook(assignment, H.apply(wrong, solution))
    extra = CH01_EXTRA if assignment == "01_neurons" else {}
    for name, spec in extra.items():
        submissions[name] = H.student_notebook(assignment, {**solution, **spec["answers"]})

    scores = H.autograde(assignment, submissions, tmp_path, cell_timeout=10)
    log = (tmp_path / "autograde.log").read_text()

    missing = sorted(set(submissions) - set(scores))
    assert not missing, f"nbgrader failed to grade {missing}; see the log:\n{log[-4000:]}"

    def report(student):
        return ", ".join(f"{k}={s:g}/{m:g}" for k, (s, m) in scores[student].items())

    full = {k: m for k, (s, m) in scores["solution"].items()}
    assert full == {k: float(v) for k, v in points.items()}
    assert all(s == m for s, m in scores["solution"].values()), f"solution: {report('solution')}\n{log[-4000:]}"
    assert all(s == 0 for s, m in scores["untouched"].values()), f"untouched: {report('untouched')}"

    not_caught = []
    for i, wrong in enumerate(wrong_answers):
        got = scores[f"wrong{i:02d}"]
        for task in wrong.loses:
            score, maximum = got[task]
            if score >= maximum:
                not_caught.append(f"{wrong.name!r} kept full marks on {task} ({report(f'wrong{i:02d}')})")
    assert not not_caught, "wrong answers that kept their points:\n" + "\n".join(not_caught)

    for name, spec in extra.items():
        for task, cap in spec.get("expect_max", {}).items():
            assert scores[name][task][0] <= cap, f"{name}: {task} scored {scores[name][task][0]} > {cap}"
        for task in spec.get("expect_full", []):
            assert scores[name][task][0] == scores[name][task][1], f"{name}: {task} lost points: {report(name)}"
