"""Trusted checks for exercise 5, gradient descent: one function per graded test cell, named by its grade id.

Run in the grader's process (never in the student's kernel), on fresh random inputs, against trusted computations:
nnlib's SGD step, the descent loop's contract run step by step, np.linalg.eigvalsh, nnlib's mean squared error
with central differences, and np.linalg.lstsq.  Each re-checks the cell's visible cases too.  See
grading/runner.py for the contract.
"""
import numpy as np

import nnlib
from grading import Call, as_array, expect, expect_close, expect_gradient

DIVERGED_NORM = 1e10  # as in the notebook's read-only set-up cell


# -- Task 1 -----------------------------------------------------------------------------------------------------
def _sgd_reference(params, grads, lr):
    """The trusted update: nnlib.SGD (no momentum) on copies of the parameters."""
    ps = [nnlib.Parameter(np.array(p, dtype=np.float64, copy=True)) for p in params]
    for p, g in zip(ps, grads):
        p.grad = np.array(g, dtype=np.float64, copy=True)
    nnlib.SGD(ps, lr=lr).step()
    return [p.value for p in ps]


def test_gd_step(nb, rng):
    """Task 1 (2 points): gd_step(params, grads, lr) -> a new list of K arrays; inputs unchanged."""
    visible = ([np.array([1.0, 2.0]), np.array([[3.0]])], [np.array([0.5, -1.0]), np.array([[2.0]])], 0.1)
    cases = [visible]
    for shapes in [[(1,)], [(4,)], [(3, 2), (2,)], [(1, 1), (1,), (5, 3), (3,), (3, 1), (1,)], [(2, 3, 4)],
                   [(1, 6), (6,), (6, 1), (1,)]]:
        params = [rng.normal(size=s) for s in shapes]
        grads = [rng.normal(size=s) for s in shapes]
        cases.append((params, grads, float(rng.uniform(0.01, 2.0))))
    # one round trip; each answer also fails if a list or an array in it was changed in place
    answers = nb.ask_many([Call("gd_step", params, grads, lr) for params, grads, lr in cases])
    for (params, grads, lr), got in zip(cases, answers):
        k = len(params)
        shapes = [p.shape for p in params]
        what = f"gd_step on {k} parameter array(s) of shapes {shapes}"
        expect(isinstance(got, list), f"{what}: expected a list of arrays, got "
                                      f"{'a tuple' if isinstance(got, tuple) else type(got).__name__}")
        expect(len(got) == k, f"{what}: expected a list of {k} arrays (one per parameter), got {len(got)}")
        want = _sgd_reference(params, grads, lr)
        for i, (p, g) in enumerate(zip(params, grads)):
            mistakes = {"gradient ascent, p + lr * g": p + lr * g,
                        "the learning rate left out, p - g": p - g,
                        "the step without the parameter, -lr * g": -lr * g}
            if k > 1:
                mistakes["the learning rate divided by the number of arrays"] = p - (lr / k) * g
            expect_close(got[i], want[i], f"{what}, updated parameter #{i}", mistakes=mistakes)


# -- Task 2 -----------------------------------------------------------------------------------------------------
def _trusted_descent(grad, x0, lr, tol, max_iters):
    """The contract, step by step: (x, n_iters, status, the iterate before x or None)."""
    x = np.array(x0, dtype=np.float64, copy=True)
    with np.errstate(all="ignore"):
        for k in range(1, max_iters + 1):
            x_new = x - lr * grad(x)
            if not np.all(np.isfinite(x_new)) or np.linalg.norm(x_new) > DIVERGED_NORM:
                return x_new, k, "diverged", x
            if np.linalg.norm(x_new - x) < tol:
                return x_new, k, "converged", x
            x = x_new
    return x, max_iters, "max_iters", None


def _random_spd(rng, d):
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    lam = rng.uniform(0.5, 5.0, size=d)
    lam[0] = 5.0
    A = (q * lam) @ q.T
    return (A + A.T) / 2, 5.0


def _check_descents(nb, cases):
    """Grade gradient_descent on cases [(what, kernel_grad, trusted_grad, x0, lr, tol, max_iters, status)], asked
    in one round trip: kernel_grad is the grad_fn passed to the notebook (a Handle), trusted_grad the grader's own,
    status how the case must end."""
    wants = []
    for what, _, trusted_grad, x0, lr, tol, max_iters, expected_status in cases:
        wants.append(_trusted_descent(trusted_grad, x0, lr, tol, max_iters))
        if wants[-1][2] != expected_status:
            raise RuntimeError(f"the case {what} should end {expected_status!r}, it ends {wants[-1][2]!r}")
    answers = nb.ask_many([Call("gradient_descent", kernel_grad, x0, float(lr), float(tol), int(max_iters))
                           for _, kernel_grad, _, x0, lr, tol, max_iters, _ in cases])
    for (what, *_), want, got in zip(cases, wants, answers):
        _check_descent(got, want, what)


def _check_descent(got, want, what):
    """`got`, gradient_descent's answer, against `want`, the trusted (x, n_iters, status, the iterate before x)."""
    want_x, want_n, want_status, before = want
    expect(isinstance(got, (tuple, list)) and len(got) == 3,
           f"{what}: expected a tuple (x, n_iters, status), got "
           f"{len(got) if isinstance(got, (tuple, list)) else 'no'} value(s) of type {type(got).__name__}")
    x, n, status = got
    expect(isinstance(status, str), f"{what}: the status must be a string, got {type(status).__name__}")
    expect(status == want_status, f"{what}: expected status {want_status!r}, got {status!r}")
    expect(isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)),
           f"{what}: n_iters must be an int, got {type(n).__name__}")
    expect(n == want_n, f"{what}: expected n_iters = {want_n}, got {int(n)}",
           mistake="off by one" if abs(int(n) - want_n) == 1 else None)
    x = as_array(x, f"{what}: the returned x", np.shape(want_x))
    if np.all(np.isfinite(want_x)):
        returned_previous = (before is not None and np.allclose(x, before, rtol=1e-12, atol=0)
                             and not np.allclose(x, want_x, rtol=1e-12, atol=0))
        expect(not returned_previous,
               f"{what}: the returned x is the iterate before the last step; return the new one",
               mistake="the previous iterate returned")
        expect_close(x, want_x, f"{what}: the returned x", rtol=1e-9, atol=1e-12)
    else:
        expect(not np.all(np.isfinite(x)), f"{what}: the returned x should be the non-finite iterate x_new")


def test_gradient_descent(nb, rng):
    """Task 2 (3 points): gradient_descent(grad_fn, x0, lr, tol, max_iters) -> (x, n_iters, status)."""
    quadratic = nb.handle("quadratic")  # the read-only set-up cell's bowl: its grad_fn stays in the notebook

    def bowl(A, c):
        A, c = np.array(A, dtype=np.float64), np.array(c, dtype=np.float64)
        handles = nb.ask(quadratic, A, c)
        expect(isinstance(handles, tuple) and len(handles) == 2,
               "the set-up cell's quadratic(A, c) no longer returns (loss_fn, grad_fn): restore that cell")
        return handles[1], (lambda x: A @ (np.asarray(x, dtype=np.float64) - c))

    # the visible cases: L(x) = 2 (x - 1)^2 from x0 = 3
    g_kernel, g_trusted = bowl([[4.0]], [1.0])
    x0 = np.array([3.0])
    _check_descents(nb, [
        ("the visible bowl 2 (x - 1)^2, lr = 0.1", g_kernel, g_trusted, x0, 0.1, 1e-3, 1000, "converged"),
        ("the visible bowl 2 (x - 1)^2, lr = 0.6", g_kernel, g_trusted, x0, 0.6, 1e-3, 1000, "diverged"),
        ("the visible bowl 2 (x - 1)^2, lr = 0.01, max_iters = 3", g_kernel, g_trusted, x0, 0.01, 1e-3, 3,
         "max_iters")])

    for d in (1, 2, 5):
        A, lam_max = _random_spd(rng, d)
        c = rng.normal(size=d)
        x0 = c + rng.normal(0.0, 3.0, size=d)
        g_kernel, g_trusted = bowl(A, c)
        lr = float(rng.uniform(0.3, 0.9)) / lam_max
        n_conv = _trusted_descent(g_trusted, x0, lr, 1e-7, 100000)[1]
        _check_descents(nb, [
            (f"a {d}-D quadratic bowl, stable lr", g_kernel, g_trusted, x0, lr, 1e-7, 100000, "converged"),
            (f"a {d}-D bowl with max_iters equal to the step that converges", g_kernel, g_trusted, x0, lr, 1e-7,
             n_conv, "converged"),
            (f"a {d}-D bowl with max_iters one short of convergence", g_kernel, g_trusted, x0, lr, 1e-7,
             n_conv - 1, "max_iters"),
            (f"a {d}-D bowl with max_iters = 4", g_kernel, g_trusted, x0, lr, 1e-7, 4, "max_iters"),
            (f"a {d}-D bowl with lr = 1.15 x (2/lambda_max)", g_kernel, g_trusted, x0, 2.3 / lam_max, 1e-7,
             100000, "diverged"),
            (f"a {d}-D bowl with lr = 2.5 x (2/lambda_max) and max_iters = 400", g_kernel, g_trusted, x0,
             5.0 / lam_max, 1e-7, 400, "diverged")])

    g_kernel, g_trusted = bowl(np.eye(2), np.zeros(2))
    _check_descents(nb, [("max_iters = 0", g_kernel, g_trusted, np.array([1.0, -2.0]), 0.5, 1e-6, 0, "max_iters")])
    tanh, sin = nb.handle("np").attr("tanh"), nb.handle("np").attr("sin")
    x0 = rng.normal(0.0, 2.0, size=3)
    _check_descents(nb, [
        ("grad_fn = np.tanh (the loss sum(log cosh x)), lr = 0.7", tanh, np.tanh, x0, 0.7, 1e-9, 10000,
         "converged"),
        ("grad_fn = np.sin (the loss -sum(cos x)), lr = 0.3", sin, np.sin, x0 * 3, 0.3, 1e-9, 10000, "converged"),
        ("grad_fn = np.tanh with tol = 1e-3 (large steps count as converged sooner)", tanh, np.tanh, x0, 0.2, 1e-3,
         10000, "converged")])
    g_kernel, g_trusted = bowl(np.array([[np.nan, 0.0], [0.0, 1.0]]), np.zeros(2))
    _check_descents(nb, [("a gradient that is NaN", g_kernel, g_trusted, np.array([1.0, 1.0]), 0.1, 1e-6, 50,
                          "diverged")])


# -- Task 3 -----------------------------------------------------------------------------------------------------
def _spd(rng, lam):
    d = len(lam)
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = (q * np.asarray(lam, dtype=np.float64)) @ q.T
    return (A + A.T) / 2


def _lr_mistakes(H):
    """{description: what that mistake gives} for the critical learning rate 2 / lambda_max(H)."""
    lam = np.linalg.eigvalsh(H)
    found = {"the smallest eigenvalue (np.linalg.eigvalsh sorts them in ascending order)": 2.0 / lam[0],
             "1 / lambda_max (the 2 left out)": 1.0 / lam[-1],
             "lambda_max / 2 (the fraction upside down)": lam[-1] / 2.0,
             "the largest diagonal entry instead of the largest eigenvalue": 2.0 / np.max(np.diag(H)),
             "the trace (the sum of all eigenvalues) instead of the largest": 2.0 / np.trace(H),
             "the Frobenius norm instead of the largest eigenvalue": 2.0 / np.linalg.norm(H)}
    return {k: v for k, v in found.items() if np.isfinite(v) and abs(v) < 1e12}


def test_max_stable_lr(nb, rng):
    """Task 3 (2 points): max_stable_lr(A) -> 2 / lambda_max(A), a float."""
    cases = [("diag(1, 10)", np.diag([1.0, 10.0])), ("[[2, 1], [1, 2]]", np.array([[2.0, 1.0], [1.0, 2.0]])),
             ("[[4]]", np.array([[4.0]])),
             ("a 1x1 matrix", np.array([[rng.uniform(0.5, 9.0)]])),
             ("a diagonal 3x3 matrix", np.diag(rng.uniform(0.5, 9.0, size=3))),
             ("a rotated 2x2 matrix", _spd(rng, [0.3, 7.0])),
             ("a rotated 4x4 matrix with eigenvalues from 0.01 to 100", _spd(rng, [0.01, 1.0, 30.0, 100.0])),
             ("a 6x6 matrix with a zero eigenvalue", _spd(rng, [0.0, 0.0, 0.2, 1.5, 2.0, 2.5])),
             ("a 7x7 matrix", _spd(rng, rng.uniform(0.1, 3.0, size=7))),
             ("a 3x3 matrix of rank one", np.outer(*(2 * [rng.normal(size=3)])))]
    for (what, A), got in zip(cases, nb.ask_many([Call("max_stable_lr", A) for _, A in cases])):
        want = 2.0 / np.linalg.eigvalsh(A)[-1]
        expect(np.ndim(got) == 0, f"max_stable_lr({what}): expected a single number, got shape {np.shape(got)}")
        expect_close(got, want, f"max_stable_lr({what})", rtol=1e-8, mistakes=_lr_mistakes(A))


# -- Task 4 -----------------------------------------------------------------------------------------------------
def _mse(X, y, w, b):
    """The trusted loss L(w, b): nnlib's dense layer and mean squared error."""
    pred, _ = nnlib.dense_forward(X, np.reshape(w, (-1, 1)), np.reshape(np.asarray(b, dtype=np.float64), (1,)))
    return nnlib.MSELoss()(pred[:, 0], y)


def _trusted_linreg(X, y, lr, n_steps, *, sequential=False, update_b=True):
    """Full-batch GD from zeros: (w, b, losses).  The keywords make two known mistakes, for the diagnosis."""
    n, d = X.shape
    w, b, losses = np.zeros(d), 0.0, []
    with np.errstate(all="ignore"):
        for t in range(n_steps + 1):
            r = X @ w + b - y
            losses.append(np.mean(r ** 2))
            if t == n_steps:
                break
            w_new = w - lr * (2.0 / n) * (X.T @ r)
            if sequential:  # b's gradient taken after w was updated
                r = X @ w_new + b - y
            if update_b:
                b = b - lr * (2.0 / n) * np.sum(r)
            w = w_new
    return w, float(b), np.array(losses)


def _linreg_mistakes(X, y, lr, n_steps):
    """{description: (w, b, losses)} of the mistakes a wrong answer is recognised by."""
    n = X.shape[0]
    return {"a gradient without the factor 2 (from differentiating the square)": _trusted_linreg(X, y, lr / 2,
                                                                                                 n_steps),
            "a gradient summed over the examples instead of averaged (no 1/N)": _trusted_linreg(X, y, lr * n,
                                                                                                n_steps),
            "the residual y - (X w + b), which makes every step go uphill": _trusted_linreg(X, y, -lr, n_steps),
            "never updating b": _trusted_linreg(X, y, lr, n_steps, update_b=False),
            "taking b's gradient after w was already updated": _trusted_linreg(X, y, lr, n_steps, sequential=True)}


def _linreg_answer(got, what, X):
    """linreg_gd's answer `got` as (w, b, losses), w an array of X's columns, b a float."""
    expect(isinstance(got, (tuple, list)) and len(got) == 3, f"{what}: expected a tuple (w, b, losses)")
    w, b, losses = got
    w = as_array(w, f"{what}: w", (X.shape[1],))
    expect(np.ndim(b) == 0 and not isinstance(b, (list, tuple)),
           f"{what}: b must be a single number, got shape {np.shape(b)}")
    b = float(as_array(b, f"{what}: b"))
    return w, b, losses


def _check_linreg(got, what, X, y, lr, n_steps, rtol=1e-8):
    """`got`, the answer of linreg_gd(X, y, lr, n_steps), against the trusted run. -> (w, b)"""
    n = X.shape[0]
    w, b, losses = _linreg_answer(got, what, X)
    want = _trusted_linreg(X, y, lr, n_steps)
    mistakes = _linreg_mistakes(X, y, lr, n_steps)
    if n_steps == 1:
        # one step from zero: -(w_1 - 0) / lr and -(b_1 - 0) / lr are the gradients the answer used
        # (b's gradient as a 1-element array: expect_gradient fails on 0-d arrays)
        expect_gradient(-w / lr, lambda v: _mse(X, y, v, 0.0), np.zeros(X.shape[1]),
                        f"{what}: the gradient dL/dw your first step used, -(w_1 - w_0) / lr", batch=n)
        expect_gradient(np.array([-b / lr]), lambda v: _mse(X, y, np.zeros(X.shape[1]), v[0]), np.zeros(1),
                        f"{what}: the gradient dL/db your first step used, -(b_1 - b_0) / lr", batch=n,
                        mistakes={"never updating b": np.zeros(1)})
    for i, name in enumerate(("w", "b", "losses")):
        value = (w, b, losses)[i]
        expect_close(value, want[i], f"{what}: {name}", rtol=rtol, atol=1e-10, batch=n,
                     mistakes={k: v[i] for k, v in mistakes.items()})
    return w, b


def _check_a_step(answers, what, X, y, lr, k):
    """The step from (w_k, b_k) to (w_{k+1}, b_{k+1}) must be -lr times the gradient at (w_k, b_k).

    answers: an iterator whose next two answers are those of linreg_gd(X, y, lr, k) and (X, y, lr, k + 1)."""
    n = X.shape[0]
    w0, b0, _ = _linreg_answer(next(answers), what, X)
    w1, b1, _ = _linreg_answer(next(answers), what, X)
    expect_gradient((w0 - w1) / lr, lambda v: _mse(X, y, v, b0), w0,
                    f"{what}: the gradient dL/dw used by step {k + 1}, (w_{k} - w_{k + 1}) / lr", batch=n)
    expect_gradient(np.array([(b0 - b1) / lr]), lambda v: _mse(X, y, w0, v[0]), np.array([b0]),
                    f"{what}: the gradient dL/db used by step {k + 1}, (b_{k} - b_{k + 1}) / lr", batch=n)


def _lam_max_hessian(X):
    n = X.shape[0]
    Xt = np.hstack([X, np.ones((n, 1))])
    return np.linalg.eigvalsh((2.0 / n) * Xt.T @ Xt)[-1]


def test_linreg_gd(nb, rng):
    """Task 4 (3 points): linreg_gd(X, y, lr, n_steps) -> (w, b, losses)."""
    # the visible cases: y = 2x + 1 exactly, one step and 2000 steps at lr = 0.1
    X, y = np.array([[0.0], [1.0], [2.0]]), np.array([1.0, 3.0, 5.0])
    one, many = nb.ask_many([Call("linreg_gd", X, y, 0.1, 1), Call("linreg_gd", X, y, 0.1, 2000)])
    _check_linreg(one, "the visible data y = 2x + 1, 1 step", X, y, 0.1, 1)
    w, b = _check_linreg(many, "the visible data y = 2x + 1, 2000 steps", X, y, 0.1, 2000)
    expect_close(np.append(w, b), [2.0, 1.0], "the visible data y = 2x + 1 after 2000 steps, (w, b)", rtol=0,
                 atol=1e-4)

    for n, d in [(1, 1), (1, 3), (7, 1), (20, 4), (60, 3)]:
        X = rng.normal(1.0, 2.0, size=(n, d))
        y = X @ rng.normal(size=d) + rng.normal() + 0.3 * rng.normal(size=n)
        lam_max = _lam_max_hessian(X)
        where = f"linreg_gd with X of shape {(n, d)}"
        runs = [(f"{where}, {n_steps} step(s)", float(0.8 / lam_max), n_steps) for n_steps in (1, 0, 6)]
        runs.append((f"{where}, 40 steps at lr = 1.2 / lambda_max(H)", float(1.2 / lam_max), 40))
        # and 5 then 6 steps, to see one step (_check_a_step): all six in one round trip
        asked = [(lr, n_steps) for _, lr, n_steps in runs] + [(float(0.8 / lam_max), 5), (float(0.8 / lam_max), 6)]
        answers = nb.ask_many([Call("linreg_gd", X, y, lr, n_steps) for lr, n_steps in asked])
        for (what, lr, n_steps), got in zip(runs, answers):
            _check_linreg(got, what, X, y, lr, n_steps)
        _check_a_step(answers, where, X, y, float(0.8 / lam_max), 5)

    # a well-conditioned problem: after enough steps gradient descent must reach np.linalg.lstsq's answer
    X = rng.normal(size=(200, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.7 + 0.1 * rng.normal(size=200)
    lr = float(1.0 / _lam_max_hessian(X))
    w, b = _check_linreg(nb.ask("linreg_gd", X, y, lr, 300), "linreg_gd with X of shape (200, 3), 300 steps", X, y,
                         lr, 300)
    theta_star = np.linalg.lstsq(np.hstack([X, np.ones((200, 1))]), y, rcond=None)[0]
    expect_close(w, theta_star[:3], "after 300 steps, w compared with np.linalg.lstsq's answer", rtol=0, atol=1e-6)
    expect_close(b, theta_star[3], "after 300 steps, b compared with np.linalg.lstsq's answer", rtol=0, atol=1e-6)


# -- Task 5 -----------------------------------------------------------------------------------------------------
def test_linreg_max_lr(nb, rng):
    """Task 5 (2 points): linreg_max_lr(X) -> 2 / lambda_max((2/N) X~^T X~), a float."""
    X_vis = np.array([[0.0], [1.0], [2.0]])
    cases = [("X = [[0], [1], [2]]", X_vis), ("X = [[0], [1], [2]] with every row twice", np.vstack([X_vis, X_vis])),
             ("X = [[0, 0], [1, 2], [2, 4]]", np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 4.0]]))]
    for (n, d), mean, std in [((1, 1), 0.0, 1.0), ((1, 4), 2.0, 1.0), ((9, 1), 5.0, 0.5), ((30, 3), 0.0, 1.0),
                              ((50, 6), -3.0, 2.0), ((12, 2), 40.0, 3.0)]:
        cases.append((f"X of shape {(n, d)}, feature mean {mean}", rng.normal(mean, std, size=(n, d))))
    for (what, X), got in zip(cases, nb.ask_many([Call("linreg_max_lr", X) for _, X in cases])):
        n = X.shape[0]
        Xt = np.hstack([X, np.ones((n, 1))])
        want = 2.0 / np.linalg.eigvalsh((2.0 / n) * Xt.T @ Xt)[-1]
        expect(np.ndim(got) == 0, f"linreg_max_lr({what}): expected a single number, got shape {np.shape(got)}")
        with np.errstate(all="ignore"):
            found = {"the Hessian without the column of ones (no bias)": 2.0 / np.linalg.eigvalsh(
                         (2.0 / n) * X.T @ X)[-1],
                     "the Hessian without the 1/N, 2 X~^T X~": 2.0 / np.linalg.eigvalsh(2.0 * Xt.T @ Xt)[-1],
                     "the Hessian without the 2, X~^T X~ / N": 2.0 / np.linalg.eigvalsh(Xt.T @ Xt / n)[-1],
                     "X^T X / N (no column of ones and no 2)": 2.0 / np.linalg.eigvalsh(X.T @ X / n)[-1],
                     "the smallest eigenvalue of H (np.linalg.eigvalsh sorts them in ascending order)":
                         2.0 / np.linalg.eigvalsh((2.0 / n) * Xt.T @ Xt)[0],
                     "the features' covariance (centred X, no column of ones)":
                         2.0 / np.linalg.eigvalsh(2.0 * np.atleast_2d(np.cov(X, rowvar=False, bias=True)))[-1]}
        mistakes = {k: v for k, v in found.items() if np.isfinite(v) and abs(v) < 1e12}
        expect_close(got, want, f"linreg_max_lr({what})", rtol=1e-8, batch=n, mistakes=mistakes)
