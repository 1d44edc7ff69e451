"""Trusted checks for exercise 6, vanishing and exploding gradients: one function per graded test cell, named by its
grade id.

Run in the grader's process (never in the student's kernel), on fresh random inputs drawn from `rng`.  The two
initialisers are random, so they are checked *statistically* on large matrices (shape, mean, variance, range or
tails, with tolerances of six standard errors: a correct answer fails with a probability of about 1e-9 per check) and
for reproducibility (an int seed or a Generator in the notebook); the norms, the activation spreads and the clipping
are compared with formulas and with nnlib.  Each re-checks the cell's visible cases too.  See grading/runner.py for
the contract.
"""
import math

import numpy as np

import nnlib
from grading import Call, Handle, expect, expect_close, expect_shape, fail


def _generator(nb, seed):
    """A np.random.Generator that lives in the notebook (a Handle), seeded with `seed`."""
    return nb.ask(nb.handle("np").attr("random").attr("default_rng"), seed)


def _kind(value):
    return "an object that is not plain data" if isinstance(value, Handle) else f"a {type(value).__name__}"


def _matrix(got, shape, what):
    expect(isinstance(got, np.ndarray), f"{what}: expected a NumPy array, got {_kind(got)}")
    expect_shape(got, shape, what)
    W = np.asarray(got, dtype=np.float64)
    expect(np.all(np.isfinite(W)), f"{what}: the matrix contains NaN or infinity")
    return W


def _which_variance(var, v, tol, candidates):
    """The description of a mistaken variance that `var` matches and the right one `v` does not.

    tol: the tolerance (six standard errors) for variance v; a candidate's scales with its value.
    """
    for description, value in candidates.items():
        t = tol * value / v
        if abs(var - value) < t and abs(v - value) >= t + tol:
            return description
    return None


def _expect_variance(var, v, tol, what, formula, candidates):
    if abs(var - v) < tol:
        return
    message = f"{what}: the variance of the entries is {var:.4g}, expected {v:.4g} = {formula}"
    found = _which_variance(var, v, tol, candidates)
    if found:
        message += f". Likely mistake: it matches what {found} gives"
    fail(message, found)


def _expect_reproducible(nb, name):
    """The randomness must come from the rng argument: an int seed or a Generator in the notebook."""
    A, B, C = nb.ask_many([Call(name, 20, 30, s) for s in (123, 123, 124)])
    for M in (A, B, C):
        _matrix(M, (20, 30), f"{name}(20, 30, seed)")
    expect(np.array_equal(A, B), f"{name}: the same seed gave two different matrices (draw from the rng argument, "
                                 "e.g. rng = np.random.default_rng(rng))")
    expect(not np.array_equal(A, C), f"{name}: two different seeds gave the same matrix")
    default_rng = nb.handle("np").attr("random").attr("default_rng")
    g5, g5_again, g = nb.ask_many([Call(default_rng, 5), Call(default_rng, 5), Call(default_rng, 6)])
    answers = nb.ask_many([Call(name, 20, 30, g5), Call(name, 20, 30, g5_again), Call(name, 20, 30, g),
                           Call(name, 20, 30, g)])
    D = _matrix(next(answers), (20, 30), f"{name}(20, 30, a Generator)")
    E = _matrix(next(answers), (20, 30), f"{name}(20, 30, a Generator)")
    expect(np.array_equal(D, E), f"{name}: two Generators with the same seed gave two different matrices "
                                 "(draw all the randomness from the rng argument)")
    F, G = (_matrix(got, (20, 30), f"{name}(20, 30, a Generator)") for got in answers)
    expect(not np.array_equal(F, G), f"{name}: two calls with the same Generator gave the same matrix; draw from "
                                     "the Generator itself (np.random.default_rng(g) returns g), do not copy it")


def test_xavier_uniform(nb, rng):
    """Task 1 (2 points): xavier_uniform(fan_in, fan_out, rng) -> (fan_in, fan_out), U(-a, a), Var = 2/(in+out)."""
    # Statistical checks on n = fan_in * fan_out >= 4096 independent draws. For U(-a, a) with variance v:
    # the sample mean has standard error sqrt(v / n); the sample variance v * sqrt(0.8 / n) (mu4 = 9/5 v^2).
    # We allow 6 standard errors. P(max |w| < a (1 - t)) = (1 - t)^n <= exp(-n t): with t = 20 / n, below 3e-9.
    cases = [(300, 100, 0, "0")]  # the visible case
    for fan_in, fan_out in [(1000, 30), (30, 1000), (64, 64), (400, 100)]:
        cases.append((fan_in, fan_out, int(rng.integers(2**31)), "seed"))
    cases.append((128, 96, _generator(nb, int(rng.integers(2**31))), "a Generator"))
    answers = nb.ask_many([Call("xavier_uniform", fan_in, fan_out, seed) for fan_in, fan_out, seed, _ in cases])
    for (fan_in, fan_out, seed, seed_text), got in zip(cases, answers):
        what = f"xavier_uniform({fan_in}, {fan_out}, {seed_text})"
        W = _matrix(got, (fan_in, fan_out), what)
        n, v = W.size, 2.0 / (fan_in + fan_out)
        a = math.sqrt(3.0 * v)
        expect(abs(W.mean()) < 6 * math.sqrt(v / n),
               f"{what}: the mean of the entries is {W.mean():.3g}, expected about 0 (U(-a, a) is centred on 0)")
        _expect_variance(W.var(), v, 6 * v * math.sqrt(0.8 / n), what, "2 / (fan_in + fan_out)", {
            "the bound a = sqrt(2 / (fan_in + fan_out)) (the standard deviation used as the bound)": v / 3,
            "the bound a = 6 / (fan_in + fan_out) (the square root forgotten)": (6.0 / (fan_in + fan_out)) ** 2 / 3,
            "LeCun's bound sqrt(3 / fan_in)": 1.0 / fan_in,
            "He's bound sqrt(6 / fan_in)": 2.0 / fan_in,
            "the bound sqrt(6 / fan_out)": 2.0 / fan_out,
        })
        top = float(np.abs(W).max())
        expect(top <= a * (1 + 1e-12),
               f"{what}: an entry has |w| = {top:.4g}, beyond the bound a = {a:.4g} of U(-a, a) (is it a uniform "
               "distribution?)")
        expect(top >= a * (1 - 20 / n),
               f"{what}: the largest |w| is {top:.4g}; a uniform U(-a, a) with a = {a:.4g} reaches nearer its bound "
               "(is it a uniform distribution?)")
    small = [(1, 1), (1, 7), (5, 1), (3, 4), (2, 3)]
    answers = nb.ask_many([Call("xavier_uniform", fan_in, fan_out, 7) for fan_in, fan_out in small])
    for (fan_in, fan_out), got in zip(small, answers):
        what = f"xavier_uniform({fan_in}, {fan_out}, 7)"
        W = _matrix(got, (fan_in, fan_out), what)
        expect(np.abs(W).max() <= math.sqrt(6.0 / (fan_in + fan_out)) * (1 + 1e-12),
               f"{what}: an entry lies beyond the bound sqrt(6 / (fan_in + fan_out))")
    # nnlib's initialiser is the reference distribution: a sanity check of the tolerances above, in this process
    ref = nnlib.init.xavier_uniform(256, 64, rng=rng)
    assert abs(ref.var() - 2.0 / 320) < 6 * (2.0 / 320) * math.sqrt(0.8 / ref.size)
    _expect_reproducible(nb, "xavier_uniform")


def test_he_normal(nb, rng):
    """Task 2 (2 points): he_normal(fan_in, fan_out, rng) -> (fan_in, fan_out), N(0, 2 / fan_in)."""
    # Statistical checks on n >= 4096 independent draws of N(0, v): the sample mean has standard error sqrt(v / n),
    # the sample variance v * sqrt(2 / (n - 1)); the fraction of |w| > 2 sqrt(v) is p = 0.0455 with standard error
    # sqrt(p (1 - p) / n). We allow 6 standard errors (a correct answer fails with probability ~2e-9 per check).
    p_tail = math.erfc(2 / math.sqrt(2))  # P(|w| > 2 std) for a normal
    cases = [(200, 100, 0, "0")]  # the visible case
    for fan_in, fan_out in [(1000, 30), (30, 1000), (64, 64), (256, 128)]:
        cases.append((fan_in, fan_out, int(rng.integers(2**31)), "seed"))
    cases.append((96, 128, _generator(nb, int(rng.integers(2**31))), "a Generator"))
    answers = nb.ask_many([Call("he_normal", fan_in, fan_out, seed) for fan_in, fan_out, seed, _ in cases])
    for (fan_in, fan_out, seed, seed_text), got in zip(cases, answers):
        what = f"he_normal({fan_in}, {fan_out}, {seed_text})"
        W = _matrix(got, (fan_in, fan_out), what)
        n, v = W.size, 2.0 / fan_in
        expect(abs(W.mean()) < 6 * math.sqrt(v / n),
               f"{what}: the mean of the entries is {W.mean():.3g}, expected about 0")
        _expect_variance(W.var(), v, 6 * v * math.sqrt(2 / (n - 1)), what, "2 / fan_in", {
            "the variance 1 / fan_in (the ReLU factor 2 forgotten)": 1.0 / fan_in,
            "the standard deviation 2 / fan_in (the square root forgotten)": (2.0 / fan_in) ** 2,
            "the standard deviation (2 / fan_in)^(1/4) (the square root taken twice)": math.sqrt(2.0 / fan_in),
            "the variance 2 / fan_out (fan_out instead of fan_in)": 2.0 / fan_out,
            "Xavier's variance 2 / (fan_in + fan_out)": 2.0 / (fan_in + fan_out),
        })
        tail = float(np.mean(np.abs(W) > 2 * math.sqrt(v)))
        expect(abs(tail - p_tail) < 6 * math.sqrt(p_tail * (1 - p_tail) / n),
               f"{what}: {tail:.2%} of the entries lie beyond 2 standard deviations; a normal distribution puts "
               f"{p_tail:.2%} there (is it a normal distribution?)")
    small = [(1, 1), (1, 7), (5, 1), (3, 4), (2, 3)]
    for (fan_in, fan_out), got in zip(small, nb.ask_many([Call("he_normal", i, o, 7) for i, o in small])):
        _matrix(got, (fan_in, fan_out), f"he_normal({fan_in}, {fan_out}, 7)")
    ref = nnlib.init.he_normal(256, 64, rng=rng)
    assert abs(ref.var() - 2.0 / 256) < 6 * (2.0 / 256) * math.sqrt(2 / (ref.size - 1))
    _expect_reproducible(nb, "he_normal")


def _numbers(got, n, what, extra=""):
    """A list of n numbers, as a float array."""
    expect(isinstance(got, (list, tuple, np.ndarray)), f"{what}: expected a list of numbers, got {_kind(got)}")
    expect(len(got) == n, f"{what}: expected {n} values{extra}, got {len(got)}")
    for i, v in enumerate(got):
        expect(not isinstance(v, (Handle, str, bytes)) and np.ndim(v) == 0,
               f"{what}: value #{i + 1} must be one number, got "
               f"{_kind(v) if isinstance(v, (Handle, str, bytes)) else f'an array of shape {np.shape(v)}'}")
    try:
        return np.array([float(v) for v in got], dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"{what}: every value must be a number")


def _frobenius(g):
    return float(np.sqrt(np.sum(np.square(g))))


def test_layer_grad_norms(nb, rng):
    """Task 3 (2 points): layer_grad_norms(grads) -> list of the Frobenius norms of the arrays."""
    cases = [[np.array([[3.0, 0.0], [0.0, 4.0]]), np.array([1.0, -1.0, 1.0, -1.0])],   # the visible cases
             [np.zeros((2, 3))]]
    for shapes in [[(4, 3), (3,), (3, 5), (5,), (5, 2)], [(7,)], [(1, 1)], [(6, 6), (2, 3, 4)], [(3, 2)] * 4,
                   [(1, 5), (5,), (5, 1)], [(2, 2, 2, 2)]]:
        cases.append([rng.normal(0.0, float(rng.uniform(0.01, 10.0)), size=s) for s in shapes])
    for grads, got in zip(cases, nb.ask_many([Call("layer_grad_norms", grads) for grads in cases])):
        shapes = [g.shape for g in grads]
        what = f"layer_grad_norms for arrays of shapes {shapes}"
        got = _numbers(got, len(grads), what, " (one per array)")
        want = np.array([float(np.linalg.norm(g.ravel())) for g in grads])
        mistakes = {"the squared norm (the square root forgotten)": [float(np.sum(g ** 2)) for g in grads],
                    "the sum of absolute values (the L1 norm)": [float(np.sum(np.abs(g))) for g in grads],
                    "the root-mean-square of the entries instead of the norm":
                        [float(np.sqrt(np.mean(g ** 2))) for g in grads],
                    "the largest absolute entry (the max norm)": [float(np.max(np.abs(g))) for g in grads]}
        if any(g.ndim == 2 and min(g.shape) > 1 for g in grads):
            mistakes["the spectral norm np.linalg.norm(g, 2) of the matrices"] = [
                float(np.linalg.norm(g, 2)) if g.ndim == 2 else _frobenius(g) for g in grads]
        expect_close(got, want, what, rtol=1e-9, atol=1e-12, mistakes=mistakes)


def _stds(X, weights, f, *, pre=False, last=True, reduce=np.std):
    h, out = X, []
    for i, W in enumerate(weights):
        z = h @ W
        h = f(z) if (last or i < len(weights) - 1) else z
        out.append(float(reduce(z if pre else h)))
    return np.array(out)


ACTIVATIONS = {"np.tanh": (("tanh",), np.tanh), "the identity": (("positive",), np.positive),
               "np.abs": (("abs",), np.abs), "np.sin": (("sin",), np.sin)}


def test_activation_stds(nb, rng):
    """Task 4 (2 points): activation_stds(X, weights, activation) -> the std of every layer's activations."""
    # the visible cases: the identity and tanh (the notebook's own NumPy functions, passed as handles)
    X = np.array([[1.0, -1.0], [2.0, 0.0]])
    cases = [(X, [np.eye(2), 2 * np.eye(2)], "the identity"), (X, [np.ones((2, 3))], "np.tanh")]
    for n, sizes in [(1, [4, 6, 3]), (16, [5, 5]), (40, [8, 12, 12, 12, 4]), (9, [3, 1, 7]), (1, [2, 1])]:
        X = rng.normal(0.0, 1.5, size=(n, sizes[0]))
        weights = [rng.normal(0.0, float(rng.uniform(0.3, 1.5)) / np.sqrt(a), size=(a, b))
                   for a, b in zip(sizes[:-1], sizes[1:])]
        for name in ACTIVATIONS:
            cases.append((X, weights, name))
    calls = []
    for X, weights, name in cases:
        (attr,), _ = ACTIVATIONS[name]
        calls.append(Call("activation_stds", X, weights, nb.handle("np").attr(attr)))
    for (X, weights, name), got in zip(cases, nb.ask_many(calls)):  # one round trip
        (attr,), f = ACTIVATIONS[name]
        sizes = [X.shape[1]] + [W.shape[1] for W in weights]
        what = f"activation_stds for X of shape {X.shape}, layer sizes {sizes}, activation {name}"
        got = _numbers(got, len(weights), what, " (one per layer, not the input's)")
        if name == "np.tanh":  # the reference: the same network of nnlib layers (zero biases), layer by layer
            h, want = X, []
            for W in weights:
                h = nnlib.Tanh().forward(nnlib.Dense(*W.shape, init=lambda i, o, W=W: W.copy()).forward(h))
                want.append(float(np.std(h)))
            want = np.array(want)
        else:
            want = _stds(X, weights, f)
        mistakes = {"the std of the pre-activations h @ W (before the activation)": _stds(X, weights, f, pre=True),
                    "the variance instead of the standard deviation": _stds(X, weights, f, reduce=np.var),
                    "the sample standard deviation (ddof=1)": _stds(X, weights, f,
                                                                    reduce=lambda h: np.std(h, ddof=1)),
                    "no activation after the last layer": _stds(X, weights, f, last=False),
                    "the per-unit std over the batch (axis=0), averaged":
                        _stds(X, weights, f, reduce=lambda h: np.mean(np.std(h, axis=0)))}
        if len(weights) == 1:  # the two coincide
            del mistakes["no activation after the last layer"]
            mistakes = {("the std before the activation (of h @ W), or no activation after the last layer"
                         if k.startswith("the std of the pre") else k): m for k, m in mistakes.items()}
        expect_close(got, want, what, rtol=1e-9, atol=1e-12, mistakes=mistakes)


def _clipped(got, n, what):
    """The answer (clipped, norm) as a list of arrays and a float."""
    expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{what}: expected a tuple (clipped, norm)")
    clipped, norm = got
    expect(not isinstance(norm, (Handle, str)) and np.ndim(norm) == 0, f"{what}: norm must be one number")
    expect(isinstance(clipped, (list, tuple)) and len(clipped) == n,
           f"{what}: clipped must be a list of {n} arrays (one per gradient)")
    return clipped, float(norm)


def _merged(mistakes):
    """{description: value} with the mistakes that give the same value here named together ("a, or b")."""
    groups = []
    for description, value in mistakes.items():
        value = np.asarray(value, dtype=np.float64)
        for group in groups:
            if group[1].shape == value.shape and np.allclose(group[1], value, rtol=1e-9, atol=1e-12):
                group[0].append(description)
                break
        else:
            groups.append(([description], value))
    return {", or ".join(names): value for names, value in groups}


def test_clip_by_global_norm(nb, rng):
    """Task 5 (3 points): clip_by_global_norm(grads, max_norm) -> (clipped list, norm before clipping)."""
    # the visible cases
    g1, g2 = np.array([3.0, 0.0]), np.array([[0.0], [4.0]])
    cases = [([g1, g2], 1.0), ([g1, g2], 10.0)]
    # ratio = global norm / max_norm: above 1 the gradients must be clipped, below 1 left alone.
    for shapes, ratio in [([(4, 3), (3,), (3, 2), (2,)], 10.0),   # far above max_norm
                          ([(5, 5), (5,)], 0.3),                   # far below
                          ([(6,)], 3.0),                           # a single array, above
                          ([(1, 1)], 1.5),                         # a single number, above
                          ([(2, 3, 2), (1, 1), (7,)], 2.0),        # above, mixed shapes
                          ([(3, 3), (3,)], 1.1),                   # just above
                          ([(2, 2), (2,)], 0.95)]:                 # just below
        scales = rng.uniform(0.2, 5.0, size=len(shapes))   # arrays of very different sizes: per-array clipping differs
        grads = [rng.normal(0.0, s, size=sh) for s, sh in zip(scales, shapes)]
        cases.append((grads, float(np.sqrt(sum(np.sum(g ** 2) for g in grads))) / ratio))
    for grads, max_norm in cases:
        shapes = [g.shape for g in grads]
        # the reference: nnlib's clip_grad_norm on Parameters holding these gradients (the norm before clipping)
        params = [nnlib.Parameter(np.zeros_like(g)) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.copy()
        total = nnlib.clip_grad_norm(params, max_norm)
        above = "above" if total > max_norm else "below"
        what = f"clip_by_global_norm for arrays of shapes {shapes} (global norm {above} max_norm)"
        clipped, norm = _clipped(nb.ask("clip_by_global_norm", grads, max_norm), len(grads), what)
        expect_close(norm, total, f"{what}: the returned norm (the global norm before clipping)", rtol=1e-9,
                     mistakes={"the norm after clipping": min(total, max_norm),
                               "the sum of the arrays' norms": sum(_frobenius(g) for g in grads),
                               "the squared global norm": total ** 2})
        factor = min(1.0, max_norm / total)
        for i, (c, g) in enumerate(zip(clipped, grads)):
            per_array = g * min(1.0, max_norm / max(_frobenius(g), 1e-300))
            mistakes = {"clipping each array to max_norm separately": per_array,
                        "the scale inverted (norm / max_norm)": g * (total / max_norm),
                        "clipping every element into [-max_norm, max_norm]": np.clip(g, -max_norm, max_norm),
                        "the global norm taken as the sum of the arrays' norms":
                            g * min(1.0, max_norm / sum(_frobenius(h) for h in grads))}
            if total <= max_norm:
                mistakes = {"rescaling to max_norm even below it": g * (max_norm / total)}
            expect_close(c, g * factor, f"{what}: clipped array #{i + 1}", rtol=1e-7, mistakes=_merged(mistakes))
    # all-zero gradients: norm 0, returned unchanged, no division by zero
    zeros = [np.zeros((2, 3)), np.zeros(3)]
    what = "clip_by_global_norm of all-zero gradients"
    clipped, norm = _clipped(nb.ask("clip_by_global_norm", zeros, 1.0), 2, what)
    expect_close(norm, 0.0, f"{what}: the norm")
    for i, c in enumerate(clipped):
        expect_close(c, zeros[i], f"{what}: array #{i + 1} (it must come back as zeros, not NaN)")
