"""Losses and softmax: their definitions, their extremes, and dtype preservation."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import nnlib as nn

SETTINGS = settings(max_examples=25, deadline=None)
sides = st.integers(1, 6)


def arrays(shape, lo=-10.0, hi=10.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi))
EXTREME = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, -1e4]])


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow / divide-by-zero warnings fail the test
        yield


def naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@SETTINGS
@given(z=sides.flatmap(lambda n: sides.flatmap(lambda c: arrays((n, c)))))
def test_softmax_and_log_softmax_match_the_definition(z):
    p = nn.softmax(z)
    np.testing.assert_allclose(p, naive_softmax(z), rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(nn.log_softmax(z), np.log(naive_softmax(z)), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(nn.softmax(z[0]), p[0], rtol=1e-12)  # a single row (C,) works too


def test_softmax_is_stable_at_huge_logits():
    p, log_p = nn.softmax(EXTREME), nn.log_softmax(EXTREME)
    assert np.isfinite(p).all() and np.isfinite(log_p).all()
    np.testing.assert_allclose(p[0], [1, 0, 0])
    np.testing.assert_allclose(log_p[0], [0, -2e4, -1e4])


@SETTINGS
@given(data=st.data())
def test_losses_match_their_definitions(data):
    n, c = data.draw(sides), data.draw(st.integers(1, 4))
    pred, target = data.draw(arrays((n, c))), data.draw(arrays((n, c)))
    assert np.isclose(nn.MSELoss()(pred, target), np.mean((pred - target) ** 2))
    assert nn.mse_forward(pred, target)[0] == nn.MSELoss()(pred, target)
    p, t = data.draw(arrays((n, c), 0.01, 0.99)), data.draw(arrays((n, c), 0.0, 1.0))
    expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert np.isclose(nn.BCELoss()(p, t), expected)
    z, y = data.draw(arrays((n, c + 1))), data.draw(hnp.arrays(np.int64, n, elements=st.integers(0, c)))
    expected = -np.mean([np.log(naive_softmax(z)[i, y[i]]) for i in range(n)])
    assert np.isclose(nn.SoftmaxCrossEntropyLoss()(z, y), expected)


@SETTINGS
@given(data=st.data())
def test_bce_with_logits_equals_bce_of_sigmoid_in_the_safe_range(data):
    n = data.draw(st.integers(1, 8))
    z, t = data.draw(arrays(n)), data.draw(arrays(n, 0.0, 1.0))
    with_logits, plain = nn.BCEWithLogitsLoss(), nn.BCELoss()
    a, b = with_logits(z, t), plain(nn.sigmoid(z), t)
    assert np.isclose(a, b, rtol=1e-9), f"with logits {a}, BCE(sigmoid) {b}"
    # chain rule: d/dz BCE(σ(z)) = dBCE/dσ · σ'(z), and σ'(z) is sigmoid_backward of ones
    dsigma = nn.sigmoid_backward(np.ones_like(z), nn.sigmoid_forward(z)[1])
    np.testing.assert_allclose(with_logits.backward(), plain.backward() * dsigma, rtol=1e-7)


@pytest.mark.parametrize("loss, target", [
    (nn.SoftmaxCrossEntropyLoss(), np.array([0, 2, 1])),
    (nn.BCEWithLogitsLoss(), np.array([[0.0, 1, 1], [1, 0, 0], [1, 1, 0]])),
    (nn.MSELoss(), np.zeros((3, 3))),
])
def test_losses_are_finite_at_logits_of_plus_minus_1e4(loss, target):
    value = loss(EXTREME, target)
    grad = loss.backward()
    assert np.isfinite(value) and np.isfinite(grad).all(), f"{loss}: loss {value}, grad {grad}"


def test_extreme_values_are_right_not_just_finite():
    z = np.array([[1e4, -1e4]])
    assert nn.SoftmaxCrossEntropyLoss()(z, [0]) == 0.0
    assert nn.SoftmaxCrossEntropyLoss()(z, [1]) == 2e4
    assert nn.BCEWithLogitsLoss()(np.array([1e4, -1e4]), np.array([0.0, 0.0])) == 5e3
    bce = nn.BCELoss()
    assert bce(np.array([0.0, 1.0]), np.array([1.0, 0.0])) == 100.0  # log clamped at -100, as torch
    assert np.isfinite(bce.backward()).all()


def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    z, y = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]), np.array([2, 0])
    loss = nn.SoftmaxCrossEntropyLoss()
    loss(z, y)
    np.testing.assert_allclose(loss.backward(), (naive_softmax(z) - np.eye(3)[y]) / 2)


@pytest.mark.parametrize("loss, pred, target", [
    (nn.MSELoss(), np.ones((4, 2)), np.zeros((4, 2))),
    (nn.BCELoss(), np.full((4, 1), 0.3), np.ones((4, 1))),
    (nn.BCEWithLogitsLoss(), np.ones(4), np.array([0, 1, 1, 0])),  # integer 0/1 targets are fine
    (nn.SoftmaxCrossEntropyLoss(), np.ones((4, 3)), np.array([0, 1, 2, 0])),
])
def test_float32_predictions_give_float32_gradients(loss, pred, target):
    loss(pred.astype(np.float32), target)
    assert loss.backward().dtype == np.float32


def test_loss_returns_a_python_float():
    assert type(nn.MSELoss()(np.ones(3, np.float32), np.zeros(3))) is float
