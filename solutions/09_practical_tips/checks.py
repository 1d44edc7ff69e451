"""Trusted checks for exercise 9, practical training tips: one function per graded test cell, named by its grade id.

Run in the grader's process (never in the student's kernel), on fresh random inputs: the scaling against
nnlib.MinMaxScaler, the L2 penalty against its formula and its gradient against central differences, early stopping
against a reference implementation, and the capstone digit classifier's accuracy (at least 97 %) on a split the
grader draws itself (with its pixel columns shuffled and its classes renamed).  Each re-checks the cell's visible
cases too.  See grading/runner.py for the contract.
"""
import numpy as np

import nnlib
from grading import Call, Handle, expect, expect_close, expect_gradient, fail
from grading.notebook import StudentRaised


# ---------------------------------------------------------------------------------------------------------------
# Task 1: min-max scaling
# ---------------------------------------------------------------------------------------------------------------
def _scaled(X, lo, hi):
    return (X - lo) / np.where(hi > lo, hi - lo, 1.0)


def _pair(got, call, names):
    expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{call} must return a tuple {names} of two arrays")
    return got


def _check_minmax(nb, X_train, X_test, lo_other, hi_other, what):
    ref = nnlib.MinMaxScaler().fit(X_train)
    lo, hi = ref.data_min_, ref.data_max_
    answers = nb.ask_many([Call("minmax_fit", X_train), Call("minmax_transform", X_train, lo, hi),
                           Call("minmax_transform", X_test, lo, hi),
                           Call("minmax_transform", X_test, lo_other, hi_other),
                           Call("scale_split", X_train, X_test)])  # one round trip, read in this order

    got_lo, got_hi = _pair(next(answers), f"minmax_fit(X_train), {what},", "(lo, hi)")
    by_row = {"statistics of each row (axis=1) instead of each column": X_train.min(axis=1)}
    expect_close(got_lo, lo, f"lo = minmax_fit(X_train)[0], {what}", mistakes=by_row)
    by_row = {"statistics of each row (axis=1) instead of each column": X_train.max(axis=1)}
    expect_close(got_hi, hi, f"hi = minmax_fit(X_train)[1], {what}", mistakes=by_row)

    for X, name in ((X_train, "X_train"), (X_test, "X_test")):
        want = ref.transform(X)
        span = hi - lo
        mistakes = {"clipping the result to [0, 1]": np.clip(want, 0.0, 1.0),
                    "the minimum and maximum of X itself instead of the lo and hi given":
                        _scaled(X, X.min(axis=0), X.max(axis=0)),
                    "dividing by hi instead of hi - lo": (X - lo) / np.where(hi != 0, hi, 1.0),
                    "mapping a constant column to 0 whatever the input": np.where(span > 0, want, 0.0)}
        expect_close(next(answers), want,
                     f"minmax_transform({name}, lo, hi) with the training statistics, {what}", mistakes=mistakes)

    # statistics that are not X's own, one constant column: the function must use the lo and hi it is given
    want = _scaled(X_test, lo_other, hi_other)
    mistakes = {"the minimum and maximum of X itself instead of the lo and hi given":
                    _scaled(X_test, X_test.min(axis=0), X_test.max(axis=0)),
                "clipping the result to [0, 1]": np.clip(want, 0.0, 1.0),
                "dividing by hi instead of hi - lo": (X_test - lo_other) / np.where(hi_other != 0, hi_other, 1.0)}
    expect_close(next(answers), want,
                 f"minmax_transform(X, lo, hi) must use the lo and hi it is given; {what}", mistakes=mistakes)

    got_train, got_test = _pair(next(answers), f"scale_split(X_train, X_test), {what},",
                                "(X_train_scaled, X_test_scaled)")
    both = np.concatenate([X_train, X_test])
    together = {"fitting the scaler on the training and test data together":
                    _scaled(X_train, both.min(axis=0), both.max(axis=0))}
    expect_close(got_train, ref.transform(X_train), f"scale_split: the scaled training data, {what}",
                 mistakes=together)
    want = ref.transform(X_test)
    mistakes = {"fitting the scaler on the training and test data together":
                    _scaled(X_test, both.min(axis=0), both.max(axis=0)),
                "a separate scaler fitted on the test data": _scaled(X_test, X_test.min(axis=0), X_test.max(axis=0)),
                "clipping the result to [0, 1]": np.clip(want, 0.0, 1.0)}
    expect_close(got_test, want, "scale_split: the scaled test data must use the training split's minimum and "
                 f"maximum only (and not be clipped); {what}", mistakes=mistakes)


def test_minmax(nb, rng):
    """Task 1 (3 points): minmax_fit, minmax_transform, scale_split."""
    # the visible case
    X_train = np.array([[1.0, 10.0, 5.0], [3.0, 30.0, 5.0], [2.0, 20.0, 5.0]])
    X_test = np.array([[4.0, 0.0, 6.0]])
    _check_minmax(nb, X_train, X_test, np.array([0.0, 5.0, 5.0]), np.array([2.0, 25.0, 5.0]),
                  "for the visible test's data")
    for n, m, d in [(1, 3, 4), (2, 1, 1), (6, 5, 3), (30, 12, 7), (4, 1, 2)]:
        scales = 10.0 ** rng.uniform(-3, 3, size=d)           # features on very different scales
        X_train = rng.normal(2.0, 1.0, size=(n, d)) * scales
        if n > 1 and d > 2:
            X_train[:, 1] = 0.75 * scales[1]                  # a column that is constant in the training split
        X_test = rng.normal(3.0, 2.5, size=(m, d)) * scales   # shifted: many values fall outside the training range
        lo = rng.normal(size=d) * scales                      # statistics that are not X's own
        hi = lo + rng.uniform(0.5, 3.0, size=d) * scales
        hi[0] = lo[0]                                         # and one constant column
        _check_minmax(nb, X_train, X_test, lo, hi, f"X_train of shape {(n, d)}, X_test of shape {(m, d)}")


# ---------------------------------------------------------------------------------------------------------------
# Task 2: the L2 penalty
# ---------------------------------------------------------------------------------------------------------------
def _penalty(params, lam):
    return lam / 2 * sum(float(np.sum(v ** 2)) for k, v in params.items() if k.startswith("W"))


def _check_l2(nb, params, lam, what):
    got = nb.ask("l2_penalty", params, lam)   # ask also fails if params or its arrays are changed in place
    expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{what} must return a tuple (value, grads)")
    value, grads = got
    everything = lam / 2 * sum(float(np.sum(v ** 2)) for v in params.values())
    means = lam / 2 * sum(float(np.mean(v ** 2)) for k, v in params.items() if k.startswith("W"))
    expect_close(value, _penalty(params, lam), f"{what}: the value",
                 mistakes={"penalising the biases too": everything, "the mean of the squares instead of the sum": means})
    expect(isinstance(grads, dict) and set(grads) == set(params),
           f"{what}: grads must be a dict with the same keys as params ({sorted(params)}), "
           f"got {sorted(map(str, grads)) if isinstance(grads, dict) else type(grads).__name__}")
    for key, array in params.items():
        where = f"{what}: grads[{key!r}]"
        if key.startswith("W"):
            mistakes = {"lam * sign(W), the gradient of the L1 penalty": lam * np.sign(array),
                        "lam without the W": np.full_like(array, lam)}
            expect_close(grads[key], lam * array, where, mistakes=mistakes)
        else:
            expect_close(grads[key], np.zeros_like(array), f"{where} (biases are not penalised: their gradient is 0)",
                         mistakes={"penalising the biases too": lam * array})
        expect_gradient(grads[key], lambda x, key=key: _penalty({**params, key: x}, lam), array, where)


def test_l2_penalty(nb, rng):
    """Task 2 (2 points): l2_penalty(params, lam) -> (value, grads)."""
    visible = {"W1": np.array([[1.0, -2.0], [0.0, 3.0]]), "b1": np.array([5.0, 5.0]),
               "W2": np.array([[2.0], [1.0]]), "b2": np.array([-1.0])}
    _check_l2(nb, visible, 0.1, "l2_penalty(params, lam=0.1) for the visible test's params")
    cases = [[(1, 1)], [(3, 2)], [(4, 5), (5, 3)], [(2, 6), (6, 1), (1, 4)]]
    for layers in cases:
        params = {}
        for i, (a, b) in enumerate(layers, start=1):
            params[f"W{i}"] = rng.normal(size=(a, b))
            params[f"b{i}"] = rng.normal(size=b)
        for lam in (float(rng.uniform(0.01, 2.0)), 0.0):
            _check_l2(nb, params, lam, f"l2_penalty(params, lam={lam:.3g}) with weights of shapes {layers}")
    # one layer whose names carry no number
    params = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    _check_l2(nb, params, 0.5, "l2_penalty(params, lam=0.5) with params {'W': (3, 4), 'b': (4,)}")


# ---------------------------------------------------------------------------------------------------------------
# Task 3: early stopping
# ---------------------------------------------------------------------------------------------------------------
def _early_stopping(losses, patience):
    best = 0
    for epoch in range(1, len(losses)):
        if losses[epoch] < losses[best]:
            best = epoch
        elif epoch - best >= patience:
            return best, epoch
    return best, len(losses) - 1


def _check_es(got, losses, patience, what):
    """`got`, the answer of early_stopping_epoch(losses, patience), against the reference."""
    want = _early_stopping(losses, patience)
    call = f"early_stopping_epoch on {what} ({len(losses)} epochs, patience {patience})"
    expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{call}: expected a tuple (best_epoch, stop_epoch)")
    expect(all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in got),
           f"{call}: the epochs must be ints, got {got!r}")
    got = tuple(int(v) for v in got)
    expect(got == want, f"{call}: expected (best_epoch, stop_epoch) = {want}, got {got}")


def test_early_stopping(nb, rng):
    """Task 3 (2 points): early_stopping_epoch(val_losses, patience) -> (best_epoch, stop_epoch)."""
    visible = [1.0, 0.8, 0.9, 0.85, 0.7, 0.75]
    cases = [(visible, 2, "the visible test's losses"),
             (visible, 3, "the visible test's losses"),
             ([0.5], 1, "a single epoch"),
             ([3.0, 2.0, 1.0], 1, "a loss that improves at every epoch"),
             ([2.0], 3, "a single epoch"),
             (np.linspace(2.0, 1.0, 8), 2, "a loss that improves at every epoch"),
             (np.linspace(1.0, 2.0, 9), 3, "a loss that never improves (best at epoch 0)"),
             (np.full(7, 0.5), 2, "a flat loss (ties are not improvements)"),
             (np.full(3, 0.5), 5, "a flat loss shorter than the patience"),
             ([1.0, 0.9, 0.95, 0.9, 0.9, 0.8, 0.85], 3, "a loss that ties its best, then improves"),
             ([1.0, 1.1, 1.2, 1.3, 0.5], 4, "an improvement at the last possible epoch"),
             ([1.0, 1.1, 1.2, 1.3, 1.4, 0.5], 4, "an improvement one epoch too late"),
             ([1.0, 0.7, 0.8, 0.6, 0.9, 0.95], 2, "an improvement after a loss that went up"),
             ([1.0, 0.9, 0.8, 0.85], 1, "a loss that goes up at the last epoch")]
    for i in range(40):
        E = int(rng.integers(1, 60))
        t = np.arange(E)
        curve = 0.3 + 2.0 * np.exp(-t / rng.uniform(2, 10)) + rng.uniform(0, 0.004) * t ** 1.5
        curve = curve + rng.normal(0, rng.uniform(0.002, 0.08), size=E)
        if i % 3 == 0:
            curve = np.round(curve, 1)                   # coarse values: many ties
        cases.append((curve, int(rng.integers(1, 12)), f"random curve #{i + 1}"))
    cases = [(np.asarray(losses, dtype=float), patience, what) for losses, patience, what in cases]
    answers = nb.ask_many([Call("early_stopping_epoch", losses, patience) for losses, patience, _ in cases])
    for (losses, patience, what), got in zip(cases, answers):  # all in one round trip
        _check_es(got, losses, patience, what)


# ---------------------------------------------------------------------------------------------------------------
# Task 4: the capstone digit classifier, assembled from the student's own functions of exercises 2-8
# ---------------------------------------------------------------------------------------------------------------
# The bar, 97 %: at most 10 of the 359 test images wrong.  The solution gets 2 wrong on the grader's split below and
# 3 on the visible one; over 400 other draws of this split (seeds 0-199, 1000-1199) it averages 98.8 %, never falls
# under 97 %, but has 10 wrong, the most the bar allows, on its 6 worst.  No classifier has much margin on every
# split: an RBF SVM (99.1 % on average) has 9 wrong on its worst of 200.
BAR = 0.97


def _check_classifier(nb, X_train, X_test, y_train, y_test, where):
    try:
        predict = nb.ask("train_digits_classifier", X_train, y_train)
    except StudentRaised as exc:
        if exc.exc_type in ("ModuleNotFoundError", "ImportError") and "nnlib" in exc.exc_message:
            fail(f"train_digits_classifier imports nnlib ({exc.exc_message}), which a graded notebook cannot "
                 "import: assemble your own functions from exercises 2 to 8 instead")
        raise
    expect(isinstance(predict, Handle),
           f"train_digits_classifier must return a function predict(X), not data ({where})")
    pred = nb.ask(predict, X_test)
    what = f"predict(X_test) for X_test of shape {X_test.shape} ({where})"
    expect(not isinstance(pred, Handle), f"{what}: expected an array of labels, got an object that is not plain data")
    expect(isinstance(pred, (np.ndarray, list, tuple)), f"{what}: expected an array of labels, got {type(pred).__name__}")
    try:
        pred = np.asarray(pred, dtype=np.float64)
    except (TypeError, ValueError):
        expect(False, f"{what}: expected an array of integer labels")
    expect(pred.shape == y_test.shape,
           f"{what}: expected one label per image, shape {y_test.shape}, got {pred.shape}"
           + (" (scores or probabilities instead of labels?)" if pred.shape == (len(y_test), 10) else ""))
    expect(np.all(np.isfinite(pred)) and np.all(pred == np.round(pred)) and pred.min() >= 0 and pred.max() <= 9,
           f"{what}: expected integer labels in 0..9")
    accuracy = float(np.mean(pred == y_test))
    expect(accuracy >= BAR,
           f"accuracy on the held-out digits ({where}) is {accuracy:.1%}; at least {BAR:.0%} is needed")
    one = nb.ask(predict, X_test[:1])
    expect(isinstance(one, (np.ndarray, list, tuple)) and np.shape(one) == (1,) and float(np.asarray(one)[0]) == pred[0],
           "predict on a batch of one image must return an array of shape (1,) with the same label as for the whole "
           f"batch ({where})")


def test_train_digits_classifier(nb, rng):
    """Task 4 (3 points): train_digits_classifier(X_train, y_train) -> predict; >= 97 % on held-out digits."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = nnlib.load_digits()
    X = X * 16.0                                         # the raw intensities 0..16 (exact: X was divided by 16)
    pixels = rng.permutation(64)                         # a secret order of the pixel columns
    names = rng.permutation(10)                          # and a secret renaming of the classes
    X_train, X_test, y_train, y_test = nnlib.train_test_split(X[:, pixels], names[y], test_size=0.2, rng=rng)
    _check_classifier(nb, X_train, X_test, y_train, y_test, "the grader's split, pixels shuffled, classes renamed")

    # the visible test's split
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    _check_classifier(nb, X_train, X_test, y_train, y_test, "the visible test's split")
