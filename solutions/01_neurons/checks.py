"""Trusted checks for exercise 1, neurons: one function per graded test cell, named by its grade id.

Run in the grader's process (never in the student's kernel), on fresh random inputs, against nnlib and central
differences.  Each re-checks the cell's visible cases too.  See grading/runner.py for the contract.
"""
import numpy as np

import nnlib
from grading import Call, expect_close, expect_gradient

SHAPES = [(1,), (1, 1), (9,), (4, 3), (2, 3, 2)]


# The trusted derivatives: each activation's backward pass in nnlib, given an upstream gradient of ones.
def sigmoid_slope(z):
    return nnlib.sigmoid_backward(np.ones_like(z), nnlib.sigmoid_forward(z)[1])


def tanh_slope(z):
    return nnlib.tanh_backward(np.ones_like(z), nnlib.tanh_forward(z)[1])


def relu_slope(z):
    return nnlib.relu_backward(np.ones_like(z), nnlib.relu_forward(z)[1])


def test_sigmoid(nb, rng):
    """Task 1 (2 points): sigmoid(z) -> sigma(z), elementwise, without NaN at extreme z."""
    cases = [np.array([0.0]), np.array([-2.0, 2.0]), np.array([[-800.0, 800.0]])]   # the visible cases
    cases += [rng.normal(0.0, 4.0, size=shape) for shape in SHAPES]
    extreme = np.array([-1000.0, -40.0, -1e-12, 0.0, 1e-12, 40.0, 1000.0])
    answers = nb.ask_many([Call("sigmoid", z) for z in cases + [extreme]])  # one round trip
    for z, got in zip(cases, answers):
        what = f"sigmoid(z) for z of shape {z.shape}"
        with np.errstate(over="ignore"):
            mistakes = {"1 / (1 + exp(z)), the sign of the exponent flipped": nnlib.sigmoid(-z),
                        "np.tanh instead of the logistic function": np.tanh(z),
                        "1 / 1 + exp(-z), parentheses missing around the denominator": 1 + np.exp(-z),
                        "the formula for z >= 0 used for every z, 1 / (1 + exp(-|z|))": nnlib.sigmoid(np.abs(z))}
        expect_close(got, nnlib.sigmoid(z), what, atol=1e-12, mistakes=mistakes)
    expect_close(next(answers), nnlib.sigmoid(extreme), "sigmoid at extreme inputs (|z| up to 1000)", atol=1e-12)


def test_sigmoid_grad(nb, rng):
    """Task 2 (2 points): sigmoid_grad(z) -> sigma'(z), elementwise."""
    cases = [np.array([0.0]), np.array([-3.0, 3.0]), np.linspace(-6, 6, 13)]   # the visible cases
    cases += [rng.normal(0.0, 3.0, size=shape) for shape in SHAPES]
    extreme = np.array([-1000.0, -40.0, -1e-12, 0.0, 1e-12, 40.0, 1000.0])
    answers = nb.ask_many([Call("sigmoid_grad", z) for z in cases + [extreme]])  # one round trip
    for z, got in zip(cases, answers):
        what = f"sigmoid_grad(z) for z of shape {z.shape}"
        s = nnlib.sigmoid(z)
        mistakes = {"z * (1 - z), the formula applied to z instead of sigma(z)": z * (1 - z),
                    "sigma(z) itself instead of its derivative": s,
                    "sigma(z) * (1 + sigma(z))": s * (1 + s),
                    "the derivative taken at the output, sigma'(sigma(z))": sigmoid_slope(s)}
        expect_close(got, sigmoid_slope(z), what, mistakes=mistakes)
        expect_gradient(got, nnlib.sigmoid, z, what, dout=np.ones(z.shape))
    expect_close(next(answers), sigmoid_slope(extreme), "sigmoid_grad at extreme inputs (|z| up to 1000)",
                 atol=1e-12)


def test_tanh_grad(nb, rng):
    """Task 3 (2 points): tanh_grad(z) -> 1 - tanh(z)**2, elementwise."""
    cases = [np.array([0.0]), np.zeros((2, 3)), np.array([-20.0, 20.0])]   # the visible cases
    cases += [rng.normal(0.0, 1.5, size=shape) for shape in SHAPES]
    for z, got in zip(cases, nb.ask_many([Call("tanh_grad", z) for z in cases])):  # one round trip
        what = f"tanh_grad(z) for z of shape {z.shape}"
        t = np.tanh(z)
        mistakes = {"1 - tanh(z), the square forgotten": 1 - t,
                    "1 - z**2, tanh forgotten": 1 - z * z,
                    "1 + tanh(z)**2": 1 + t * t,
                    "tanh(z)**2 instead of 1 - tanh(z)**2": t * t}
        expect_close(got, tanh_slope(z), what, atol=1e-12, mistakes=mistakes)
        expect_gradient(got, np.tanh, z, what, dout=np.ones(z.shape))


def test_relu(nb, rng):
    """Task 4 (2 points): relu(z) -> max(0, z) and relu_grad(z) -> 1 where z > 0, else 0 (also at z == 0)."""
    z = np.array([-2.0, 0.0, 3.0])   # the visible case
    expect_close(nb.ask("relu", z), [0.0, 0.0, 3.0], "relu(z) for z = [-2, 0, 3]",
                 mistakes={"np.max(z, 0), a reduction over axis 0 instead of an elementwise maximum": np.max(z, 0)})
    expect_close(nb.ask("relu_grad", z), [0.0, 0.0, 1.0], "relu_grad(z) for z = [-2, 0, 3] (the derivative at 0 is 0)",
                 mistakes={"the slope 1 at z == 0 (z >= 0)": [0.0, 1.0, 1.0],
                           "relu(z) itself instead of its slope": [0.0, 0.0, 3.0],
                           "a slope of 1 everywhere (the negative inputs not zeroed)": [1.0, 1.0, 1.0]})
    cases = [np.ones((4, 2))]
    for shape in SHAPES + [(10,), (3, 4)]:
        z = rng.normal(0.0, 2.0, size=shape)
        cases.append(np.where(np.abs(z) < 1e-3, 0.5, z))   # keep central differences away from the kink
    answers = nb.ask_many([Call(name, z) for z in cases for name in ("relu", "relu_grad")])  # one round trip
    for z in cases:
        expect_close(next(answers), nnlib.relu(z), f"relu(z) for z of shape {z.shape}",
                     mistakes={"np.max(z, 0), a reduction over axis 0 instead of an elementwise maximum": np.max(z, 0),
                               "np.abs(z) instead of max(0, z)": np.abs(z)})
        what = f"relu_grad(z) for z of shape {z.shape}"
        got = next(answers)
        mistakes = {"relu(z) itself instead of its slope": nnlib.relu(z),
                    "a slope of 1 everywhere (the negative inputs not zeroed)": np.ones(z.shape)}
        expect_close(got, relu_slope(z), what, mistakes=mistakes)
        expect_gradient(got, nnlib.relu, z, what, dout=np.ones(z.shape))
    z = rng.normal(size=(3, 4))
    z[0, 1] = z[2, 0] = z[1, 3] = 0.0
    expect_close(nb.ask("relu", z), nnlib.relu(z), "relu(z) where some z are exactly 0")
    expect_close(nb.ask("relu_grad", z), relu_slope(z),
                 "relu_grad(z) where some z are exactly 0 (the derivative at 0 is 0)",
                 mistakes={"the slope 1 at z == 0 (z >= 0)": (z >= 0).astype(float)})


def test_neuron_forward(nb, rng):
    """Task 5 (2 points): neuron_forward(X, w, b, activation) -> activation(X @ w + b), shape (N,)."""
    np_ = nb.handle("np")   # the activations are NumPy's own, as the notebook imported it: nothing from Task 1-4
    activations = [("the identity", np_.attr("positive"), lambda v: v), ("np.tanh", np_.attr("tanh"), np.tanh)]
    X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])   # the visible case
    cases = [(X, np.array([0.5, -1.0]), 0.25)]
    for n, d in [(1, 3), (6, 1), (1, 1), (4, 4), (5, 3), (12, 7)]:
        cases.append((rng.normal(size=(n, d)), rng.normal(size=d), float(rng.normal())))
    answers = nb.ask_many([Call("neuron_forward", X, w, b, handle) for X, w, b in cases
                           for _, handle, _ in activations])  # one round trip
    for X, w, b in cases:
        for name, handle, f in activations:
            what = f"neuron_forward(X, w, b, {name}) for X of shape {X.shape}"
            mistakes = {"the bias left out": f(X @ w),
                        "the bias added after the activation": f(X @ w) + b,
                        "the activation not applied": X @ w + b,
                        "a sum over the batch (axis 0) instead of over the features": f((X * w).sum(axis=0) + b)}
            if X.shape[0] == X.shape[1]:
                mistakes["X.T @ w, the input matrix transposed"] = f(X.T @ w + b)
            expect_close(next(answers), f(X @ w + b), what, atol=1e-12, mistakes=mistakes)
