"""Optimisers against steps computed here from the update formulas; clipping; penalties."""
import math

import numpy as np
import pytest

import nnlib as nn

P0, G1, G2 = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.1, -0.4]), np.array([-0.2, 0.5, 0.1])


def run(make_optimizer, grads, p0=P0):
    """Apply the optimizer to one Parameter starting at p0, with the given gradient sequence."""
    p = nn.Parameter(p0.copy(), "W")
    opt = make_optimizer([p])
    trajectory = []
    for g in grads:
        opt.zero_grad()
        p.grad = g.copy()
        opt.step()
        trajectory.append(p.value.copy())
    return trajectory


def assert_steps(received, expected, what):
    for i, (r, e) in enumerate(zip(received, expected)):
        np.testing.assert_allclose(r, e, rtol=1e-12, err_msg=f"{what}, step {i + 1}")


def test_plain_sgd():
    lr = 0.1
    p1 = P0 - lr * G1
    assert_steps(run(lambda ps: nn.SGD(ps, lr), [G1, G2]), [p1, p1 - lr * G2], "SGD")


def test_sgd_momentum_first_buffer_is_the_gradient():
    lr, mu = 0.1, 0.9
    v1 = G1
    p1 = P0 - lr * v1
    v2 = mu * v1 + G2
    assert_steps(run(lambda ps: nn.SGD(ps, lr, momentum=mu), [G1, G2]), [p1, p1 - lr * v2], "momentum")


def test_sgd_nesterov():
    lr, mu = 0.1, 0.9
    v1 = G1
    p1 = P0 - lr * (G1 + mu * v1)
    v2 = mu * v1 + G2
    p2 = p1 - lr * (G2 + mu * v2)
    assert_steps(run(lambda ps: nn.SGD(ps, lr, momentum=mu, nesterov=True), [G1, G2]), [p1, p2], "nesterov")


def test_sgd_weight_decay_with_momentum():
    lr, mu, wd = 0.1, 0.5, 0.01
    g1 = G1 + wd * P0
    p1 = P0 - lr * g1
    g2 = G2 + wd * p1
    v2 = mu * g1 + g2
    assert_steps(run(lambda ps: nn.SGD(ps, lr, momentum=mu, weight_decay=wd), [G1, G2]),
                 [p1, p1 - lr * v2], "weight decay")


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_adam_two_steps(wd):
    lr, (b1, b2), eps = 0.01, (0.9, 0.999), 1e-8
    p, m, v, expected = P0.copy(), 0.0, 0.0, []
    for t, g in enumerate([G1, G2], start=1):
        g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        expected.append(p)
    assert_steps(run(lambda ps: nn.Adam(ps, lr, weight_decay=wd), [G1, G2]), expected, f"Adam wd={wd}")


def test_param_groups_apply_weight_decay_to_weights_only():
    model = nn.Sequential(nn.Dense(3, 2, rng=0))
    model[0].b.value[:] = 1.0
    opt = nn.SGD([{"params": nn.weights(model), "weight_decay": 0.5}, {"params": [model[0].b]}], lr=0.1)
    W0 = model[0].W.value.copy()
    for p in model.parameters():
        p.grad = np.zeros_like(p.value)
    opt.step()  # zero gradients: only weight decay moves anything
    np.testing.assert_allclose(model[0].W.value, W0 - 0.1 * 0.5 * W0)
    np.testing.assert_allclose(model[0].b.value, 1.0)
    opt.lr = 0.01
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.01]


@pytest.mark.parametrize("make", [lambda ps: nn.SGD(ps, 0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
                                  lambda ps: nn.Adam(ps, 0.1, weight_decay=0.01)], ids=["SGD", "Adam"])
def test_updates_are_in_place_and_keep_float32(make):
    p = nn.Parameter(np.ones((2, 3), np.float32))
    value = p.value
    opt = make([p])
    opt.lr = np.float64(0.05)  # e.g. from a schedule computed with NumPy
    for _ in range(3):
        p.grad = np.full((2, 3), 0.5, np.float32)
        opt.step()
    assert p.value is value and p.value.dtype == np.float32
    assert all(a.dtype == np.float32 for a in opt.state[p].values() if isinstance(a, np.ndarray))


def test_l2_penalty_gradient_equals_sgd_weight_decay():
    w, g, lam, lr = np.array([1.0, -3.0]), np.array([0.2, 0.2]), 0.1, 0.5
    a = run(lambda ps: nn.SGD(ps, lr, weight_decay=lam), [g], w)[0]
    b = run(lambda ps: nn.SGD(ps, lr), [g + nn.l2_grad(w, lam)], w)[0]
    np.testing.assert_allclose(a, b)
    assert nn.l2_penalty([w, np.array([2.0])], lam) == pytest.approx(lam / 2 * (1 + 9 + 4))
    assert nn.l1_penalty([w], lam) == pytest.approx(lam * 4)
    np.testing.assert_allclose(nn.l1_grad(np.array([2.0, 0.0, -1.0]), 0.3), [0.3, 0.0, -0.3])


def test_weights_returns_only_W_in_layer_order():
    model = nn.Sequential(nn.Dense(2, 3), nn.ReLU(), nn.Dense(3, 1))
    assert nn.weights(model) == [model[0].W, model[2].W]


def test_cosine_lr():
    assert nn.cosine_lr(0.1, 0, 10) == pytest.approx(0.1)
    assert nn.cosine_lr(0.1, 5, 10) == pytest.approx(0.05)
    assert nn.cosine_lr(0.1, 10, 10, min_lr=0.01) == pytest.approx(0.01)
    assert nn.cosine_lr(0.1, 3, 10) == pytest.approx(0.1 * (1 + math.cos(math.pi * 0.3)) / 2)


def params_with_grads(*grads):
    ps = [nn.Parameter(np.zeros_like(g)) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = g.copy()
    return ps


def test_clip_grad_norm_scales_all_gradients_together():
    ps = params_with_grads(np.array([3.0, 0.0]), np.array([[4.0]]))
    assert nn.clip_grad_norm(ps, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(ps[0].grad, [3 / (5 + 1e-6), 0])
    np.testing.assert_allclose(ps[1].grad, [[4 / (5 + 1e-6)]])
    ps = params_with_grads(np.array([0.3, 0.4]))
    assert nn.clip_grad_norm(ps, 1.0) == pytest.approx(0.5)
    np.testing.assert_allclose(ps[0].grad, [0.3, 0.4])  # under the limit: untouched


def test_clip_grad_value_and_grad_norms():
    ps = params_with_grads(np.array([-3.0, 0.5, 2.0]))
    nn.clip_grad_value(ps, 1.0)
    np.testing.assert_allclose(ps[0].grad, [-1, 0.5, 1])
    model = nn.Sequential(nn.Dense(2, 2), nn.Tanh(), nn.Dense(2, 1))
    model[0].W.grad = np.full((2, 2), 3.0)
    model[2].W.grad = np.array([[3.0], [4.0]])
    model[2].b.grad = np.array([100.0])  # biases are not counted
    assert nn.grad_norms(model) == pytest.approx([6.0, 5.0])


def test_clip_skips_parameters_without_a_gradient():
    with_grad, without = params_with_grads(np.array([3.0, 4.0]))[0], nn.Parameter(np.ones(2))
    assert nn.clip_grad_norm([with_grad, without], 1.0) == pytest.approx(5.0)
    nn.clip_grad_value([with_grad, without], 0.1)
    assert without.grad is None
    np.testing.assert_allclose(with_grad.grad, [0.1, 0.1])


@pytest.mark.parametrize("make", [lambda ps: nn.SGD(ps, 0.1, momentum=0.9, weight_decay=0.5),
                                  lambda ps: nn.Adam(ps, 0.1, weight_decay=0.5)], ids=["SGD", "Adam"])
def test_step_skips_parameters_whose_grad_is_none(make):
    """As PyTorch: no gradient, no update (not even weight decay), and no state."""
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))
    opt = make([a, b])
    a.grad = np.array([1.0, -1.0])
    opt.step()
    assert not np.allclose(a.value, 1.0)
    np.testing.assert_array_equal(b.value, 1.0)
    assert b not in opt.state or not opt.state[b]
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    before = a.value.copy()
    opt.step()
    np.testing.assert_array_equal(a.value, before)  # momentum alone does not move it either


def test_optimizer_state_keys():
    p, q = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    sgd, adam = nn.SGD([p], 0.1, momentum=0.9), nn.Adam([q], 0.1)
    for _ in range(2):
        p.grad, q.grad = np.array([1.0, 2.0]), np.array([1.0, 2.0])
        sgd.step()
        adam.step()
    assert set(sgd.state[p]) == {"momentum_buffer"}
    np.testing.assert_allclose(sgd.state[p]["momentum_buffer"], 1.9 * np.array([1.0, 2.0]))
    assert set(adam.state[q]) == {"step", "m", "v"} and adam.state[q]["step"] == 2
    plain = nn.SGD([p], 0.1)
    plain.step()
    assert not plain.state.get(p)  # plain SGD remembers nothing
