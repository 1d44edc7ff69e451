"""Trusted checks for exercise 3, the loss functions: one function per graded test cell, named by its grade id.

Run in the grader's process (never in the student's kernel), on fresh random inputs, against nnlib and central
differences of nnlib's losses.  Each re-checks the cell's visible cases too.  See grading/runner.py for the contract.
"""
import numpy as np

import nnlib
from grading import as_array, expect, expect_close, expect_gradient, expect_shape


def _pair(nb, name, args, what, grad_name):
    """Ask `name(*args)`; it must return a pair (loss, grad) whose loss is one number. Returns (float, grad)."""
    got = nb.ask(name, *args)
    expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{what} must return a pair (loss, {grad_name})")
    loss, grad = got
    expect_shape(loss, (), f"{what}: the loss (a single number, the mean)")
    return float(as_array(loss, f"{what}: the loss")), grad


def _onehot(labels, c):
    return np.eye(c)[labels]


# ---------------------------------------------------------------------------------------------------------------
def test_mse(nb, rng):
    """Task 1 (2 points): mse(pred, target) -> (loss, dpred)."""
    cases = [(np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[1.0, 0.0], [3.0, 4.0]]))]
    for shape in [(1,), (1, 1), (7,), (1, 4), (5, 1), (4, 3), (2, 3, 2)]:
        target = rng.normal(size=shape)
        pred = target + rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.2, 2.0, size=shape)
        cases.append((pred, target))
    for pred, target in cases:
        what = f"mse(pred, target) with shape {pred.shape}"
        loss, dpred = _pair(nb, "mse", (pred, target), what, "dpred")
        diff, m = pred - target, pred.size
        ref = nnlib.MSELoss()
        want_loss = ref(pred, target)
        expect_close(loss, want_loss, f"{what}: the loss", batch=m,
                     mistakes={"the per-row sum of squares, averaged over the rows":
                               np.mean(np.sum(diff ** 2, axis=-1)),
                               "mean |pred - target| (no square)": np.mean(np.abs(diff))})
        mistakes = {"2 (target - pred) / M": -2.0 * diff / m,
                    "(pred - target) / M (no factor 2 from the square)": diff / m}
        if pred.ndim > 1 and pred.shape[0] != m:
            mistakes["2 (pred - target) / N (dividing by the rows, not by all M entries)"] = \
                2.0 * diff / pred.shape[0]
        expect_close(dpred, ref.backward(), f"{what}: dpred", batch=m, mistakes=mistakes)
        expect_gradient(dpred, lambda p: nnlib.MSELoss()(p, target), pred, f"{what}: dpred", batch=m,
                        mistakes=mistakes)


# ---------------------------------------------------------------------------------------------------------------
def _bce_mistakes(p, y):
    n = p.size
    return {"(p - y) / N (the gradient with respect to the logit, not to p)": (p - y) / n}


def test_binary_cross_entropy(nb, rng):
    """Task 2 (2 points): binary_cross_entropy(p, y) -> (loss, dp), each log clamped at -100."""
    cases = [(np.array([0.5, 0.5]), np.array([1.0, 0.0])), (np.array([[0.9], [0.2]]), np.array([[1.0], [0.0]]))]
    for shape in [(1,), (1, 1), (6,), (5, 1), (3, 4), (2, 2, 3)]:
        cases.append((rng.uniform(0.05, 0.95, size=shape), rng.integers(0, 2, size=shape).astype(float)))
    for p, y in cases:
        what = f"binary_cross_entropy(p, y) with shape {p.shape}"
        loss, dp = _pair(nb, "binary_cross_entropy", (p, y), what, "dp")
        ref = nnlib.BCELoss()
        want_loss = ref(p, y)
        expect(np.isfinite(loss), f"{what}: the loss is not finite (expected {want_loss:.8g}, got {loss})")
        expect_close(loss, want_loss, f"{what}: the loss", batch=p.size)
        expect_close(dp, ref.backward(), f"{what}: dp", batch=p.size, mistakes=_bce_mistakes(p, y))
        expect_gradient(dp, lambda q: nnlib.BCELoss()(q, y), p, f"{what}: dp", batch=p.size,
                        mistakes=_bce_mistakes(p, y))

    # near the ends: the exact formula, no clamp involved yet
    p = np.array([1e-9, 1 - 1e-9, 1e-9, 1 - 1e-9, 0.3])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    what = "binary_cross_entropy at p = 1e-9 and 1 - 1e-9"
    loss, dp = _pair(nb, "binary_cross_entropy", (p, y), what, "dp")
    ref = nnlib.BCELoss()
    expect_close(loss, ref(p, y), f"{what}: the loss")
    dp = as_array(dp, f"{what}: dp", p.shape)
    expect(np.all(np.isfinite(dp)), f"{what}: dp must be finite")
    expect_close(dp, ref.backward(), f"{what}: dp", rtol=1e-5, mistakes=_bce_mistakes(p, y))

    # at the ends (the visible case, then a mix): each log clamped at -100, the gradient finite and pointing the
    # right way; at p = 0.5 the exact formula
    for p, y in [(np.array([0.0, 1.0]), np.array([1.0, 1.0])),
                 (np.array([0.0, 1.0, 0.0, 1.0, 0.5, 0.0]), np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0]))]:
        what = f"binary_cross_entropy at p = 0 and p = 1 (p of shape {p.shape})"
        loss, dp = _pair(nb, "binary_cross_entropy", (p, y), what, "dp")
        want_loss = nnlib.BCELoss()(p, y)
        expect(np.isfinite(loss), f"{what}: the loss must be finite (each log clamped at -100): expected "
                                  f"{want_loss:.8g}, got {loss}")
        expect_close(loss, want_loss, f"{what} (logs clamped at -100): the loss")
        dp = as_array(dp, f"{what}: dp", p.shape)
        bad = [i for i in range(p.size) if not np.isfinite(dp[i])]
        expect(not bad, f"{what}: dp must be finite, got {dp[bad[0]] if bad else ''} at index {bad[:1]}")
        wrong_way = [i for i in range(p.size) if (p[i] == 0 and y[i] == 1 and not dp[i] < -1)
                     or (p[i] == 1 and y[i] == 0 and not dp[i] > 1)]
        expect(not wrong_way, f"{what}: where the label is the opposite of a certain p, dp must be large and push p "
                              "towards the label (below -1 at p = 0, y = 1; above 1 at p = 1, y = 0); got "
                              f"{dp[wrong_way[0]] if wrong_way else ''} at index {wrong_way[:1]}")
        inner = (p > 0) & (p < 1)
        if inner.any():
            want_dp = (p - y) / np.maximum(p * (1 - p), 1e-12) / p.size
            expect_close(dp[inner], want_dp[inner], f"{what}: dp where 0 < p < 1", batch=p.size)


# ---------------------------------------------------------------------------------------------------------------
def test_bce_with_logits(nb, rng):
    """Task 3 (2 points): bce_with_logits(z, y) -> (loss, dz), exact for any z."""
    cases = [(np.array([0.0, 0.0]), np.array([1.0, 0.0]))]
    for shape in [(1,), (1, 1), (8,), (6, 1), (3, 5), (2, 2, 2)]:
        z = np.clip(rng.normal(0.0, 3.0, size=shape), -6.0, 6.0)  # where central differences are accurate
        cases.append((z, rng.integers(0, 2, size=shape).astype(float)))
    for z, y in cases:
        what = f"bce_with_logits(z, y) with shape {z.shape}"
        loss, dz = _pair(nb, "bce_with_logits", (z, y), what, "dz")
        ref = nnlib.BCEWithLogitsLoss()
        want_loss = ref(z, y)
        s = nnlib.sigmoid(z)
        expect_close(loss, want_loss, f"{what}: the loss", batch=z.size,
                     mistakes={"leaving out the max(z, 0) term": np.mean(-z * y + np.log1p(np.exp(-np.abs(z))))})
        mistakes = {"(sigmoid(z) - y) sigmoid'(z) / N (the sigmoid's derivative applied twice)":
                    (s - y) * s * (1 - s) / z.size,
                    "(p - y) / (p (1 - p)) / N with p = sigmoid(z) (the gradient with respect to p, not z)":
                    (s - y) / np.maximum(s * (1 - s), 1e-12) / z.size}
        expect_close(dz, ref.backward(), f"{what}: dz", batch=z.size, mistakes=mistakes)
        expect_gradient(dz, lambda v: nnlib.BCEWithLogitsLoss()(v, y), z, f"{what}: dz", tol=1e-5, batch=z.size,
                        mistakes=mistakes)

    # huge logits: the visible case, then a mix; the loss exact, dz finite and exact
    for z, y in [(np.array([[-1000.0], [1000.0]]), np.array([[1.0], [1.0]])),
                 (np.array([-1000.0, -1000.0, 1000.0, 1000.0, -60.0, 60.0, -30.0, 30.0, 0.0]),
                  np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0]))]:
        what = f"bce_with_logits at logits up to +-1000 (z of shape {z.shape})"
        loss, dz = _pair(nb, "bce_with_logits", (z, y), what, "dz")
        ref = nnlib.BCEWithLogitsLoss()
        want_loss = ref(z, y)
        expect(np.isfinite(loss), f"{what}: the loss must be finite: expected {want_loss:.8g}, got {loss}")
        expect_close(loss, want_loss, f"{what}: the loss",
                     mistakes={"sigmoid first, then the logs clamped at -100 (inexact at large |z|)":
                               nnlib.BCELoss()(nnlib.sigmoid(z), y)})
        dz = as_array(dz, f"{what}: dz", z.shape)
        expect(np.all(np.isfinite(dz)), f"{what}: dz must be finite")
        expect_close(dz, ref.backward(), f"{what}: dz", atol=1e-15, batch=z.size)


# ---------------------------------------------------------------------------------------------------------------
def test_softmax(nb, rng):
    """Task 4 (2 points): softmax(z), row-wise and stable."""
    cases = [np.array([[0.0, 0.0], [0.0, np.log(3.0)]]), np.array([[1000.0, 1000.0, 998.0]])]
    for shape in [(1, 1), (1, 5), (4, 3), (3, 4), (5, 5), (10, 2)]:
        cases.append(rng.normal(0.0, 2.0, size=shape))
    # extreme rows, far apart from each other
    extreme = np.array([[1e4, 1e4 - 1.0, 1e4 - 3.0, -1e4],
                        [-1e4, -1e4 - 2.0, -1e4 - 0.5, -1e4 - 40.0],
                        [0.5, -0.5, 2.0, 1.0]])
    cases.append(extreme + rng.normal(0.0, 0.1, size=extreme.shape))
    cases.append(rng.normal(0.0, 2.0, size=(2, 6)) + np.array([[800.0], [-800.0]]))
    cases.append(rng.normal(0.0, 2.0, size=(1, 4)) + 5000.0)
    for z in cases:
        large = np.abs(z).max() > 100
        what = f"softmax(z) for z of shape {z.shape}" + (" with logits of size up to 1e4" if large else "")
        got = nb.ask("softmax", z)
        want = nnlib.softmax(z)
        if isinstance(got, np.ndarray) and got.shape == want.shape and got.dtype.kind in "fiu":
            expect(np.all(np.isfinite(got)), f"{what}: the result is not finite: subtract each row's maximum "
                                             "before exponentiating")
        mistakes = {}
        if z.shape[0] > 1:
            e = np.exp(z - z.max(axis=0, keepdims=True))
            mistakes["a softmax over axis 0 (columns summing to 1, not rows)"] = e / e.sum(axis=0, keepdims=True)
            e = np.exp(z - z.max(axis=1, keepdims=True))
            mistakes["dividing by the sum over the whole batch, not each row's"] = e / e.sum()
        expect_close(got, want, what, atol=1e-12 if large else 1e-9, mistakes=mistakes)


# ---------------------------------------------------------------------------------------------------------------
def _ce_mistakes(logits, labels):
    n, c = logits.shape
    probs = nnlib.softmax(logits)
    return {"(softmax - onehot) / (N C) (a mean over all entries, not over the N examples)":
            (probs - _onehot(labels, c)) / (n * c)}


def test_softmax_cross_entropy(nb, rng):
    """Task 5 (3 points): softmax_cross_entropy(logits, labels) -> (loss, dlogits)."""
    cases = [(np.zeros((2, 3)), np.array([0, 2]))]
    for n, c in [(1, 2), (1, 5), (4, 3), (3, 7), (6, 6), (10, 4)]:
        cases.append((rng.normal(0.0, 1.5, size=(n, c)), rng.integers(0, c, size=n)))
    for logits, labels in cases:
        n, c = logits.shape
        what = f"softmax_cross_entropy(logits, labels) with N = {n}, C = {c}"
        loss, dlogits = _pair(nb, "softmax_cross_entropy", (logits, labels), what, "dlogits")
        ref = nnlib.SoftmaxCrossEntropyLoss()
        want_loss = ref(logits, labels)
        expect_close(loss, want_loss, f"{what}: the loss", batch=n)
        expect_close(dlogits, ref.backward(), f"{what}: dlogits", batch=n, mistakes=_ce_mistakes(logits, labels))
        expect_gradient(dlogits, lambda z: nnlib.SoftmaxCrossEntropyLoss()(z, labels), logits,
                        f"{what}: dlogits", tol=1e-5, batch=n, mistakes=_ce_mistakes(logits, labels))

    # extreme logits: the visible case, then entries -1e4, 0 or +1e4 (plus a little noise), labels anywhere; in the
    # first row the true class gets the smallest logit, so the loss is about 2e4 / N
    extreme = [(np.array([[1e4, -1e4, 0.0]]), np.array([1]))]
    for n, c in [(1, 3), (5, 4), (4, 4), (3, 6)]:
        logits = rng.choice([-1e4, 0.0, 1e4], size=(n, c))
        logits[0, 0], logits[0, -1] = 1e4, -1e4
        logits = logits + rng.normal(0.0, 1.0, size=(n, c))
        labels = rng.integers(0, c, size=n)
        labels[0] = c - 1
        extreme.append((logits, labels))
    for logits, labels in extreme:
        n, c = logits.shape
        what = f"softmax_cross_entropy at logits of +-1e4 with N = {n}, C = {c}"
        loss, dlogits = _pair(nb, "softmax_cross_entropy", (logits, labels), what, "dlogits")
        ref = nnlib.SoftmaxCrossEntropyLoss()
        want_loss = ref(logits, labels)
        expect(np.isfinite(loss), f"{what}: the loss must be finite: expected {want_loss:.8g}, got {loss} "
                                  "(compute log softmax with the log-sum-exp trick, not log of the softmax)")
        expect_close(loss, want_loss, f"{what}: the loss", batch=n)
        dlogits = as_array(dlogits, f"{what}: dlogits", logits.shape)
        expect(np.all(np.isfinite(dlogits)), f"{what}: dlogits must be finite: subtract each row's maximum")
        expect_close(dlogits, ref.backward(), f"{what}: dlogits", atol=1e-10, batch=n,
                     mistakes=_ce_mistakes(logits, labels))
