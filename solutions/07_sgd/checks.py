"""Trusted checks for exercise 7, stochastic gradient descent: one function per graded test cell, named by its grade id.

Run in the grader's process (never in the student's kernel), on fresh random inputs, against nnlib (its
``minibatches`` and ``SoftmaxCrossEntropyLoss``), central differences of nnlib's loss, and a brute-force average
over every mini-batch.  Each re-checks the cell's visible cases too.  See grading/runner.py for the contract.
"""
import math
from itertools import combinations

import numpy as np

import nnlib
from grading import Call, as_array, expect, expect_close, expect_gradient, expect_shape, fail


# -- Task 1 ------------------------------------------------------------------------------------------------------

def _order_of(batches, y, what):
    """The example indices the batches visit, in order (y holds distinct labels); checks the answer's structure."""
    if not isinstance(batches, (list, tuple)):
        fail(f"{what}: return a list of (Xb, yb) tuples (a generator cannot be graded: wrap it in list(...))")
    pos = {int(v): i for i, v in enumerate(y)}
    order = []
    for k, pair in enumerate(batches):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            fail(f"{what}: batch {k} is not an (Xb, yb) pair")
        yb = as_array(pair[1], f"{what}: yb of batch {k}")
        if yb.ndim != 1 or not all(float(v).is_integer() and int(v) in pos for v in yb):
            fail(f"{what}: batch {k}: yb must be a 1-D array of labels taken from y")
        order.extend(pos[int(v)] for v in yb)
    return np.array(order, dtype=int)


def _check_epoch(got, X, y, B, want_order, what):
    """`got` must be exactly the batches of `want_order` in batches of B, rows of X paired with labels of y."""
    N, D = X.shape
    order = _order_of(got, y, what)
    want_sizes = [B] * (N // B) + ([N % B] if N % B else [])
    sizes = [len(np.asarray(pair[1])) for pair in got]
    if len(got) == N // B and N % B:
        fail(f"{what}: the last, smaller batch of {N % B} example(s) is missing (expected batch sizes {want_sizes}, "
             f"got {sizes})", mistake="last batch dropped")
    expect(sizes == want_sizes, f"{what}: expected batch sizes {want_sizes}, got {sizes}")
    expect(sorted(order.tolist()) == list(range(N)),
           f"{what}: every example must appear exactly once per epoch (some appear twice or never)")
    start = 0
    for k, (Xb, yb) in enumerate(got):
        n_k = len(np.asarray(yb))
        expect_shape(Xb, (n_k, D), f"{what}: Xb of batch {k}")
        expect(np.array_equal(np.asarray(Xb, dtype=float), X[order[start:start + n_k]]),
               f"{what}: in batch {k} the rows of Xb do not go with the labels in yb "
               "(shuffle X and y with the same permutation)")
        start += n_k
    if N >= 5:
        expect(not np.array_equal(order, np.arange(N)),
               f"{what}: the examples are in their original order; shuffle them", mistake="no shuffle")
    expect(np.array_equal(order, want_order),
           f"{what}: the order of the examples is not np.random.default_rng(rng).permutation(N) "
           "(follow the contract: one permutation, batch k = order[k * batch_size:(k + 1) * batch_size])")
    return order


def test_iterate_minibatches(nb, rng):
    """Task 1 (3 points): iterate_minibatches(X, y, batch_size, rng) -> list of (Xb, yb)."""
    # the visible case: N = 10 in batches of 4, seed 0
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    what = "iterate_minibatches(X, y, 4, 0) for the visible test's X (10, 2)"
    got = nb.ask("iterate_minibatches", X, y, 4, 0)
    _check_epoch(got, X, y, 4, np.random.default_rng(0).permutation(10), what)
    expect(isinstance(got, list), f"{what}: return a list of (Xb, yb) tuples, not a {type(got).__name__}")

    cases = []
    for N, D, B in [(1, 3, 1), (1, 2, 4), (5, 2, 5), (7, 3, 10), (10, 2, 3), (13, 4, 4), (20, 1, 1), (64, 5, 16),
                    (50, 3, 7), (9, 2, 8)]:
        X = rng.normal(size=(N, D))
        y = rng.permutation(N) + 100                        # distinct labels: they identify the rows
        cases.append((X, y, B, int(rng.integers(0, 2**31 - 1))))
    calls = []  # each case twice with its seed, and (N >= 10) once with the next seed: all in one round trip
    for X, y, B, seed in cases:
        calls += [Call("iterate_minibatches", X, y, B, seed)] * 2
        if len(X) >= 10:
            calls.append(Call("iterate_minibatches", X, y, B, seed + 1))
    answers = nb.ask_many(calls)
    for X, y, B, seed in cases:
        N, D = X.shape
        what = f"iterate_minibatches(X, y, batch_size={B}, rng=<an int seed>) with X of shape {(N, D)}"
        got = next(answers)
        order = _check_epoch(got, X, y, B, np.random.default_rng(seed).permutation(N), what)
        again = _order_of(next(answers), y, what)
        expect(np.array_equal(order, again), f"{what}: two calls with the same seed gave different orders")
        if N >= 10:
            other = _order_of(next(answers), y, what)
            expect(not np.array_equal(order, other), f"{what}: two different seeds gave the same order")
        ref = list(nnlib.minibatches(X, y, B, rng=seed))
        for k, ((Xb, yb), (Xr, yr)) in enumerate(zip(got, ref)):
            expect_close(Xb, Xr, f"{what}: Xb of batch {k}", rtol=0, atol=0)
            expect_close(yb, yr, f"{what}: yb of batch {k}", rtol=0, atol=0)

    # rng given as a np.random.Generator (made in the notebook): its stream continues from one call to the next
    N, D, B = 12, 2, 5
    X, y = rng.normal(size=(N, D)), np.arange(N)
    seed = int(rng.integers(0, 2**31 - 1))
    gen = nb.ask(nb.handle("np").attr("random").attr("default_rng"), seed)   # a Generator stays in the notebook
    trusted = np.random.default_rng(seed)
    answers = nb.ask_many([Call("iterate_minibatches", X, y, B, gen)] * 2)
    for call, got in zip(("first", "second"), answers):
        what = (f"iterate_minibatches(X, y, 5, gen) with X of shape {(N, D)}, gen a np.random.Generator, "
                f"{call} call with the same gen (np.random.default_rng(gen) is gen itself: each call continues "
                "its stream)")
        _check_epoch(got, X, y, B, trusted.permutation(N), what)


# -- Task 2 ------------------------------------------------------------------------------------------------------

def _trusted_loss(Xb, yb, W, b):
    return nnlib.SoftmaxCrossEntropyLoss()(Xb @ W + b, yb)


def _trusted_grads(Xb, yb, W, b):
    f = nnlib.SoftmaxCrossEntropyLoss()
    loss = f(Xb @ W + b, yb)
    dZ = f.backward()
    return loss, Xb.T @ dZ, dZ.sum(axis=0), dZ


def _check_softmax(nb, Xb, yb, W, b, what, *, gradient=True):
    got = nb.ask("softmax_regression_grad", Xb, yb, W, b)
    expect(isinstance(got, (tuple, list)) and len(got) == 3, f"{what}: return a tuple (loss, dW, db)")
    loss, dW, db = got
    expect_shape(loss, (), f"{what}: the loss (a single number)")
    loss = float(np.asarray(loss, dtype=np.float64))
    B = len(yb)
    want_loss, want_dW, want_db, dZ = _trusted_grads(Xb, yb, W, b)
    expect(np.isfinite(loss), f"{what}: the loss is not finite: subtract each row's maximum score before np.exp, "
                              "and never take np.log of a probability that can be 0")
    expect_close(loss, want_loss, f"{what}: the loss", batch=B)
    P = dZ * B
    P[np.arange(B), yb] += 1.0                          # the probabilities softmax(Z)
    mistakes_dW = {"the gradient P instead of P - Y (the one-hot labels not subtracted)": Xb.T @ P / B}
    mistakes_db = {"the gradient P instead of P - Y (the one-hot labels not subtracted)": P.sum(axis=0) / B,
                   "summing over the class axis (axis=1) instead of the batch axis": dZ.sum(axis=1)}
    expect_close(dW, want_dW, f"{what}: dW", batch=B, mistakes=mistakes_dW)
    expect_close(db, want_db, f"{what}: db", batch=B, mistakes=mistakes_db)
    if gradient:
        expect_gradient(dW, lambda W_: _trusted_loss(Xb, yb, W_, b), W, f"{what}: dW", batch=B,
                        mistakes=mistakes_dW)
        expect_gradient(db, lambda b_: _trusted_loss(Xb, yb, W, b_), b, f"{what}: db", batch=B,
                        mistakes=mistakes_db)


def test_softmax_regression_grad(nb, rng):
    """Task 2 (2 points): softmax_regression_grad(Xb, yb, W, b) -> (loss, dW, db)."""
    # the visible cases: zero parameters (loss ln 3), the random W, b of the visible test, and a bias of +-1000
    Xb, yb = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([0, 1])
    _check_softmax(nb, Xb, yb, np.zeros((2, 3)), np.zeros(3), "softmax_regression_grad with W = 0 and b = 0")
    visible = np.random.default_rng(0)
    W, b = visible.normal(size=(2, 3)), visible.normal(size=3)
    _check_softmax(nb, Xb, yb, W, b, "softmax_regression_grad for the visible test's W and b")
    _check_softmax(nb, Xb, yb, W, np.array([1000.0, -1000.0, 0.0]),
                   "softmax_regression_grad for the visible test's bias [1000, -1000, 0]", gradient=False)

    for B, D, C in [(1, 3, 2), (5, 4, 3), (16, 7, 10), (8, 1, 4), (3, 6, 5), (4, 2, 4)]:
        Xb = rng.normal(size=(B, D))
        yb = rng.integers(0, C, size=B)
        W = rng.normal(0.0, 0.7, size=(D, C))
        b = rng.normal(size=C)
        _check_softmax(nb, Xb, yb, W, b, f"softmax_regression_grad with Xb of shape {(B, D)} and C = {C}")

    # scores in the thousands (exp overflows beyond 709): a stable softmax gives finite, exact answers
    B, D, C = 8, 3, 4
    Xb, yb = rng.normal(size=(B, D)), rng.permutation(np.arange(B) % C)     # every class is somebody's label
    W, b = rng.normal(0.0, 300.0, size=(D, C)), np.array([900.0, -900.0, 0.0, 450.0])
    _check_softmax(nb, Xb, yb, W, b, "softmax_regression_grad with scores in the thousands", gradient=False)


# -- Task 3 ------------------------------------------------------------------------------------------------------

VARIANTS = ("a new generator from the seed every epoch (the same order every epoch)",
            "no shuffling (the batches in the original order)",
            "the last, smaller batch of each epoch dropped",
            "the full-batch gradient at every update",
            "the loss recorded after the update instead of before",
            "the bias never updated",
            "gradient ascent (W + lr * dW)",
            "a second 1/B in the update",
            "the gradient summed over the batch (no 1/B)")


def _trusted_sgd(X, y, W, b, lr, epochs, B, seed, variant=None):
    """The contract (variant None), or a known mistake (one of VARIANTS), to explain a wrong answer."""
    f = nnlib.SoftmaxCrossEntropyLoss()
    gen = np.random.default_rng(seed)
    losses = []
    for _ in range(epochs):
        if variant == VARIANTS[0]:
            gen = np.random.default_rng(seed)
        batches = list(nnlib.minibatches(X, y, B, rng=gen, shuffle=(variant != VARIANTS[1])))
        if variant == VARIANTS[2] and len(X) % B:
            batches = batches[:-1]
        for Xb, yb in batches:
            if variant == VARIANTS[3]:
                Xb, yb = X, y
            loss = f(Xb @ W + b, yb)
            dZ = f.backward()
            dW, db = Xb.T @ dZ, dZ.sum(axis=0)
            if variant == VARIANTS[5]:
                db = 0.0 * db
            elif variant == VARIANTS[6]:
                dW = -dW
            elif variant == VARIANTS[7]:
                dW, db = dW / len(yb), db / len(yb)
            elif variant == VARIANTS[8]:
                dW, db = dW * len(yb), db * len(yb)
            W, b = W - lr * dW, b - lr * db
            losses.append(f(Xb @ W + b, yb) if variant == VARIANTS[4] else loss)
    return W, b, np.array(losses)


def _close(a, b):
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-9))


def _check_sgd(nb, X, y, W0, b0, lr, epochs, B, seed, what):
    N, D = X.shape
    C = W0.shape[1]
    got = nb.ask("sgd_train", X, y, W0, b0, lr, epochs, B, seed)   # also fails if W0 or b0 is modified in place
    expect(isinstance(got, (tuple, list)) and len(got) == 3, f"{what}: return a tuple (W, b, losses)")
    W, b, losses = got
    expect_shape(W, (D, C), f"{what}: the final W")
    expect_shape(b, (C,), f"{what}: the final b")
    W, b = as_array(W, f"{what}: the final W"), as_array(b, f"{what}: the final b")
    losses = as_array(losses, f"{what}: the losses")
    expect(losses.ndim == 1, f"{what}: losses must be a 1-D array (or list) of numbers, got shape {losses.shape}")
    n_updates = epochs * math.ceil(N / B)
    Wt, bt, lt = _trusted_sgd(X, y, W0, b0, lr, epochs, B, seed)
    if not (_close(W, Wt) and _close(b, bt) and _close(losses, lt)):
        for variant in VARIANTS:
            Wv, bv, lv = _trusted_sgd(X, y, W0, b0, lr, epochs, B, seed, variant)
            if _close(W, Wv) and _close(b, bv) and _close(losses, lv):
                fail(f"{what}: your W, b and losses are what training with {variant} gives; follow the contract",
                     mistake=variant)
    if len(losses) == epochs * (N // B) and N % B:
        fail(f"{what}: {len(losses)} losses: the last, smaller batch of each epoch is missing",
             mistake="last batch dropped")
    expect(len(losses) == n_updates,
           f"{what}: expected one loss per update, {n_updates} in all, got {len(losses)}")
    first = np.random.default_rng(seed).permutation(N)[:B]
    expect_close(losses[0], _trusted_loss(X[first], y[first], W0, b0),
                 f"{what}: the first loss (the first batch's loss, before any update)")
    expect_close(losses, lt, f"{what}: the losses (one per update, before the update)")
    expect_close(W, Wt, f"{what}: the final W")
    expect_close(b, bt, f"{what}: the final b")
    return W, b


def test_sgd_train(nb, rng):
    """Task 3 (3 points): sgd_train(X, y, W, b, lr, epochs, batch_size, seed) -> (W, b, losses)."""
    # the visible case: 30 examples of 3 learnable classes, zero parameters, 5 epochs in batches of 8, twice
    visible = np.random.default_rng(1)
    X = visible.normal(size=(30, 4))
    y = np.argmax(X[:, :3], axis=1)
    what = "sgd_train for the visible test (N = 30, batch_size = 8, epochs = 5, seed = 0)"
    W, b = _check_sgd(nb, X, y, np.zeros((4, 3)), np.zeros(3), 0.5, 5, 8, 0, what)
    W2, b2 = _check_sgd(nb, X, y, np.zeros((4, 3)), np.zeros(3), 0.5, 5, 8, 0, what + ", called a second time")
    expect(np.array_equal(W, W2) and np.array_equal(b, b2), f"{what}: the same seed must give the same result")

    cases = [(1, 2, 2, 1, 3, 0.5), (10, 3, 4, 4, 3, 0.3), (12, 5, 3, 12, 2, 0.5), (7, 4, 3, 10, 2, 0.4),
             (20, 6, 5, 1, 2, 0.1), (33, 4, 3, 8, 4, 0.2), (9, 2, 2, 2, 3, 1.0)]
    for N, D, C, B, epochs, lr in cases:
        X = rng.normal(size=(N, D))
        y = rng.integers(0, C, size=N)
        W0 = rng.normal(0.0, 0.5, size=(D, C))
        b0 = rng.normal(0.0, 0.5, size=C)
        seed = int(rng.integers(0, 2**31 - 1))
        _check_sgd(nb, X, y, W0, b0, lr, epochs, B, seed,
                   f"sgd_train with X of shape {(N, D)}, C = {C}, batch_size = {B}, epochs = {epochs}")


# -- Task 4 ------------------------------------------------------------------------------------------------------

def _brute_force(G, B):
    """The average over EVERY set of B distinct rows: the definition, no formula."""
    g = G.mean(axis=0)
    return float(np.mean([np.sum((G[list(S)].mean(axis=0) - g) ** 2) for S in combinations(range(len(G)), B)]))


def _noise_mistakes(G, B):
    N, P = G.shape
    d = G - G.mean(axis=0)
    sigma2 = np.mean(np.sum(d * d, axis=1))
    fpc = (N - B) / (N - 1)
    return {"sampling with replacement, sigma^2 / B (no factor (N - B) / (N - 1))": sigma2 / B,
            "the factor (N - B) / N instead of (N - B) / (N - 1)": sigma2 / B * (N - B) / N,
            "sigma^2 without subtracting the mean gradient g": np.mean(np.sum(G * G, axis=1)) / B * fpc,
            "the RMS error (a square root) instead of the squared error": np.sqrt(sigma2 / B * fpc),
            "sigma^2 averaged over the P coordinates instead of summed": sigma2 / P / B * fpc,
            "a noise falling like 1/sqrt(B)": sigma2 / np.sqrt(B) * fpc}


def _check_noise(nb, cases):
    """Grade minibatch_noise on cases [(G, batch_size, the expected answer, what, tolerances)], in one round trip."""
    answers = nb.ask_many([Call("minibatch_noise", G, B) for G, B, *_ in cases])
    for (G, B, want, what, tol), got in zip(cases, answers):
        expect_shape(got, (), f"{what} (a single number)")
        expect_close(got, want, what, mistakes=_noise_mistakes(G, B), **tol)


def test_minibatch_noise(nb, rng):
    """Task 4 (2 points): minibatch_noise(G, batch_size) -> the expected squared error of a mini-batch gradient."""
    # the visible cases
    G = np.array([[0.0], [2.0]])
    exact = dict(rtol=1e-8, atol=1e-12)
    cases = [(G, 1, 1.0, "minibatch_noise(G, 1) for G = [[0], [2]]", dict(atol=1e-12)),
             (G, 2, 0.0, "minibatch_noise(G, 2) for G = [[0], [2]] (a batch of all N examples)", dict(atol=1e-12))]
    G = np.random.default_rng(0).normal(size=(4, 3))
    cases.append((G, 2, _brute_force(G, 2), "minibatch_noise(G, 2) for the visible test's G (4, 3)", exact))

    for N, P, B in [(2, 3, 1), (5, 4, 2), (8, 3, 4), (6, 2, 5), (7, 5, 7), (8, 2, 1), (6, 1, 3), (9, 3, 3),
                    (3, 1, 2)]:
        G = rng.normal(size=(N, P)) + rng.normal(size=P)      # per-example gradients with a nonzero mean
        cases.append((G, B, _brute_force(G, B), f"minibatch_noise(G, {B}) for G of shape {(N, P)}", exact))

    # larger N: the exact formula, checked above against brute force on small cases
    for N, P, B in [(200, 10, 1), (200, 10, 16), (500, 4, 499), (300, 3, 300)]:
        G = rng.normal(size=(N, P)) * rng.uniform(0.5, 3.0, size=P) + 2.0
        d = G - G.mean(axis=0)
        want = np.mean(np.sum(d * d, axis=1)) / B * (N - B) / (N - 1)
        cases.append((G, B, want, f"minibatch_noise(G, {B}) for G of shape {(N, P)}", exact))
    _check_noise(nb, cases)
