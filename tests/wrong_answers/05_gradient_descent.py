"""Plausible wrong answers for exercise 05_gradient_descent; each must lose the points of the tasks in `loses`.

Loaded by tests/grading_harness.py (WrongAnswer is provided there).
"""
WRONG_ANSWERS = [
    # Task 1: gd_step
    WrongAnswer("gd_step: gradient ascent, p + lr*g", cell="gd_step",
                old="p - lr * g", new="p + lr * g", loses=["test_gd_step"]),
    WrongAnswer("gd_step: updates the arrays in place and returns the same list", cell="gd_step",
                new="def gd_step(params, grads, lr):\n"
                    "    for p, g in zip(params, grads):\n"
                    "        p -= lr * g\n"
                    "    return params\n",
                loses=["test_gd_step"]),
    WrongAnswer("gd_step: replaces the entries of the input list", cell="gd_step",
                new="def gd_step(params, grads, lr):\n"
                    "    for i in range(len(params)):\n"
                    "        params[i] = params[i] - lr * grads[i]\n"
                    "    return params\n",
                loses=["test_gd_step"]),
    WrongAnswer("gd_step: scales the gradient in place (g *= lr)", cell="gd_step",
                new="def gd_step(params, grads, lr):\n"
                    "    new = []\n"
                    "    for p, g in zip(params, grads):\n"
                    "        g *= lr\n"
                    "        new.append(p - g)\n"
                    "    return new\n",
                loses=["test_gd_step"]),
    WrongAnswer("gd_step: learning rate divided by the number of parameter arrays", cell="gd_step",
                old="p - lr * g", new="p - lr / len(params) * g", loses=["test_gd_step"]),
    WrongAnswer("gd_step: only the first parameter updated, the others dropped", cell="gd_step",
                old="return [p - lr * g for p, g in zip(params, grads)]",
                new="return [params[0] - lr * grads[0]]", loses=["test_gd_step"]),
    # Task 2: gradient_descent
    WrongAnswer("gradient_descent: never reports divergence", cell="gradient_descent",
                old="        if (not np.all(np.isfinite(x_new))\n"
                    "                or np.linalg.norm(x_new) > DIVERGED_NORM):\n"
                    "            return x_new, k, \"diverged\"\n",
                new="", loses=["test_gradient_descent"]),
    WrongAnswer("gradient_descent: divergence only when the iterate is inf/nan (no norm bound)",
                cell="gradient_descent",
                old="(not np.all(np.isfinite(x_new))\n"
                    "                or np.linalg.norm(x_new) > DIVERGED_NORM)",
                new="not np.all(np.isfinite(x_new))", loses=["test_gradient_descent"]),
    WrongAnswer("gradient_descent: divergence only by the norm bound (a NaN iterate slips through)",
                cell="gradient_descent",
                old="(not np.all(np.isfinite(x_new))\n"
                    "                or np.linalg.norm(x_new) > DIVERGED_NORM)",
                new="np.linalg.norm(x_new) > DIVERGED_NORM", loses=["test_gradient_descent"]),
    WrongAnswer("gradient_descent: stops on the gradient's norm instead of the step's", cell="gradient_descent",
                new="def gradient_descent(grad_fn, x0, lr, tol, max_iters):\n"
                    "    x = np.array(x0, dtype=float)\n"
                    "    for k in range(1, max_iters + 1):\n"
                    "        g = grad_fn(x)\n"
                    "        x_new = x - lr * g\n"
                    "        if not np.all(np.isfinite(x_new)) or np.linalg.norm(x_new) > DIVERGED_NORM:\n"
                    "            return x_new, k, \"diverged\"\n"
                    "        if np.linalg.norm(g) < tol:\n"
                    "            return x_new, k, \"converged\"\n"
                    "        x = x_new\n"
                    "    return x, max_iters, \"max_iters\"\n",
                loses=["test_gradient_descent"]),
    WrongAnswer("gradient_descent: counts iterations from 0 (n_iters one too small)", cell="gradient_descent",
                old="for k in range(1, max_iters + 1):", new="for k in range(max_iters):",
                loses=["test_gradient_descent"]),
    WrongAnswer("gradient_descent: returns the previous iterate on convergence", cell="gradient_descent",
                old="return x_new, k, \"converged\"", new="return x, k, \"converged\"",
                loses=["test_gradient_descent"]),
    WrongAnswer("gradient_descent: one update too few (range(1, max_iters))", cell="gradient_descent",
                old="for k in range(1, max_iters + 1):", new="for k in range(1, max_iters):",
                loses=["test_gradient_descent"]),
    WrongAnswer("gradient_descent: gradient ascent", cell="gradient_descent",
                old="x_new = x - lr * grad_fn(x)", new="x_new = x + lr * grad_fn(x)",
                loses=["test_gradient_descent"]),
    WrongAnswer("gradient_descent: updates x0 in place", cell="gradient_descent",
                new="def gradient_descent(grad_fn, x0, lr, tol, max_iters):\n"
                    "    x = x0\n"
                    "    for k in range(1, max_iters + 1):\n"
                    "        step = lr * grad_fn(x)\n"
                    "        x -= step\n"
                    "        if not np.all(np.isfinite(x)) or np.linalg.norm(x) > DIVERGED_NORM:\n"
                    "            return x, k, \"diverged\"\n"
                    "        if np.linalg.norm(step) < tol:\n"
                    "            return x, k, \"converged\"\n"
                    "    return x, max_iters, \"max_iters\"\n",
                loses=["test_gradient_descent"]),
    WrongAnswer("gradient_descent: reports 'converged' when it ran out of iterations",
                cell="gradient_descent",
                old="    return x, max_iters, \"max_iters\"", new="    return x, max_iters, \"converged\"",
                loses=["test_gradient_descent"]),
    # Task 3: max_stable_lr
    WrongAnswer("max_stable_lr: 1/lambda_max (forgot the 2)", cell="max_stable_lr",
                old="2.0 / float(", new="1.0 / float(", loses=["test_max_stable_lr"]),
    WrongAnswer("max_stable_lr: eigvalsh(A)[0] is the SMALLEST eigenvalue", cell="max_stable_lr",
                old="np.linalg.eigvalsh(A)[-1]", new="np.linalg.eigvalsh(A)[0]", loses=["test_max_stable_lr"]),
    WrongAnswer("max_stable_lr: largest diagonal entry instead of the largest eigenvalue", cell="max_stable_lr",
                old="float(np.linalg.eigvalsh(A)[-1])", new="float(np.max(np.diag(A)))",
                loses=["test_max_stable_lr"]),
    WrongAnswer("max_stable_lr: Frobenius norm instead of the largest eigenvalue", cell="max_stable_lr",
                old="float(np.linalg.eigvalsh(A)[-1])", new="float(np.linalg.norm(A))",
                loses=["test_max_stable_lr"]),
    WrongAnswer("max_stable_lr: trace (sum of eigenvalues) instead of the largest", cell="max_stable_lr",
                old="float(np.linalg.eigvalsh(A)[-1])", new="float(np.trace(A))", loses=["test_max_stable_lr"]),
    WrongAnswer("max_stable_lr: lambda_max / 2 (the fraction upside down)", cell="max_stable_lr",
                old="return 2.0 / float(np.linalg.eigvalsh(A)[-1])",
                new="return float(np.linalg.eigvalsh(A)[-1]) / 2.0", loses=["test_max_stable_lr"]),
    WrongAnswer("max_stable_lr: returns an array of 2 / every eigenvalue", cell="max_stable_lr",
                old="return 2.0 / float(np.linalg.eigvalsh(A)[-1])",
                new="return 2.0 / np.linalg.eigvalsh(A)", loses=["test_max_stable_lr"]),
    # Task 4: linreg_gd
    WrongAnswer("linreg_gd: gradient without the factor 2", cell="linreg_gd",
                old="grad_w = (2.0 / N) * (X.T @ r)\n        grad_b = (2.0 / N) * np.sum(r)",
                new="grad_w = (1.0 / N) * (X.T @ r)\n        grad_b = (1.0 / N) * np.sum(r)",
                loses=["test_linreg_gd"]),
    WrongAnswer("linreg_gd: sum instead of mean in the gradient (lr effectively times N)", cell="linreg_gd",
                old="grad_w = (2.0 / N) * (X.T @ r)\n        grad_b = (2.0 / N) * np.sum(r)",
                new="grad_w = 2.0 * (X.T @ r)\n        grad_b = 2.0 * np.sum(r)",
                loses=["test_linreg_gd"]),
    WrongAnswer("linreg_gd: the bias is never updated", cell="linreg_gd",
                old="w, b = w - lr * grad_w, b - lr * grad_b", new="w = w - lr * grad_w",
                loses=["test_linreg_gd"]),
    WrongAnswer("linreg_gd: residual y - yhat, so the steps go uphill", cell="linreg_gd",
                old="r = X @ w + b - y", new="r = y - (X @ w + b)", loses=["test_linreg_gd"]),
    WrongAnswer("linreg_gd: b's gradient computed after w was already updated", cell="linreg_gd",
                old="        grad_b = (2.0 / N) * np.sum(r)\n        w, b = w - lr * grad_w, b - lr * grad_b",
                new="        w = w - lr * grad_w\n"
                    "        grad_b = (2.0 / N) * np.sum(X @ w + b - y)\n"
                    "        b = b - lr * grad_b",
                loses=["test_linreg_gd"]),
    WrongAnswer("linreg_gd: losses recorded after each update (misses the starting loss)", cell="linreg_gd",
                new="def linreg_gd(X, y, lr, n_steps):\n"
                    "    N, D = X.shape\n"
                    "    w, b = np.zeros(D), 0.0\n"
                    "    losses = []\n"
                    "    for step in range(n_steps):\n"
                    "        r = X @ w + b - y\n"
                    "        w, b = w - lr * (2.0 / N) * (X.T @ r), b - lr * (2.0 / N) * np.sum(r)\n"
                    "        losses.append(np.mean((X @ w + b - y) ** 2))\n"
                    "    return w, float(b), np.array(losses)\n",
                loses=["test_linreg_gd"]),
    WrongAnswer("linreg_gd: one update too many (n_steps + 1)", cell="linreg_gd",
                old="        if step == n_steps:\n            break\n", new="",
                loses=["test_linreg_gd"]),
    WrongAnswer("linreg_gd: the bias gradient not summed over the examples (a mean)", cell="linreg_gd",
                old="grad_b = (2.0 / N) * np.sum(r)", new="grad_b = (2.0 / N) * np.mean(r)",
                loses=["test_linreg_gd"]),
    WrongAnswer("linreg_gd: losses as the sum of squares instead of the mean", cell="linreg_gd",
                old="losses.append(np.mean(r ** 2))", new="losses.append(np.sum(r ** 2))",
                loses=["test_linreg_gd"]),
    WrongAnswer("linreg_gd: centres y in place (y -= y.mean()) before fitting", cell="linreg_gd",
                old="    N, D = X.shape\n", new="    N, D = X.shape\n    y -= y.mean()\n",
                loses=["test_linreg_gd"]),
    # Task 5: linreg_max_lr
    WrongAnswer("linreg_max_lr: forgot the bias column", cell="linreg_max_lr",
                old="Xt = np.hstack([X, np.ones((N, 1))])", new="Xt = X", loses=["test_linreg_max_lr"]),
    WrongAnswer("linreg_max_lr: Hessian without the 1/N (sum of squares)", cell="linreg_max_lr",
                old="H = (2.0 / N) * (Xt.T @ Xt)", new="H = 2.0 * (Xt.T @ Xt)", loses=["test_linreg_max_lr"]),
    WrongAnswer("linreg_max_lr: Hessian without the 2 (returns twice the limit)", cell="linreg_max_lr",
                old="H = (2.0 / N) * (Xt.T @ Xt)", new="H = (Xt.T @ Xt) / N", loses=["test_linreg_max_lr"]),
    WrongAnswer("linreg_max_lr: covariance of the features (centres X, drops the bias)", cell="linreg_max_lr",
                old="H = (2.0 / N) * (Xt.T @ Xt)",
                new="H = 2.0 * np.atleast_2d(np.cov(X, rowvar=False, bias=True))",
                loses=["test_linreg_max_lr"]),
    WrongAnswer("linreg_max_lr: eigvalsh(H)[0], the smallest eigenvalue", cell="linreg_max_lr",
                old="np.linalg.eigvalsh(H)[-1]", new="np.linalg.eigvalsh(H)[0]", loses=["test_linreg_max_lr"]),
    WrongAnswer("linreg_max_lr: the ones column prepended and X's first column dropped (off by one)",
                cell="linreg_max_lr",
                old="Xt = np.hstack([X, np.ones((N, 1))])", new="Xt = np.hstack([np.ones((N, 1)), X[:, 1:]])",
                loses=["test_linreg_max_lr"]),
    WrongAnswer("linreg_max_lr: 2/lambda_max of X^T X / N (both slips: no bias, no 2)", cell="linreg_max_lr",
                new="def linreg_max_lr(X):\n"
                    "    return 2.0 / np.linalg.eigvalsh(X.T @ X / X.shape[0])[-1]\n",
                loses=["test_linreg_max_lr"]),
]
