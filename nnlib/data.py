"""Mini-batches, scalers, a stratified split and two small real data sets."""
import numpy as np

from .checks import ShapeError, as_float, check_positive


def _check_pair(X, y, where):
    if y is not None and len(X) != len(y):
        raise ShapeError(f"{where}: X and y must have the same length, "
                         f"got {len(X)} and {len(y)}")


def minibatches(X, y, batch_size, *, shuffle=True, rng=None):
    """Yield mini-batches (Xb, yb) covering every sample exactly once.
    X: (N, ...) ndarray. y: (N, ...) ndarray or None (then yb is None).
    batch_size: int > 0; the last batch holds the N mod batch_size samples
    left, if any. shuffle: bool, random order. rng: Generator, seed or None.
    Yields: Xb (B, ...), yb (B, ...) with B <= batch_size."""
    _check_pair(X, y, "minibatches")
    check_positive(batch_size, "batch_size", "minibatches", integer=True)
    n = len(X)
    order = (np.random.default_rng(rng).permutation(n) if shuffle
             else np.arange(n))
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], (None if y is None else y[idx])


class _Scaler:
    """Base of the scalers: fit(X), X (N, D) float, learns per-column shift
    and scale (D,) on the training set with a subclass's _statistics(X);
    transform(X) returns (X - shift) / scale, (N, D) in X's dtype."""
    shift = None

    def fit(self, X):
        X = as_float(X, "X", f"{type(self).__name__}.fit", shape=("N", "D"))
        shift, scale = self._statistics(X.astype(np.float64))
        # a constant column (scale 0) maps to 0
        self.shift, self.scale = shift, np.where(scale > 0, scale, 1.0)
        return self

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def transform(self, X):
        where = f"{type(self).__name__}.transform"
        if self.shift is None:
            raise RuntimeError(f"{where}: call fit before transform "
                               "(fit on the training set only)")
        X = as_float(X, "X", where, shape=("N", len(self.shift)))
        return ((X - self.shift) / self.scale).astype(X.dtype, copy=False)


class MinMaxScaler(_Scaler):
    """Each column to [0, 1] with the training set's min and max.
    After fit: data_min_, data_max_ (D,)."""

    def _statistics(self, X):
        self.data_min_, self.data_max_ = X.min(axis=0), X.max(axis=0)
        return self.data_min_, self.data_max_ - self.data_min_


class StandardScaler(_Scaler):
    """Each column to (x - mean) / std with the training set's statistics.
    After fit: mean_, scale_ (D,), the std (1 for a constant column)."""

    def _statistics(self, X):
        std = X.std(axis=0)
        self.mean_, self.scale_ = X.mean(axis=0), np.where(std > 0, std, 1.0)
        return self.mean_, std


def train_test_split(X, y, test_size=0.2, *, stratify=True, rng=0):
    """Split into a training and a test set, rows in random order. X: (N, ...)
    ndarray. y: (N,) ndarray. test_size: float in (0, 1), the test fraction.
    stratify: if True, round(test_size · n_c) of each class's n_c samples go
    to the test set, so each class keeps its proportion. rng: Generator, int
    seed or None. Returns: X_train, X_test, y_train, y_test."""
    _check_pair(X, y, "train_test_split")
    if not 0 < test_size < 1:
        raise ValueError(f"train_test_split: test_size must be in (0, 1), "
                         f"got {test_size}")
    rng = np.random.default_rng(rng)
    X, y = np.asarray(X), np.asarray(y)
    groups = ([y == c for c in np.unique(y)] if stratify
              else [np.ones(len(y), bool)])
    is_test = np.zeros(len(y), dtype=bool)
    for in_group in groups:
        idx = np.flatnonzero(in_group)
        is_test[rng.permutation(idx)[:round(test_size * len(idx))]] = True
    train = rng.permutation(np.flatnonzero(~is_test))
    test = rng.permutation(np.flatnonzero(is_test))
    return X[train], X[test], y[train], y[test]


def load_digits():
    """scikit-learn's bundled 8×8 handwritten digits (no download). Returns:
    X (1797, 64) float64 in [0, 1] (pixel / 16); y (1797,) int64 in 0..9."""
    from sklearn import datasets
    data = datasets.load_digits()
    return data.data / 16.0, data.target.astype(np.int64)


def load_breast_cancer():
    """scikit-learn's bundled Wisconsin breast-cancer set (no download).
    Returns: X (569, 30) float64, raw features (standardise them);
    y (569,) int64, 0 = malignant, 1 = benign."""
    from sklearn import datasets
    data = datasets.load_breast_cancer()
    return data.data.astype(np.float64), data.target.astype(np.int64)
