"""Mini-batches, scalers, the stratified split and the bundled data sets."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nnlib as nn


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 50), batch_size=st.integers(1, 20), seed=st.integers(0, 1000), shuffle=st.booleans())
def test_minibatches_cover_every_sample_exactly_once(n, batch_size, seed, shuffle):
    X, y = np.arange(n, dtype=float)[:, None], np.arange(n)
    batches = list(nn.minibatches(X, y, batch_size, shuffle=shuffle, rng=seed))
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(n)), f"n={n}, batch_size={batch_size}: saw {seen}"
    sizes = [len(yb) for _, yb in batches]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    assert sizes == expected, f"batch sizes {sizes}, expected {expected}"
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0], yb)  # rows stay paired with their labels
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(n))


def test_minibatches_reproducible_with_the_same_rng():
    X, y = np.random.default_rng(0).normal(size=(30, 2)), np.arange(30)
    a = [yb for _, yb in nn.minibatches(X, y, 7, rng=5)]
    b = [yb for _, yb in nn.minibatches(X, y, 7, rng=np.random.default_rng(5))]
    c = [yb for _, yb in nn.minibatches(X, y, 7, rng=6)]
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not all(np.array_equal(u, v) for u, v in zip(a, c))


@pytest.mark.parametrize("scaler", [nn.StandardScaler, nn.MinMaxScaler])
def test_scalers_use_training_statistics_only(scaler):
    rng = np.random.default_rng(0)
    train, test = rng.normal(5, 3, size=(200, 3)), rng.normal(8, 3, size=(50, 3))
    s = scaler().fit(train)
    fitted = s.transform(train)
    if scaler is nn.StandardScaler:
        np.testing.assert_allclose(fitted.mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(fitted.std(axis=0), 1)
        np.testing.assert_allclose(s.transform(test), (test - train.mean(0)) / train.std(0))
    else:
        np.testing.assert_allclose(fitted.min(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(fitted.max(axis=0), 1)
        np.testing.assert_allclose(s.transform(test), (test - train.min(0)) / (train.max(0) - train.min(0)))
    np.testing.assert_allclose(scaler().fit_transform(train), fitted)


@pytest.mark.parametrize("scaler", [nn.StandardScaler, nn.MinMaxScaler])
def test_scalers_constant_columns_and_float32(scaler):
    X = np.array([[1.0, 7.0], [2.0, 7.0], [3.0, 7.0]], dtype=np.float32)
    out = scaler().fit_transform(X)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    np.testing.assert_array_equal(out[:, 1], 0)


def test_stratified_split_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [100, 50, 10])
    X = np.arange(len(y), dtype=float)[:, None]
    X_train, X_test, y_train, y_test = nn.train_test_split(X, y, 0.2, rng=3)
    assert np.bincount(y_test).tolist() == [20, 10, 2]
    assert np.bincount(y_train).tolist() == [80, 40, 8]
    assert sorted(np.concatenate([X_train, X_test])[:, 0].tolist()) == list(range(len(y)))
    np.testing.assert_array_equal(y[X_test[:, 0].astype(int)], y_test)  # rows keep their labels
    again = nn.train_test_split(X, y, 0.2, rng=3)
    np.testing.assert_array_equal(again[1], X_test)
    _, X_test_plain, _, _ = nn.train_test_split(X, y, 0.25, stratify=False, rng=0)
    assert len(X_test_plain) == 40


def test_bundled_data_sets():
    X, y = nn.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 1 and set(np.unique(y)) == set(range(10))
    X, y = nn.load_breast_cancer()
    assert X.shape == (569, 30) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [212, 357]  # 212 malignant (0), 357 benign (1)
