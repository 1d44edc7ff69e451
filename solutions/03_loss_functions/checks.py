"""Trusted checks for exercise 3, the loss functions: one function per graded test cell, named by its grade id.

Run in the grader's process (never in the student's kernel), on fresh random inputs.  Each loss is a pair, as in
nnlib: ``X_forward(pred, target) -> (loss, cache)`` (the cache is the student's choice) and
``X_backward(dout, cache) -> dpred``.  The grader asks every forward first, then passes each of the student's own
caches back to their backward, with dout = 1.0 and other values; the loss is compared with nnlib's ``X_forward``, and
dpred with nnlib's ``X_backward`` and with central differences of dout times nnlib's loss.  Each check re-checks
the cell's visible cases too.  See grading/runner.py for the contract.
"""
import numpy as np

import nnlib
from grading import Call, as_array, expect, expect_close, expect_gradient, expect_shape, fail

DOUTS = (1.0, -2.5, 0.4)  # the upstream gradient: 1 when the loss is the final value, then others (chain rule)


def _forward(nb, name, pred, target, what):
    """Ask `name(pred, target)`; it must return a pair (loss, cache) whose loss is one number. -> (float, cache)."""
    return _loss_and_cache(nb.ask(name, pred, target), what)


def _loss_and_cache(got, what):
    """A forward's answer `got` must be a pair (loss, cache) whose loss is one number. -> (float, cache)."""
    expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{what} must return a pair (loss, cache)")
    loss, cache = got
    expect_shape(loss, (), f"{what}: the loss (a single number, the mean)")
    return float(as_array(loss, f"{what}: the loss")), cache


def _check_pair(nb, name, cases, *, batch, loss_mistakes=None, grad_mistakes=None, tol=1e-6):
    """Grade the pair name_forward / name_backward on cases [(pred, target), ...] against nnlib.

    batch(pred): the N of the mean, for naming a missing 1/N. loss_mistakes(pred, target) and
    grad_mistakes(pred, target, dout): {description: the value that mistake gives}.
    """
    ref_forward, ref_backward = getattr(nnlib, f"{name}_forward"), getattr(nnlib, f"{name}_backward")
    caches = []
    answers = nb.ask_many([Call(f"{name}_forward", pred, target) for pred, target in cases])  # one round trip
    for (pred, target), got in zip(cases, answers):
        what = f"{name}_forward(pred, target) with pred of shape {pred.shape}"
        loss, cache = _loss_and_cache(got, what)
        mistakes = loss_mistakes(pred, target) if loss_mistakes else None
        expect_close(loss, ref_forward(pred, target)[0], f"{what}: the loss", batch=batch(pred), mistakes=mistakes)
        caches.append(cache)
    # every forward was asked first: a backward must use the cache it is given, not the last forward's
    answers = nb.ask_many([Call(f"{name}_backward", dout, cache) for cache in caches for dout in DOUTS])
    for (pred, target), cache in zip(cases, caches):
        ref_cache = ref_forward(pred, target)[1]
        for dout in DOUTS:
            what = f"{name}_backward({dout}, cache) for pred of shape {pred.shape}"
            got = next(answers)
            last_shape = cases[-1][0].shape
            if np.shape(got) != pred.shape and np.shape(got) == last_shape and isinstance(got, np.ndarray):
                fail(f"{what}: expected shape {pred.shape}, got {last_shape}, the shape of the last forward's pred: "
                     "backward must use the cache it is given (keep what it needs in the cache, not in a global)",
                     "backward not using its cache")
            mistakes = dict(grad_mistakes(pred, target, dout)) if grad_mistakes else {}
            if dout != 1.0:
                mistakes["ignoring dout (the gradient for dout = 1)"] = ref_backward(1.0, ref_cache)
            expect_close(got, ref_backward(dout, ref_cache), what, batch=batch(pred), mistakes=mistakes)
            expect_gradient(got, lambda p: ref_forward(p, target)[0], pred, what, dout=dout, tol=tol,
                            batch=batch(pred), mistakes=mistakes)


def _backward_at_edges(nb, name, cache, shape, what, hint=""):
    """Ask name_backward at dout = 1 and at the other DOUTS: an array of `shape`, finite, linear in dout.
    Returns dpred for dout = 1."""
    answers = nb.ask_many([Call(f"{name}_backward", dout, cache) for dout in DOUTS])
    base = as_array(next(answers), f"{what}: dpred for dout = 1.0", shape)
    expect(np.all(np.isfinite(base)), f"{what}: dpred must be finite{hint}")
    for dout, got in zip(DOUTS[1:], answers):
        got = as_array(got, f"{what}: dpred for dout = {dout}", shape)
        expect_close(got, dout * base, f"{what}: dpred for dout = {dout} must be dout times dpred for dout = 1",
                     mistakes={"ignoring dout (the gradient for dout = 1)": base})
    return base


# ---------------------------------------------------------------------------------------------------------------
def _mse_loss_mistakes(pred, target):
    diff = pred - target
    return {"the per-row sum of squares, averaged over the rows": np.mean(np.sum(diff ** 2, axis=-1)),
            "mean |pred - target| (no square)": np.mean(np.abs(diff))}


def _mse_grad_mistakes(pred, target, dout):
    diff, m = pred - target, pred.size
    mistakes = {"2 (target - pred) / M": -2.0 * dout * diff / m,
                "(pred - target) / M (no factor 2 from the square)": dout * diff / m}
    if pred.ndim > 1 and pred.shape[0] != m:
        mistakes["2 (pred - target) / N (dividing by the rows, not by all M entries)"] = \
            2.0 * dout * diff / pred.shape[0]
    return mistakes


def test_mse(nb, rng):
    """Task 1 (2 points): mse_forward(pred, target) -> (loss, cache); mse_backward(dout, cache) -> dpred."""
    cases = [(np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[1.0, 0.0], [3.0, 4.0]]))]
    for shape in [(1,), (1, 1), (7,), (1, 4), (5, 1), (4, 3), (2, 3, 2)]:
        target = rng.normal(size=shape)
        pred = target + rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.2, 2.0, size=shape)
        cases.append((pred, target))
    _check_pair(nb, "mse", cases, batch=np.size, loss_mistakes=_mse_loss_mistakes, grad_mistakes=_mse_grad_mistakes)


# ---------------------------------------------------------------------------------------------------------------
def _bce_grad_mistakes(p, y, dout):
    return {"(p - y) / N (the gradient with respect to the logit, not to p)": dout * (p - y) / p.size}


def test_bce(nb, rng):
    """Task 2 (2 points): bce_forward(pred, target) -> (loss, cache), each log clamped at -100;
    bce_backward(dout, cache) -> dpred."""
    cases = [(np.array([0.5, 0.5]), np.array([1.0, 0.0])), (np.array([[0.9], [0.2]]), np.array([[1.0], [0.0]]))]
    for shape in [(1,), (1, 1), (6,), (5, 1), (3, 4), (2, 2, 3)]:
        cases.append((rng.uniform(0.05, 0.95, size=shape), rng.integers(0, 2, size=shape).astype(float)))
    _check_pair(nb, "bce", cases, batch=np.size, grad_mistakes=_bce_grad_mistakes)

    # near the ends: the exact formula, no clamp involved yet
    p = np.array([1e-9, 1 - 1e-9, 1e-9, 1 - 1e-9, 0.3])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    what = "bce at p = 1e-9 and 1 - 1e-9"
    loss, cache = _forward(nb, "bce_forward", p, y, f"bce_forward(pred, target) ({what})")
    want_loss, ref_cache = nnlib.bce_forward(p, y)
    expect_close(loss, want_loss, f"{what}: the loss")
    for dout, dp in zip(DOUTS, nb.ask_many([Call("bce_backward", dout, cache) for dout in DOUTS])):
        dp = as_array(dp, f"{what}: dpred for dout = {dout}", p.shape)
        expect(np.all(np.isfinite(dp)), f"{what}: dpred must be finite")
        mistakes = dict(_bce_grad_mistakes(p, y, dout), **({} if dout == 1.0 else {
            "ignoring dout (the gradient for dout = 1)": nnlib.bce_backward(1.0, ref_cache)}))
        expect_close(dp, nnlib.bce_backward(dout, ref_cache), f"{what}: dpred for dout = {dout}", rtol=1e-5,
                     mistakes=mistakes)

    # at the ends (the visible case, then a mix): each log clamped at -100, the gradient finite, pointing the right
    # way and linear in dout; at p = 0.5 the exact formula
    for p, y in [(np.array([0.0, 1.0]), np.array([1.0, 1.0])),
                 (np.array([0.0, 1.0, 0.0, 1.0, 0.5, 0.0]), np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0]))]:
        what = f"bce at p = 0 and p = 1 (p of shape {p.shape})"
        loss, cache = _forward(nb, "bce_forward", p, y, f"bce_forward(pred, target) ({what})")
        want_loss = nnlib.bce_forward(p, y)[0]
        expect(np.isfinite(loss), f"{what}: the loss must be finite (each log clamped at -100): expected "
                                  f"{want_loss:.8g}, got {loss}")
        expect_close(loss, want_loss, f"{what} (logs clamped at -100): the loss")
        dp = _backward_at_edges(nb, "bce", cache, p.shape, what)
        wrong_way = [i for i in range(p.size) if (p[i] == 0 and y[i] == 1 and not dp[i] < -1)
                     or (p[i] == 1 and y[i] == 0 and not dp[i] > 1)]
        expect(not wrong_way, f"{what}: where the label is the opposite of a certain p, dpred must be large and push "
                              "p towards the label (below -1 at p = 0, y = 1; above 1 at p = 1, y = 0); got "
                              f"{dp[wrong_way[0]] if wrong_way else ''} at index {wrong_way[:1]}")
        inner = (p > 0) & (p < 1)
        if inner.any():
            want_dp = (p - y) / np.maximum(p * (1 - p), 1e-12) / p.size
            expect_close(dp[inner], want_dp[inner], f"{what}: dpred where 0 < p < 1", batch=p.size)


# ---------------------------------------------------------------------------------------------------------------
def _logits_loss_mistakes(z, y):
    return {"leaving out the max(z, 0) term": np.mean(-z * y + np.log1p(np.exp(-np.abs(z))))}


def _logits_grad_mistakes(z, y, dout):
    s = nnlib.sigmoid(z)
    return {"(sigmoid(z) - y) sigmoid'(z) / N (the sigmoid's derivative applied twice)":
            dout * (s - y) * s * (1 - s) / z.size,
            "(p - y) / (p (1 - p)) / N with p = sigmoid(z) (the gradient with respect to p, not z)":
            dout * (s - y) / np.maximum(s * (1 - s), 1e-12) / z.size}


def test_bce_with_logits(nb, rng):
    """Task 3 (2 points): bce_with_logits_forward(pred, target) -> (loss, cache), exact for any z;
    bce_with_logits_backward(dout, cache) -> dpred."""
    cases = [(np.array([0.0, 0.0]), np.array([1.0, 0.0]))]
    for shape in [(1,), (1, 1), (8,), (6, 1), (3, 5), (2, 2, 2)]:
        z = np.clip(rng.normal(0.0, 3.0, size=shape), -6.0, 6.0)  # where central differences are accurate
        cases.append((z, rng.integers(0, 2, size=shape).astype(float)))
    _check_pair(nb, "bce_with_logits", cases, batch=np.size, loss_mistakes=_logits_loss_mistakes,
                grad_mistakes=_logits_grad_mistakes, tol=1e-5)

    # huge logits: the visible case, then a mix; the loss exact, dpred finite and exact
    for z, y in [(np.array([[-1000.0], [1000.0]]), np.array([[1.0], [1.0]])),
                 (np.array([-1000.0, -1000.0, 1000.0, 1000.0, -60.0, 60.0, -30.0, 30.0, 0.0]),
                  np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0]))]:
        what = f"bce_with_logits at logits up to +-1000 (z of shape {z.shape})"
        loss, cache = _forward(nb, "bce_with_logits_forward", z, y, f"bce_with_logits_forward(pred, target) ({what})")
        want_loss, ref_cache = nnlib.bce_with_logits_forward(z, y)
        expect(np.isfinite(loss), f"{what}: the loss must be finite: expected {want_loss:.8g}, got {loss}")
        expect_close(loss, want_loss, f"{what}: the loss",
                     mistakes={"sigmoid first, then the logs clamped at -100 (inexact at large |z|)":
                               nnlib.bce_forward(nnlib.sigmoid(z), y)[0]})
        dz = _backward_at_edges(nb, "bce_with_logits", cache, z.shape, what)
        expect_close(dz, nnlib.bce_with_logits_backward(1.0, ref_cache), f"{what}: dpred for dout = 1.0",
                     atol=1e-15, batch=z.size)


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
    for z, got in zip(cases, nb.ask_many([Call("softmax", z) for z in cases])):
        large = np.abs(z).max() > 100
        what = f"softmax(z) for z of shape {z.shape}" + (" with logits of size up to 1e4" if large else "")
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
def _ce_grad_mistakes(z, y, dout):
    n, c = z.shape
    return {"(softmax - onehot) / (N C) (a mean over all entries, not over the N examples)":
            dout * (nnlib.softmax(z) - np.eye(c)[y]) / (n * c)}


def test_softmax_cross_entropy(nb, rng):
    """Task 5 (3 points): softmax_cross_entropy_forward(pred, target) -> (loss, cache);
    softmax_cross_entropy_backward(dout, cache) -> dpred."""
    cases = [(np.zeros((2, 3)), np.array([0, 2]))]
    for n, c in [(1, 2), (1, 5), (4, 3), (3, 7), (6, 6), (10, 4)]:
        cases.append((rng.normal(0.0, 1.5, size=(n, c)), rng.integers(0, c, size=n)))
    _check_pair(nb, "softmax_cross_entropy", cases, batch=lambda z: z.shape[0], grad_mistakes=_ce_grad_mistakes,
                tol=1e-5)

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
        loss, cache = _forward(nb, "softmax_cross_entropy_forward", logits, labels,
                               f"softmax_cross_entropy_forward(pred, target) ({what})")
        want_loss, ref_cache = nnlib.softmax_cross_entropy_forward(logits, labels)
        expect(np.isfinite(loss), f"{what}: the loss must be finite: expected {want_loss:.8g}, got {loss} "
                                  "(compute log softmax with the log-sum-exp trick, not log of the softmax)")
        expect_close(loss, want_loss, f"{what}: the loss", batch=n)
        dz = _backward_at_edges(nb, "softmax_cross_entropy", cache, logits.shape, what,
                                hint=": subtract each row's maximum")
        expect_close(dz, nnlib.softmax_cross_entropy_backward(1.0, ref_cache), f"{what}: dpred for dout = 1.0",
                     atol=1e-10, batch=n, mistakes=_ce_grad_mistakes(logits, labels, 1.0))
