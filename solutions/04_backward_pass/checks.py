"""Trusted checks for exercise 4, the backward pass: one function per graded test cell, named by its grade id.

Run in the grader's process (never in the student's kernel), on fresh random inputs, against nnlib and central
differences.  Each re-checks the cell's visible cases too.  See grading/runner.py for the contract.
"""
import numpy as np

import nnlib
from grading import expect, expect_close, expect_gradient, expect_shape


def test_dense_backward(nb, rng):
    """Task 1 (3 points): dense_backward(dout, cache) -> (dx, dW, db), with cache = (x, W) from dense_forward."""
    visible = (np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0]]),
               np.array([[1.0, 0.0, -1.0, 2.0], [0.5, 1.0, 0.0, -1.0]]),
               np.array([[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0], [2.0, 0.0, 1.0, 0.0]]))
    cases = [visible]
    for n, d_in, d_out in [(1, 3, 2), (4, 1, 5), (5, 4, 1), (6, 3, 3), (3, 3, 3), (7, 5, 2)]:
        cases.append((rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)), rng.normal(size=(n, d_out))))
    for x, W, dout in cases:
        (n, d_in), d_out = x.shape, W.shape[1]
        b = rng.normal(size=d_out)
        _, cache = nnlib.dense_forward(x, W, b)
        where = f"for x {x.shape}, W {W.shape}, dout {dout.shape}"
        got = nb.ask("dense_backward", dout, cache)
        expect(isinstance(got, (tuple, list)) and len(got) == 3,
               f"dense_backward must return a tuple (dx, dW, db) of three arrays {where}")
        dx, dW, db = got
        want_dx, want_dW, want_db = nnlib.dense_backward(dout, cache)
        wrong_axis = {"summing dout over the feature axis (axis=1)": dout.sum(axis=1)}
        expect_close(dx, want_dx, f"dx {where}", batch=n)
        expect_close(dW, want_dW, f"dW {where}", batch=n, mistakes={"dout.T @ x": dout.T @ x})
        expect_close(db, want_db, f"db {where}", batch=n, mistakes=wrong_axis)
        expect_gradient(dx, lambda v: nnlib.dense_forward(v, W, b)[0], x, f"dx {where}", dout=dout)
        expect_gradient(dW, lambda v: nnlib.dense_forward(x, v, b)[0], W, f"dW {where}", dout=dout)
        expect_gradient(db, lambda v: nnlib.dense_forward(x, W, v)[0], b, f"db {where}", dout=dout)


def test_sigmoid_backward(nb, rng):
    """Task 2 (2 points): sigmoid_backward(dout, cache) -> dz, with cache = out = sigma(z) from sigmoid_forward."""
    cases = [(np.array([2.0]), np.array([0.0])), (np.ones((2, 3)), np.zeros((2, 3))),
             (np.zeros(4), np.linspace(-2, 2, 4)), (np.array([1.0, -3.0, 0.5]), np.array([-1.0, 0.5, 2.0]))]
    for shape in [(1,), (1, 1), (4, 3), (2, 3, 4), (9,)]:
        cases.append((rng.normal(size=shape), rng.normal(0.0, 3.0, size=shape)))
    for dout, z in cases:
        what = f"sigmoid_backward(dout, cache) for z of shape {z.shape}"
        out, cache = nnlib.sigmoid_forward(z)
        got = nb.ask("sigmoid_backward", dout, cache)
        s_out = nnlib.sigmoid(out)
        mistakes = {"sigmoid applied to the cache, which already holds sigma(z): the derivative taken at the "
                    "output, sigma'(sigma(z))": dout * s_out * (1 - s_out),
                    "forgetting the upstream gradient dout": out * (1 - out),
                    "dout * (1 - out), the factor out forgotten": dout * (1 - out)}
        expect_close(got, nnlib.sigmoid_backward(dout, cache), what, mistakes=mistakes)
        expect_gradient(got, nnlib.sigmoid, z, what, dout=dout)
    z = np.array([-30.0, -8.0, -1e-9, 0.0, 1e-9, 8.0, 30.0])
    dout = rng.normal(size=z.shape)
    _, cache = nnlib.sigmoid_forward(z)
    expect_close(nb.ask("sigmoid_backward", dout, cache), nnlib.sigmoid_backward(dout, cache),
                 "sigmoid_backward at strongly negative, zero and strongly positive z", atol=1e-12)


def test_relu_backward(nb, rng):
    """Task 3 (2 points): relu_backward(dout, cache) -> dz, with cache = z from relu_forward; slope 0 at z == 0."""
    cases = [(np.array([3.0, 5.0, -7.0, 2.0]), np.array([-1.0, 0.0, 2.0, 0.5])), (np.ones((3, 2)), np.ones((3, 2)))]
    for shape in [(1,), (1, 1), (5, 4), (2, 3, 2), (12,)]:
        z = rng.normal(0.0, 2.0, size=shape)
        z = np.where(np.abs(z) < 1e-3, 0.5, z)          # keep central differences away from the kink
        cases.append((rng.normal(size=shape), z))
    z = np.array([[-2.0, 0.0, 1.5], [0.0, 3.0, -0.5]])   # some z exactly 0: the derivative there is 0
    cases.append((rng.normal(size=z.shape), z))
    for dout, z in cases:
        what = f"relu_backward(dout, cache) for z of shape {z.shape}"
        if np.any(z == 0):
            what += " where some z are exactly 0 (the derivative at 0 is 0)"
        _, cache = nnlib.relu_forward(z)
        got = nb.ask("relu_backward", dout, cache)
        mistakes = {"the slope 1 at z == 0 (z >= 0)": dout * (z >= 0),
                    "forgetting the upstream gradient dout": (z > 0).astype(float),
                    "the value relu(z) instead of its slope": dout * np.maximum(z, 0.0)}
        expect_close(got, nnlib.relu_backward(dout, cache), what, mistakes=mistakes)
        if not np.any(z == 0):
            expect_gradient(got, nnlib.relu, z, what, dout=dout)


KEYS = ("W1", "b1", "W2", "b2")


def _trusted_loss(x, y, p):
    h = nnlib.relu(nnlib.dense_forward(x, p["W1"], p["b1"])[0])
    return nnlib.SoftmaxCrossEntropyLoss()(nnlib.dense_forward(h, p["W2"], p["b2"])[0], y)


def _trusted_grads(x, y, p):
    d, k = p["W1"].shape
    c = p["W2"].shape[1]
    l1 = nnlib.Dense(d, k, init=lambda i, o: p["W1"].copy())
    l2 = nnlib.Dense(k, c, init=lambda i, o: p["W2"].copy())
    l1.b.value[:] = p["b1"]
    l2.b.value[:] = p["b2"]
    net, loss_fn = nnlib.Sequential(l1, nnlib.ReLU(), l2), nnlib.SoftmaxCrossEntropyLoss()
    loss = loss_fn(net.forward(x), y)
    net.backward(loss_fn.backward())
    return loss, {"W1": l1.W.grad.copy(), "b1": l1.b.grad.copy(), "W2": l2.W.grad.copy(), "b2": l2.b.grad.copy()}


def _answer(nb, x, y, p, where):
    got = nb.ask("two_layer_loss_and_grads", x, y, p)
    expect(isinstance(got, (tuple, list)) and len(got) == 2,
           f"two_layer_loss_and_grads must return a pair (loss, grads) {where}")
    loss, grads = got
    expect(isinstance(grads, dict) and set(grads) == set(KEYS),
           f"grads must be a dict with exactly the keys W1, b1, W2, b2 {where}")
    expect_shape(loss, (), f"the loss {where} (a single number)")
    return float(np.asarray(loss, dtype=np.float64)), grads


def _expect_all(nb, x, y, p, where, *, gradient=True):
    loss, grads = _answer(nb, x, y, p, where)
    want_loss, want_grads = _trusted_grads(x, y, p)
    n = x.shape[0]
    expect(np.isfinite(loss), f"the loss {where} is not finite: subtract each row's maximum before exponentiating")
    expect_close(loss, want_loss, f"the loss {where}", batch=n)
    for key in KEYS:
        expect_close(grads[key], want_grads[key], f"grads[{key!r}] {where}", batch=n)
        if gradient:
            expect_gradient(grads[key], lambda v: _trusted_loss(x, y, {**p, key: v}), p[key],
                            f"grads[{key!r}] {where}", batch=n)


def test_two_layer_loss_and_grads(nb, rng):
    """Task 4 (3 points): two_layer_loss_and_grads(x, y, params) -> (loss, grads)."""
    # the visible cases: all parameters zero, and the random network of the visible test
    zeros = {"W1": np.zeros((2, 4)), "b1": np.zeros(4), "W2": np.zeros((4, 3)), "b2": np.zeros(3)}
    _expect_all(nb, np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([0, 2]), zeros, "with all parameters 0",
                gradient=False)
    visible = np.random.default_rng(0)
    x, y = visible.normal(size=(5, 3)), np.array([0, 1, 2, 1, 0])
    p = {"W1": visible.normal(size=(3, 4)), "b1": visible.normal(size=4),
         "W2": visible.normal(size=(4, 3)), "b2": visible.normal(size=3)}
    _expect_all(nb, x, y, p, "for the visible test's network")

    for n, d, k, c in [(1, 3, 4, 2), (5, 2, 3, 3), (8, 4, 6, 5), (4, 1, 2, 2), (6, 3, 5, 4)]:
        x = rng.normal(size=(n, d))
        y = rng.integers(0, c, size=n)
        p = {"W1": rng.normal(size=(d, k)), "b1": rng.normal(size=k),
             "W2": rng.normal(size=(k, c)), "b2": rng.normal(size=c)}
        _expect_all(nb, x, y, p, f"for x {x.shape}, W1 {p['W1'].shape}, W2 {p['W2'].shape}")

    # some hidden pre-activations exactly 0 (a zero input row meets zero biases): relu's derivative there is 0
    x = rng.normal(size=(4, 3))
    x[1] = 0.0
    p = {"W1": rng.normal(size=(3, 5)), "b1": np.array([0.0, 0.5, 0.0, -0.5, 0.0]),
         "W2": rng.normal(size=(5, 3)), "b2": rng.normal(size=3)}
    _expect_all(nb, x, np.array([2, 0, 1, 0]), p, "when some hidden pre-activations are exactly 0", gradient=False)

    # large scores: the loss must stay finite and exact
    x = rng.normal(size=(5, 3))
    p = {"W1": rng.normal(size=(3, 6)) * 30, "b1": rng.normal(size=6),
         "W2": rng.normal(size=(6, 4)) * 30, "b2": rng.normal(size=4)}
    _expect_all(nb, x, np.array([0, 1, 2, 3, 1]), p, "with scores of size 1000", gradient=False)
