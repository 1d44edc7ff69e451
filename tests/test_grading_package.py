"""The grading package on its own: the wire refuses what is not plain data, the notebook proxy reports what the
notebook did, the checks say what is wrong, and the likely-mistake patterns name the right mistake."""
from __future__ import annotations

import base64
import io
import json
import pickle

import numpy as np
import pytest

from grading import (CheckFailed, Handle, InProcessNotebook, expect_close, expect_gradient, expect_shape,
                     likely_mistake, wire)
from grading.notebook import Call, NoAnswer, StudentRaised
from grading.runner import run_check, seed_for


# -- the wire ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, float("inf"), "text", [1, 2.0], (1, (2, "x")), {"a": 1, 2: [3]}, 1 + 2j,
    np.arange(6.0).reshape(2, 3), np.array([True, False]), np.int64(7), np.float32(1.5), np.zeros((0, 3)),
])
def test_plain_data_crosses_unchanged(value):
    back = wire.decode(wire.loads(wire.dumps(wire.encode(value))))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    else:
        assert back == value or (value != value and back != back)


def test_objects_cross_as_handles_only():
    class Liar:
        def __eq__(self, other):
            return True

    store = []
    tree = wire.encode((Liar(), np.ones(2)), keep=lambda obj: store.append(obj) or len(store) - 1)
    back = wire.decode(wire.loads(wire.dumps(tree)), ref_type=Handle)
    assert isinstance(back[0], Handle) and back[0].ref == 0 and isinstance(store[0], Liar)
    with pytest.raises(wire.WireError):
        wire.encode(Liar())  # the grader itself never sends objects


@pytest.mark.parametrize("tree", [
    {"$": "array", "npy": base64.b64encode(pickle.dumps(np.ones(2))).decode()},   # a pickle, not .npy
    {"$": "array", "npy": "not base64!"},
    {"$": "unknown"},
    {"x": 1},
    {"$": "dict", "items": [[[1], 2]]},                                          # a key that is not plain
    {"$": "handle", "ref": 0, "path": [["call", "x"]]},
])
def test_decoding_refuses_what_is_not_plain_data(tree):
    with pytest.raises(wire.WireError):
        wire.decode(tree)


def test_object_arrays_are_refused_without_unpickling():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    tree = {"$": "array", "npy": base64.b64encode(buffer.getvalue()).decode()}
    with pytest.raises(wire.WireError):
        wire.decode(tree)


def test_deep_nesting_and_huge_answers_are_refused():
    deep = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(wire.WireError):
        wire.decode(deep)
    with pytest.raises(wire.WireError):
        wire.loads("[" * 100000 + "]" * 100000)
    with pytest.raises(wire.WireError):
        wire.loads(json.dumps("x" * (wire.MAX_ANSWER_BYTES + 1)))


# -- asking a notebook -------------------------------------------------------------------------------------------
def notebook(source):
    namespace = {"np": np}
    exec(source, namespace)
    return InProcessNotebook(namespace)


def test_ask_returns_copies_and_catches_in_place_changes():
    nb = notebook("def double(x):\n    return 2 * x\ndef clobber(x):\n    x *= 2\n    return x\n")
    x = np.arange(3.0)
    assert np.array_equal(nb.ask("double", x), 2 * x)
    with pytest.raises(CheckFailed, match="changed its argument #1 in place"):
        nb.ask("clobber", x)
    assert np.array_equal(x, np.arange(3.0))  # the grader's own array is never touched
    assert np.array_equal(nb.ask("clobber", x, check_inputs_unchanged=False), 2 * x)


def test_in_place_changes_inside_dicts_are_caught():
    nb = notebook("def f(p):\n    p['W'] -= 1\n    return 0.0\n")
    with pytest.raises(CheckFailed, match="in place"):
        nb.ask("f", {"W": np.ones(2)})


def test_handles_drive_objects_that_stay_in_the_notebook():
    nb = notebook("class Counter:\n    def __init__(self, start):\n        self.n = start\n"
                  "    def add(self, k):\n        self.n += k\n        return self\n")
    counter = nb.ask("Counter", 5)
    assert isinstance(counter, Handle)
    assert isinstance(nb.ask(counter.attr("add"), 3), Handle)
    assert nb.fetch(counter.attr("n")) == 8
    assert nb.fetch(nb.handle("Counter").attr("__name__")) == "Counter"


def test_what_the_notebook_raises_is_reported_with_the_call():
    nb = notebook("import sys\ndef f(x):\n    raise ValueError('bad shape')\ndef g(x):\n    sys.exit(3)\n")
    with pytest.raises(StudentRaised, match=r"f\(array \(2,\)\) raised ValueError: bad shape"):
        nb.ask("f", np.ones(2))
    with pytest.raises(StudentRaised, match="raised SystemExit"):
        nb.ask("g", 1)
    assert nb.ask_raises("f", 1) == ("ValueError", "bad shape")
    with pytest.raises(CheckFailed, match="defines no 'missing'"):
        nb.ask("missing")


# -- several questions in one round trip ---------------------------------------------------------------------------
def counting(nb):
    """`nb`, counting its round trips in nb.trips."""
    nb.trips, exchange = 0, nb._exchange

    def counted(request):
        nb.trips += 1
        return exchange(request)

    nb._exchange = counted
    return nb


def test_ask_many_answers_in_order_in_one_round_trip():
    nb = counting(notebook("calls = []\ndef f(x, scale=1):\n    calls.append(x)\n"
                           "    return scale * x\n"))
    calls = [Call("f", 1), Call("f", 2.5, scale=2), Call("f", np.arange(3.0))]
    one, two, three = nb.ask_many(calls)
    assert (one, two) == (1, 5.0) and np.array_equal(three, [0.0, 1.0, 2.0]) and nb.trips == 1
    assert list(nb.ask_many([])) == [] and nb.trips == 1  # no questions, no round trip
    assert nb.fetch("calls")[:2] == [1, 2.5]


def test_ask_many_stops_at_the_first_call_that_raises_and_names_it():
    nb = notebook("calls = []\ndef f(x):\n    calls.append(x)\n    if x < 0:\n"
                  "        raise ValueError('negative')\n    return x\n")
    with pytest.raises(StudentRaised, match=r"^f\(-2\) raised ValueError: negative$") as info:
        list(nb.ask_many([Call("f", 1), Call("f", -2), Call("f", 3), Call("f", -4)]))
    assert info.value.index == 1 and info.value.exc_type == "ValueError"
    assert nb.fetch("calls") == [1, -2]  # the calls after it never ran
    # read one by one, the answers before it come first: a check fails where it would asking one by one
    answers = nb.ask_many([Call("f", 5), Call("f", -6), Call("f", 7)])
    assert next(answers) == 5
    with pytest.raises(StudentRaised, match=r"^f\(-6\) raised"):
        next(answers)


def test_ask_many_catches_in_place_changes_call_by_call():
    nb = notebook("def clobber(x):\n    x *= 2\n    return x\n")
    x = np.arange(3.0)
    with pytest.raises(CheckFailed, match=r"clobber\(array \(3,\)\) changed its argument #1") as e:
        list(nb.ask_many([Call("clobber", x, check_inputs_unchanged=False), Call("clobber", x)]))
    assert e.value.mistake == "an input modified in place"
    assert np.array_equal(x, np.arange(3.0))
    got = nb.ask_many([Call("clobber", x, check_inputs_unchanged=False)] * 2)
    assert all(np.array_equal(g, 2 * x) for g in got)  # each call works on its own copy


def test_ask_many_drives_objects_by_their_handles():
    nb = notebook("class Counter:\n    def __init__(self):\n        self.n = 0\n"
                  "    def add(self, k):\n        self.n += k\n        return self.n\n")
    counter = nb.ask("Counter")
    add = counter.attr("add")
    answers = list(nb.ask_many([Call(add, 2), Call(add, 3), Call("Counter")]))
    assert answers[:2] == [2, 5] and isinstance(answers[2], Handle)
    assert list(nb.ask_many([Call(answers[2].attr("add"), 7)])) == [7]
    assert nb.fetch(counter.attr("n")) == 5


OK_1 = {"status": "ok", "value": 1, "echo": []}                          # an answer to f(1)
OK_X = {"status": "ok", "value": 1, "echo": [wire.encode(np.ones(2))]}   # to f(x): x echoed


@pytest.mark.parametrize("reply", [
    None, "ok", {"status": "ok"}, {"status": "ok", "answers": "1"},
    {"status": "ok", "answers": [{}]},
    {"status": "ok", "answers": [OK_1]},                                        # one answer short
    {"status": "ok", "answers": [OK_1, OK_1, OK_1]},                            # one too many
    {"status": "ok", "answers": [{**OK_1, "value": {"$": "pickle"}}, OK_1]},    # not plain data
    {"status": "ok", "answers": [OK_1, {"status": "ok", "value": 1}]},          # x not echoed
])
def test_ask_many_with_a_malformed_reply_gives_no_answer(reply):
    nb = notebook("def f(x):\n    return 1\n")
    nb._exchange = lambda request: reply
    with pytest.raises(NoAnswer):
        list(nb.ask_many([Call("f", 1), Call("f", np.ones(2))]))
    nb._exchange = lambda request: {"status": "ok", "answers": [OK_1, OK_X]}
    assert list(nb.ask_many([Call("f", 1), Call("f", np.ones(2))])) == [1, 1]  # well formed


def test_run_check_turns_every_outcome_into_a_verdict():
    nb = notebook("def f(x):\n    return x\n")

    def good(nb, rng):
        expect_close(nb.ask("f", np.ones(2)), np.ones(2), "f")

    def wrong(nb, rng):
        expect_close(nb.ask("f", np.ones(3)), -np.ones(3), "f")

    def buggy(nb, rng):
        return undefined_name  # noqa: F821  (a bug in the check itself)

    assert run_check(good, nb, "a", "test_f").reason == "passed"
    verdict = run_check(wrong, nb, "a", "test_f")
    assert (verdict.passed, verdict.reason, verdict.mistake) == (False, "wrong", "sign flipped")
    assert run_check(buggy, nb, "a", "test_f").reason == "grader error"
    assert run_check(None, nb, "a", "test_f").reason == "no check"
    assert seed_for("a", "test_f") == seed_for("a", "test_f") != seed_for("a", "test_g")


# -- what a failed check says ------------------------------------------------------------------------------------
def test_messages_give_the_index_and_both_values():
    with pytest.raises(CheckFailed, match=r"dW: wrong value at index \(1, 0\): expected 4, got 1"):
        expect_close(np.array([[1.0, 3.0], [1.0, -1.0]]), np.array([[1.0, 3.0], [4.0, -1.0]]), "dW")
    with pytest.raises(CheckFailed, match=r"expected shape \(2, 3\), got \(3,\)"):
        expect_shape(np.ones(3), (2, 3), "dx")
    with pytest.raises(CheckFailed, match="not plain data"):
        expect_close(Handle(0), np.ones(2), "dx")


def test_expect_gradient_compares_with_central_differences():
    x = np.array([0.3, -1.2, 2.0])
    expect_gradient(2 * x, lambda v: np.sum(v ** 2), x, "grad")
    with pytest.raises(CheckFailed, match="central differences give"):
        expect_gradient(x, lambda v: np.sum(v ** 2), x, "grad")
    expect_gradient(np.array(2.0), lambda v: float(v) ** 2, np.array(1.0), "d at a 0-d point")
    with pytest.raises(CheckFailed, match=r"expected 1, got 0 \("):  # never "-0"
        expect_close(np.array([-0.0, 1.0]), np.array([1.0, 1.0]), "x")


# -- the likely mistake ------------------------------------------------------------------------------------------
RNG = np.random.default_rng(0)
WANT = RNG.normal(size=(4, 3))
ROWS = RNG.normal(size=(5, 3))


@pytest.mark.parametrize("got, want, batch, name", [
    (WANT.T, WANT, None, "transposed"),
    (-WANT, WANT, None, "sign flipped"),
    (5 * WANT, WANT, 5, "missing 1/N"),
    (WANT / 5, WANT, 5, "extra 1/N"),
    (2 * WANT, WANT, None, "factor of 2"),
    (1.7 * WANT, WANT, None, "constant factor"),
    (ROWS, ROWS.sum(axis=0), 5, "not summed over the batch"),
])
def test_patterns_name_the_mistake(got, want, batch, name):
    found = likely_mistake(got, want, batch=batch)
    assert found is not None and found.name == name, found


def test_named_mistakes_come_first_and_unexplained_errors_get_none():
    z = RNG.normal(size=5)
    s = 1 / (1 + np.exp(-z))
    at_output = (1 / (1 + np.exp(-s))) * (1 - 1 / (1 + np.exp(-s)))
    found = likely_mistake(at_output, s * (1 - s), mistakes={"the derivative taken at the output": at_output})
    assert found.name == "the derivative taken at the output"
    assert likely_mistake(WANT + RNG.normal(size=WANT.shape), WANT) is None
    assert likely_mistake(np.array([2.0]), np.array([1.0])) is not None  # a factor of 2 still reads as one
    assert likely_mistake(np.array([1.7]), np.array([1.0])) is None       # but one number is "some factor" of any


def test_a_failed_check_carries_the_mistake_into_its_message():
    with pytest.raises(CheckFailed, match="Likely mistake: it looks transposed") as info:
        expect_close(WANT.T, WANT, "dW")
    assert info.value.mistake == "transposed"
