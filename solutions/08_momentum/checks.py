"""Trusted checks for exercise 8, momentum: one function per graded test cell, named by its grade id.

Run in the grader's process (never in the student's kernel).  The optimisers are driven here, step by step, the
way a training loop drives them: the parameter and gradient arrays stay in the notebook (so that in-place updates
can be seen), the gradients are refilled in place before every step, and after every step the parameters and the
optimiser's state are brought back as data (a whole run is one batch of questions, one round trip) and compared with
nnlib's optimisers (PyTorch's formulas), together with the contract (parameters updated in place, gradients left
alone).  Each check re-checks the cell's visible cases too.  See grading/runner.py for the contract of a check.
"""
import numpy as np

import nnlib
from grading import Call, Handle, expect, expect_close, expect_shape
from grading.notebook import StudentRaised

# -- driving an optimiser in the notebook --------------------------------------------------------------------------


def _create(nb, name, *args, **kwargs):
    """The notebook's optimiser `name`(*args, **kwargs), and an empty object array `box` (made with the set-up
    cell's `np`) to hold the arrays _drive trains: (opt, box), two Handles, in one round trip."""
    opt, box = nb.ask_many([Call(name, *args, **kwargs), Call(nb.handle("np").attr("empty"), 3, "object")])
    expect(isinstance(opt, Handle), f"{name}(...) should create an optimiser object, but it gave {opt!r}")
    expect(isinstance(box, Handle), "the notebook's `np` is not NumPy: keep the set-up cell's `import numpy as np`")
    return opt, box


def _drive(nb, opt, box, params0, grads_seq, lrs, watch, what):
    """Run the notebook's optimiser `opt` as a training loop does; return [(parameters, state)] after every step.

    The arrays live in the notebook, in the object array `box` (see _create): box[0] is the list passed to step as
    params, box[1] a second list of the same arrays (to see whether step replaced any), box[2] the list of gradient
    arrays, refilled in place before every step (with the set-up cell's `np.copyto`).  After every step one call of
    the set-up cell's `copy.copy` reads back the arrays and the state attributes `watch`: only the data that comes
    back counts.  The whole run is asked in one batch (one round trip), then checked here step by step.
    lrs: None, or the learning rate to set as opt.lr before every step.  Checks the contract after every step:
    gradients unchanged, parameters updated in place.
    """
    n = len(params0)
    fill, numpy, copy = box.attr("__setitem__"), nb.handle("np"), nb.handle("copy")
    setup = [Call(fill, 0, [np.array(p, dtype=np.float64) for p in params0]),
             Call(fill, 1, [box[0][i] for i in range(n)]),
             Call(fill, 2, [np.zeros(np.shape(p)) for p in params0])]
    steps, doing = [], [None] * len(setup)  # every step's calls; what each call does, to name one that raises
    for t, step_grads in enumerate(grads_seq, start=1):
        step = []
        if lrs is not None:
            step.append(Call(opt.attr("__setattr__"), "lr", float(lrs[t - 1])))
            doing.append(f"setting opt.lr before step {t}")
        for i, g in enumerate(step_grads):
            step.append(Call(numpy.attr("copyto"), box[2][i], g))
            doing.append(None)
        step.append(Call(opt.attr("step"), box[0], box[2]))
        doing.append(f"opt.step(params, grads) at step {t}")
        # the step's last call brings back the arrays and the state: copy.copy of a list of what the handles name
        step.append(Call(copy.attr("copy"), [box[0], box[1], box[2]] + [opt.attr(w) for w in watch]))
        doing.append(f"reading opt.{', opt.'.join(watch)} after step {t}")
        steps.append(step)
    answers = nb.ask_many(setup + [call for step in steps for call in step])  # the whole run: one round trip

    def answer():
        """The next answer, read in the order asked; a call that raised is named by what it was doing."""
        try:
            return next(answers)
        except StudentRaised as exc:
            if doing[exc.index] is None:
                raise
            raise StudentRaised(f"{what}: {doing[exc.index]}", exc.exc_type, exc.exc_message) from None

    before = [np.array(p, dtype=np.float64) for p in params0]
    record = []
    for _ in setup:
        answer()
    for t, (step, step_grads) in enumerate(zip(steps, grads_seq), start=1):
        for _ in step[:-1]:
            answer()
        snapshot = answer()
        expect(isinstance(snapshot, list) and len(snapshot) == 3 + len(watch),
               f"{what}: the grader lost its arrays at step {t}: keep the set-up cell's `import copy`")
        params_list, originals, grads_now = snapshot[:3]
        for i, g in enumerate(step_grads):
            expect(isinstance(grads_now, list) and len(grads_now) == n and isinstance(grads_now[i], np.ndarray)
                   and np.array_equal(grads_now[i], g),
                   f"{what}: opt.step changed the gradient arrays (grads[{i}] at step {t}): it must not modify "
                   "grads, a training loop reuses those arrays", mistake="an input modified in place")
        expect(isinstance(params_list, list) and len(params_list) == n,
               f"{what}: after step {t} the params list has {len(params_list) if isinstance(params_list, list) else '?'}"
               f" entries instead of {n}: step must update the arrays in the list, not the list")
        for i in range(n):
            expect(isinstance(params_list[i], np.ndarray) and params_list[i].shape == originals[i].shape
                   and np.array_equal(params_list[i], originals[i], equal_nan=True),
                   f"{what}: at step {t}, opt.step replaced params[{i}] by a new array: update each array in place "
                   "(p -= ...), never params[i] = ...", mistake="parameters replaced, not updated in place")
        expect(not all(np.array_equal(p, b) for p, b in zip(originals, before)),
               f"{what}: at step {t}, opt.step left every parameter unchanged: it must update the arrays in place "
               "(p -= ...; p = p - ... only makes a new array)", mistake="parameters not updated in place")
        state = dict(zip(watch, snapshot[3:]))
        record.append((originals, state))
        before = originals
    return record


def _expect_list(value, n, name, where):
    expect(isinstance(value, (list, tuple)) and len(value) == n,
           f"{where}, {name} should be a list of {n} array(s), one per parameter; got "
           f"{'None' if value is None else type(value).__name__}"
           f"{' of ' + str(len(value)) if isinstance(value, (list, tuple)) else ''}")


def _same(a, b):
    return (isinstance(a, np.ndarray) and np.shape(a) == np.shape(b)
            and bool(np.allclose(a, b, rtol=1e-5, atol=1e-8)))


def _explaining(variants, got, parts):
    """The mistaken trajectories that explain the whole recorded run `got` (every step, every array), or all of
    them if none does: several mistakes agree on a step or two, the whole run tells them apart.

    variants: {description: [per step: (params, *state lists)]}; got: [per step: (params, state dict)];
    parts: [(index in a variant's step, name in the state dict or None for the parameters)].
    """
    def explains(traj):
        for (params, state), step in zip(got, traj):
            for k, name in parts:
                mine = params if name is None else state.get(name)
                if not isinstance(mine, (list, tuple)) or len(mine) != len(step[k]):
                    return False
                if not all(_same(a, b) for a, b in zip(mine, step[k])):
                    return False
        return True
    found = [desc for desc, traj in variants.items() if explains(traj)]
    if not found:
        return variants
    return {" or ".join(found): variants[found[0]]}  # they agree on this run: name them all


def _pick(trajectories, t, part, i):
    return {desc: traj[t][part][i] for desc, traj in trajectories.items()}


# -- Tasks 1 and 2: SGD with momentum ------------------------------------------------------------------------------


def _nnlib_sgd(params0, grads_seq, lrs, mu, nesterov):
    """nnlib.SGD's parameters and velocities after every step."""
    ps = [nnlib.Parameter(np.array(p, dtype=np.float64)) for p in params0]
    opt = nnlib.SGD(ps, lr=lrs[0], momentum=mu, nesterov=nesterov)
    out = []
    for lr, gs in zip(lrs, grads_seq):
        opt.lr = lr
        for p, g in zip(ps, gs):
            p.grad = np.array(g, dtype=np.float64)
        opt.step()
        out.append(([p.value.copy() for p in ps], [opt.state[p]["momentum_buffer"].copy() for p in ps]))
    return out


def _sgd_variant(params0, grads_seq, lrs, mu, velocity_rule, step_rule, fixed_lr=False):
    """A mistaken SGD (for naming the likely mistake): v = velocity_rule(v, g, lr, mu); p -= step_rule(...)."""
    ps = [np.array(p, dtype=np.float64) for p in params0]
    vs = [np.zeros_like(p) for p in ps]
    out = []
    for t, gs in enumerate(grads_seq):
        lr = lrs[0] if fixed_lr else lrs[t]
        for i, g in enumerate(gs):
            old = vs[i]
            vs[i] = velocity_rule(old, g, lr, mu)
            ps[i] = ps[i] - step_rule(vs[i], old, g, lr, mu)
        out.append(([p.copy() for p in ps], [v.copy() for v in vs]))
    return out


def _classical_v(v, g, lr, mu):
    return mu * v + g


MOMENTUM_MISTAKES = {
    "v <- mu*v + lr*g and theta <- theta - v (the learning rate inside the velocity)":
        (lambda v, g, lr, mu: mu * v + lr * g, lambda vn, vo, g, lr, mu: vn, False),
    "v <- mu*v + lr*g and theta <- theta - lr*v (the learning rate applied twice)":
        (lambda v, g, lr, mu: mu * v + lr * g, lambda vn, vo, g, lr, mu: lr * vn, False),
    "a velocity that restarts from zero at every step (plain gradient descent)":
        (lambda v, g, lr, mu: g, lambda vn, vo, g, lr, mu: lr * vn, False),
    "theta <- theta + lr*v (the update's sign flipped)":
        (_classical_v, lambda vn, vo, g, lr, mu: -lr * vn, False),
    "a moving average v <- mu*v + (1 - mu)*g":
        (lambda v, g, lr, mu: mu * v + (1 - mu) * g, lambda vn, vo, g, lr, mu: lr * vn, False),
    "a learning rate read once in __init__ (a schedule's new opt.lr ignored)":
        (_classical_v, lambda vn, vo, g, lr, mu: lr * vn, True),
}

NESTEROV_MISTAKES = {
    "the classical momentum step theta <- theta - lr*v (the same as a look-ahead with the old velocity, "
    "theta <- theta - lr*(g + mu*v_old))":
        (_classical_v, lambda vn, vo, g, lr, mu: lr * vn, False),
    "theta <- theta - lr*mu*v (the gradient term left out)":
        (_classical_v, lambda vn, vo, g, lr, mu: lr * mu * vn, False),
    "theta <- theta - lr*(g + v) (mu left out of the step)":
        (_classical_v, lambda vn, vo, g, lr, mu: lr * (g + vn), False),
    "theta <- theta - lr*(mu*v - g) (the gradient term's sign flipped)":
        (_classical_v, lambda vn, vo, g, lr, mu: lr * (mu * vn - g), False),
    "a velocity that restarts from zero at every step":
        (lambda v, g, lr, mu: g, lambda vn, vo, g, lr, mu: lr * (g + mu * vn), False),
    "v <- 2*mu*v + g (the look-ahead added to the velocity)":
        (lambda v, g, lr, mu: 2 * mu * v + g, lambda vn, vo, g, lr, mu: lr * vn, False),
    "a learning rate read once in __init__ (a schedule's new opt.lr ignored)":
        (_classical_v, lambda vn, vo, g, lr, mu: lr * (g + mu * vn), True),
}


def _check_sgd_run(nb, name, nesterov, lr, mu, params0, grads_seq, schedule, what):
    """Drive the notebook's `name`(lr, mu) and compare every step with nnlib.SGD."""
    steps = len(grads_seq)
    lrs = [lr * 0.7 ** t for t in range(steps)] if schedule else [lr] * steps
    want = _nnlib_sgd(params0, grads_seq, lrs, mu, nesterov)
    table = NESTEROV_MISTAKES if nesterov else MOMENTUM_MISTAKES
    variants = {desc: _sgd_variant(params0, grads_seq, lrs, mu, vel, stp, fixed)
                for desc, (vel, stp, fixed) in table.items()}
    opt, box = _create(nb, name, lr, mu)
    got = _drive(nb, opt, box, params0, grads_seq, lrs if schedule else None, ("velocity",), what)
    variants = _explaining(variants, got, [(0, None), (1, "velocity")])
    shapes = [np.shape(p) for p in params0]
    for t, ((got_params, state), (want_params, want_vel)) in enumerate(zip(got, want)):
        where = f"{what}: after step {t + 1}"
        _expect_list(state["velocity"], len(shapes), "opt.velocity", where)
        for i, shape in enumerate(shapes):
            expect_close(state["velocity"][i], want_vel[i], f"{where}, velocity[{i}] (shape {shape})",
                         mistakes=_pick(variants, t, 1, i))
            expect_close(got_params[i], want_params[i], f"{where}, parameter {i} (shape {shape})",
                         mistakes=_pick(variants, t, 0, i))


def _nnlib_steps(A, theta0, lr, mu, nesterov, tol, max_steps):
    """How many steps nnlib.SGD takes on f = 1/2 theta^T A theta to shrink |theta| by tol (None: not in max_steps)."""
    p = nnlib.Parameter(np.array(theta0, dtype=np.float64))
    opt = nnlib.SGD([p], lr=lr, momentum=mu, nesterov=nesterov)
    start = np.linalg.norm(theta0)
    for t in range(1, max_steps + 1):
        p.grad = A @ p.value
        opt.step()
        size = np.linalg.norm(p.value)
        if size <= tol * start:
            return t
        if not np.isfinite(size):
            return None
    return None


def _check_convergence(nb, name, nesterov, A, theta0, mu, what, tol=1e-8, max_steps=5000):
    want = _nnlib_steps(A, theta0, 1.0, mu, nesterov, tol, max_steps)
    assert want is not None, "the reference must converge on the checks' problems"
    got = nb.ask("steps_to_converge", _create(nb, name, 1.0, mu)[0], A, theta0, tol, max_steps)
    reference = f"nnlib.SGD(momentum=mu{', nesterov=True' if nesterov else ''})"
    expect(got is not None, f"{what}: your {name} does not reach the tolerance within {max_steps} steps; "
                            f"{reference} does after {want}")
    expect(got == want, f"{what}: your {name} reaches the tolerance after {got} steps, {reference} after {want}")


def _random_quadratic(rng, P, kappa):
    Q, _ = np.linalg.qr(rng.normal(size=(P, P)))
    return Q @ np.diag(np.geomspace(1.0, 1.0 / kappa, P)) @ Q.T, rng.normal(size=P)


def _check_sgd_task(nb, rng, name, nesterov, hidden_cases, quadratics):
    # the visible cases: two steps by hand (lr 0.1, mu 0.9), and one velocity per parameter of its shape
    _check_sgd_run(nb, name, nesterov, 0.1, 0.9, [np.array([1.0, 2.0])], [[np.array([0.5, -1.0])]] * 2, False,
                   f"{name}(lr=0.1, mu=0.9) from [1, 2] with the gradient [0.5, -1] twice")
    _check_sgd_run(nb, name, nesterov, 0.1, 0.9, [np.zeros((2, 3)), np.zeros(3)],
                   [[np.ones((2, 3)), np.ones(3)]] * 3, False,
                   f"{name}(lr=0.1, mu=0.9) on parameters of shapes (2, 3) and (3,)")
    # several optimisers, one after another in the same notebook, each on its own parameters
    for shapes, steps, schedule in hidden_cases:
        lr, mu = float(rng.uniform(0.05, 0.3)), float(rng.uniform(0.5, 0.95))
        params = [rng.normal(size=s) for s in shapes]
        grads = [[rng.normal(size=s) for s in shapes] for _ in range(steps)]
        what = (f"{name} on parameters of shapes {', '.join(map(str, shapes))}"
                + (", with the learning rate changed before every step" if schedule else ""))
        _check_sgd_run(nb, name, nesterov, lr, mu, params, grads, schedule, what)
    # convergence on ill-conditioned quadratics: the same number of steps as nnlib
    for P, kappa, mu in quadratics:
        A, theta0 = _random_quadratic(rng, P, kappa)
        _check_convergence(nb, name, nesterov, A, theta0, mu,
                           f"on a quadratic in {P} dimensions with condition number {kappa:g} (lr=1)")


def test_momentum(nb, rng):
    """Task 1 (3 points): Momentum(lr, mu) with step(params, grads) and the attribute velocity."""
    _check_sgd_task(nb, rng, "Momentum", False,
                    [([(3, 4), (4,), (1,)], 8, False), ([(1, 1)], 6, False), ([(2, 5), (5,), (5, 1)], 7, True)],
                    [(2, 100.0, 0.8), (4, 400.0, 0.9)])
    # the visible convergence test: on diag(1, 0.01) from [1, 1], lr 1, gradient descent (mu = 0) and mu = 0.8
    A, theta0 = np.diag([1.0, 0.01]), np.array([1.0, 1.0])
    for mu in (0.0, 0.8):
        _check_convergence(nb, "Momentum", False, A, theta0, mu,
                           f"on the visible test's valley diag(1, 0.01) from [1, 1] with lr=1, mu={mu}",
                           max_steps=10_000)


def test_nesterov(nb, rng):
    """Task 2 (3 points): Nesterov(lr, mu), PyTorch's form, with step(params, grads) and velocity."""
    _check_sgd_task(nb, rng, "Nesterov", True,
                    [([(4, 3), (3,)], 8, False), ([(1,)], 6, False), ([(3, 2), (2,), (1, 1)], 7, True)],
                    [(2, 100.0, 0.85), (3, 300.0, 0.9)])


# -- Task 3: Adam --------------------------------------------------------------------------------------------------


def _nnlib_adam(params0, grads_seq, lrs, b1, b2, eps):
    """nnlib.Adam's parameters, m, v and step count after every step."""
    ps = [nnlib.Parameter(np.array(p, dtype=np.float64)) for p in params0]
    opt = nnlib.Adam(ps, lr=lrs[0], betas=(b1, b2), eps=eps)
    out = []
    for lr, gs in zip(lrs, grads_seq):
        opt.lr = lr
        for p, g in zip(ps, gs):
            p.grad = np.array(g, dtype=np.float64)
        opt.step()
        out.append(([p.value.copy() for p in ps], [opt.state[p]["m"].copy() for p in ps],
                    [opt.state[p]["v"].copy() for p in ps], opt.state[ps[0]]["step"]))
    return out


def _adam_variant(params0, grads_seq, lrs, b1, b2, eps, *, correct_m=True, correct_v=True, t_ahead=0,
                  eps_inside=False, v_factor=True, swap=False, fixed_lr=False):
    """A mistaken Adam (for naming the likely mistake): [(params, m, v)] after every step."""
    if swap:
        b1, b2 = b2, b1
    ps = [np.array(p, dtype=np.float64) for p in params0]
    ms = [np.zeros_like(p) for p in ps]
    vs = [np.zeros_like(p) for p in ps]
    out = []
    for step, gs in enumerate(grads_seq, start=1):
        lr = lrs[0] if fixed_lr else lrs[step - 1]
        t = step + t_ahead
        for i, g in enumerate(gs):
            ms[i] = b1 * ms[i] + (1 - b1) * g
            vs[i] = b2 * vs[i] + ((1 - b2) if v_factor else 1.0) * g * g
            m_hat = ms[i] / (1 - b1 ** t) if correct_m else ms[i]
            v_hat = vs[i] / (1 - b2 ** t) if correct_v else vs[i]
            denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
            ps[i] = ps[i] - lr * m_hat / denom
        out.append(([p.copy() for p in ps], [m.copy() for m in ms], [v.copy() for v in vs]))
    return out


ADAM_MISTAKES = {
    "no bias correction": dict(correct_m=False, correct_v=False),
    "the bias correction of m only": dict(correct_v=False),
    "the bias correction of v only": dict(correct_m=False),
    "a step count one ahead (the first step uses t = 2)": dict(t_ahead=1),
    "eps inside the square root, sqrt(v_hat + eps)": dict(eps_inside=True),
    "v <- beta2*v + g^2 (the factor 1 - beta2 left out)": dict(v_factor=False),
    "beta1 and beta2 swapped": dict(swap=True),
    "a learning rate read once in __init__ (a schedule's new opt.lr ignored)": dict(fixed_lr=True),
}


def _is_count(value, want):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and value == want


def _check_adam_run(nb, lr, b1, b2, eps, params0, grads_seq, schedule, what, *, defaults=False):
    steps = len(grads_seq)
    lrs = [lr * 0.7 ** t for t in range(steps)] if schedule else [lr] * steps
    want = _nnlib_adam(params0, grads_seq, lrs, b1, b2, eps)
    variants = {desc: _adam_variant(params0, grads_seq, lrs, b1, b2, eps, **flags)
                for desc, flags in ADAM_MISTAKES.items()}
    opt, box = _create(nb, "Adam", lr) if defaults else _create(nb, "Adam", lr, beta1=b1, beta2=b2, eps=eps)
    t0 = nb.fetch(opt.attr("t"))
    expect(_is_count(t0, 0),
           f"{what}: a fresh Adam has taken no step, so opt.t should be 0; got {t0!r}")
    got = _drive(nb, opt, box, params0, grads_seq, lrs if schedule else None, ("m", "v", "t"), what)
    variants = _explaining(variants, got, [(0, None), (1, "m"), (2, "v")])
    shapes = [np.shape(p) for p in params0]
    for t, ((got_params, state), (want_params, want_m, want_v, want_t)) in enumerate(zip(got, want)):
        where = f"{what}: after step {t + 1}"
        expect(_is_count(state["t"], want_t),
               f"{where}, opt.t should be {want_t} (one more per call of step, whatever the number of "
               f"parameters); got {state['t']!r}")
        for part, name, want_list in [(1, "m", want_m), (2, "v", want_v)]:
            _expect_list(state[name], len(shapes), f"opt.{name}", where)
            for i, shape in enumerate(shapes):
                expect_close(state[name][i], want_list[i], f"{where}, {name}[{i}] (shape {shape})", atol=1e-12,
                             mistakes=_pick(variants, t, part, i))
        for i, shape in enumerate(shapes):
            expect_close(got_params[i], want_params[i], f"{where}, parameter {i} (shape {shape})",
                         mistakes=_pick(variants, t, 0, i))


def test_adam(nb, rng):
    """Task 3 (3 points): Adam(lr, beta1=0.9, beta2=0.999, eps=1e-8) with step(params, grads) and t, m, v."""
    # the visible case: the default betas and eps, two steps of the same gradient
    _check_adam_run(nb, 0.01, 0.9, 0.999, 1e-8, [np.array([1.0, 2.0])], [[np.array([0.5, -1e-3])]] * 2, False,
                    "Adam(lr=0.01) from [1, 2] with the gradient [0.5, -0.001] twice", defaults=True)
    # (shapes, steps, betas, eps, gradient scale, schedule): eps matters in the second case (gradients ~ eps)
    cases = [([(3, 4), (4,), (1,)], 8, (0.9, 0.999), 1e-8, 1.0, False),
             ([(1,)], 6, (0.8, 0.99), 0.1, 0.05, False),
             ([(1, 1), (3,)], 5, (0.5, 0.9), 1e-8, 1e-3, False),
             ([(2, 5), (5,)], 7, (float(rng.uniform(0.8, 0.95)), float(rng.uniform(0.98, 0.999))), 1e-6, 3.0, True)]
    for shapes, steps, (b1, b2), eps, scale, schedule in cases:
        lr = float(rng.uniform(0.01, 0.1))
        params = [rng.normal(size=s) for s in shapes]
        grads = [[scale * rng.normal(size=s) * rng.uniform(0.2, 2.0) for s in shapes] for _ in range(steps)]
        what = (f"Adam on parameters of shapes {', '.join(map(str, shapes))}"
                + (", with the learning rate changed before every step" if schedule else ""))
        _check_adam_run(nb, lr, b1, b2, eps, params, grads, schedule, what)


# -- Task 4: the rate of the heavy-ball iteration -----------------------------------------------------------------


def _radius(M):
    return float(np.max(np.abs(np.linalg.eigvals(M))))


def _heavy_ball(lr, mu, lam):
    return np.array([[1.0 + mu - lr * lam, -mu], [1.0, 0.0]])


def _rate_mistakes(lr, mu, lam):
    """{description: the value that mistake gives} for momentum_rate(lr, mu, lam)."""
    z = np.linalg.eigvals(_heavy_ball(lr, mu, lam))
    found = {"the matrix without mu in its corner, 1 - lr*lam": _radius(np.array([[1.0 - lr * lam, -mu], [1.0, 0.0]])),
             "the largest real part of the eigenvalues, not the largest modulus": float(np.max(z.real)),
             "the smallest modulus of the eigenvalues, not the largest": float(np.min(np.abs(z))),
             "gradient descent's |1 - lr*lam| (momentum left out)": abs(1.0 - lr * lam),
             "sqrt(mu), the rate inside the band only": float(np.sqrt(mu))}
    top = z[np.argmax(np.abs(z))]
    if top.imag == 0:
        found["the eigenvalue of largest modulus itself, not its modulus |z|"] = float(top.real)
    return found


def test_momentum_rate(nb, rng):
    """Task 4 (2 points): momentum_rate(lr, mu, lam) -> the spectral radius of the heavy-ball matrix (a float)."""
    visible = [(0.5, 0.0, 1.0), (3.0, 0.0, 1.0), (1.0, 0.81, 1.0), (1.0, 0.25, 0.01)]
    # gradient descent, divergence, a double root, and random cases with lr*lam from 1e-3 to 6 (every regime)
    cases = [(1.0, 0.0, 0.3), (0.5, 0.9, 8.0), (1.0, 0.64, 0.04)]
    for _ in range(24):
        lr = float(rng.uniform(0.1, 2.0))
        cases.append((lr, float(rng.uniform(0.0, 0.99)), float(np.exp(rng.uniform(np.log(1e-3), np.log(6.0)))) / lr))
    answers = []
    got_all = nb.ask_many([Call("momentum_rate", lr, mu, lam) for lr, mu, lam in visible + cases])
    for k, ((lr, mu, lam), got) in enumerate(zip(visible + cases, got_all)):
        want = _radius(_heavy_ball(lr, mu, lam))
        if k < len(visible):
            what = f"momentum_rate({lr}, {mu}, {lam}) (a visible case)"
        else:
            a = 1.0 + mu - lr * lam
            regime = ("where the iteration diverges" if want > 1 else
                      "with two complex eigenvalues (inside the band)" if a * a < 4 * mu else
                      "with two real eigenvalues")
            what = f"momentum_rate on a hidden case {regime}"
        expect(not isinstance(got, complex) and not np.iscomplexobj(got),
               f"{what} returned a complex number: return the modulus |z| (a real number)")
        expect_shape(got, (), f"{what} (a single number)")
        answers.append((what, float(got), want, _rate_mistakes(lr, mu, lam)))
    # the mistakes that explain every answer name the likely one; a single case is often explained by several
    everywhere = [d for d in answers[0][3]
                  if all(d in m and np.isclose(got, m[d], rtol=1e-5, atol=1e-8) for _, got, _, m in answers)]
    for what, got, want, mistakes in answers:
        if everywhere:
            mistakes = {" or ".join(everywhere): mistakes[everywhere[0]]}
        expect_close(got, want, what, rtol=1e-6, atol=1e-7, mistakes=mistakes)
