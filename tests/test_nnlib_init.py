"""Initialisers: sample variances against PyTorch's formulas."""
import math

import numpy as np
import pytest

import nnlib as nn

FAN_IN, FAN_OUT = 300, 400  # 120,000 samples: sample variance within about ±1.3 % (3 sigma)

CASES = [
    (nn.xavier_uniform, 2 / (FAN_IN + FAN_OUT)), (nn.xavier_normal, 2 / (FAN_IN + FAN_OUT)),
    (nn.he_uniform, 2 / FAN_IN), (nn.he_normal, 2 / FAN_IN),
]


@pytest.mark.parametrize("init, variance", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_sample_variance_matches_formula(init, variance):
    w = init(FAN_IN, FAN_OUT, rng=0)
    assert w.shape == (FAN_IN, FAN_OUT) and w.dtype == np.float64
    assert abs(w.mean()) < 4 * math.sqrt(variance / w.size)
    assert w.var() == pytest.approx(variance, rel=0.03), f"{init.__name__}: var {w.var()}, want {variance}"


def test_uniform_bounds_and_gain():
    bound = math.sqrt(6 / FAN_IN)
    w = nn.he_uniform(FAN_IN, FAN_OUT, rng=1)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    w = nn.xavier_normal(FAN_IN, FAN_OUT, gain=2.0, rng=2)
    assert w.var() == pytest.approx(4 * 2 / (FAN_IN + FAN_OUT), rel=0.03)


def test_rng_seed_reproducible_and_dtype():
    a = nn.he_normal(5, 3, rng=7, dtype=np.float32)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, nn.he_normal(5, 3, rng=np.random.default_rng(7), dtype=np.float32))


@pytest.mark.parametrize("name, variance", [
    ("he", 2 / FAN_IN), ("he_normal", 2 / FAN_IN), ("he_uniform", 2 / FAN_IN),
    ("xavier", 2 / (FAN_IN + FAN_OUT)), ("xavier_uniform", 2 / (FAN_IN + FAN_OUT)),
    ("xavier_normal", 2 / (FAN_IN + FAN_OUT))])
def test_dense_init_names(name, variance):
    layer = nn.Dense(FAN_IN, FAN_OUT, init=name, rng=0, dtype=np.float32)
    assert layer.W.value.dtype == np.float32 and layer.b.value.dtype == np.float32
    assert layer.W.value.var() == pytest.approx(variance, rel=0.03)
    assert not layer.b.value.any()
    assert (layer.W.name, layer.b.name) == ("W", "b")


def test_dense_callable_init():
    layer = nn.Dense(2, 3, init=lambda fan_in, fan_out: np.full((fan_in, fan_out), 0.5))
    np.testing.assert_array_equal(layer.W.value, 0.5)
    layer = nn.Dense(2, 3, init=lambda fan_in, fan_out: np.ones((fan_in, fan_out)), dtype=np.float32)
    assert layer.W.dtype == np.float32


def test_dense_callable_init_gets_the_rng():
    layer = nn.Dense(2, 3, init=nn.xavier_uniform, rng=3)
    np.testing.assert_array_equal(layer.W.value, nn.xavier_uniform(2, 3, rng=3))
