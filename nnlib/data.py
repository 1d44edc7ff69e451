"""Mini-batches, feature scaling, a stratified split, and two small real data sets."""
import numpy as np

from ._checks import ShapeError, as_float_array


def _check_pair(X, y, where):
    if y is not None and len(X) != len(y):
        raise ShapeError(f"{where}: X and y must have the same length, got {len(X)} and {len(y)}")


def minibatches(X, y, batch_size, *, shuffle=True, rng=None):
    """Yield (Xb, yb) mini-batches that together hold every sample exactly once.

    X: (N, ...) ndarray. y: (N, ...) ndarray or None (then yb is None).
    batch_size: int > 0; the last batch holds the remaining N mod batch_size samples if any.
    shuffle: bool, visit the samples in a random order. rng: Generator, int seed or None.
    Yields: Xb (B, ...), yb (B, ...) with B <= batch_size.
    """
    _check_pair(X, y, "minibatches")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"minibatches: batch_size must be a positive int, got {batch_size!r}")
    n = len(X)
    order = np.random.default_rng(rng).permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], (None if y is None else y[idx])


class _Scaler:
    """Base: fit(X) learns per-column statistics; transform(X) applies them."""
    _fitted = False

    def fit_transform(self, X):
        """X: (N, D) float. Returns: the transformed (N, D), after fitting on X."""
        return self.fit(X).transform(X)

    def _check(self, X, method):
        where = f"{type(self).__name__}.{method}"
        if method == "fit":
            return as_float_array(X, "X", ndim=2, where=where)
        if not self._fitted:
            raise RuntimeError(f"{where}: call fit before transform (fit on the training set only)")
        return as_float_array(X, "X", shape=("N", self._num_features), where=where)

    def transform(self, X):
        """X: (N, D) float, D as in fit. Returns: (N, D), X's dtype."""
        X = self._check(X, "transform")
        return ((X - self._shift) / self._scale).astype(X.dtype, copy=False)

    def _set(self, X, shift, scale):
        scale = np.where(scale > 0, scale, 1.0)  # constant columns: avoid division by 0
        self._shift, self._scale, self._num_features, self._fitted = shift, scale, X.shape[1], True
        return self


class MinMaxScaler(_Scaler):
    """Scale each column to [0, 1] using the min and max seen in fit (a constant column maps to 0).

    After fit: data_min_, data_max_ (D,) float64.
    """

    def fit(self, X):
        """X: (N, D) float, the training set. Returns: self."""
        X = self._check(X, "fit").astype(np.float64)
        self.data_min_, self.data_max_ = X.min(axis=0), X.max(axis=0)
        return self._set(X, self.data_min_, self.data_max_ - self.data_min_)


class StandardScaler(_Scaler):
    """Standardise each column: (x - mean) / std, with the training set's statistics
    (population std; a constant column maps to 0). After fit: mean_, scale_ (D,) float64.
    """

    def fit(self, X):
        """X: (N, D) float, the training set. Returns: self."""
        X = self._check(X, "fit").astype(np.float64)
        self.mean_ = X.mean(axis=0)
        self._set(X, self.mean_, X.std(axis=0))
        self.scale_ = self._scale
        return self


def train_test_split(X, y, test_size=0.2, *, stratify=True, rng=0):
    """Split into a training and a test set.

    X: (N, ...) ndarray. y: (N,) ndarray. test_size: float in (0, 1), the test fraction.
    stratify: bool; if True each class keeps its proportion (round(test_size · n_class)
        samples of each class go to the test set). rng: Generator, int seed or None.
    Returns: X_train, X_test, y_train, y_test (rows in random order).
    """
    _check_pair(X, y, "train_test_split")
    if not 0 < test_size < 1:
        raise ValueError(f"train_test_split: test_size must be in (0, 1), got {test_size}")
    rng = np.random.default_rng(rng)
    X, y = np.asarray(X), np.asarray(y)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(len(y))]
    test = []
    for idx in groups:
        test.extend(rng.permutation(idx)[:int(round(test_size * len(idx)))])
    is_test = np.zeros(len(y), dtype=bool)
    is_test[test] = True
    train, test = rng.permutation(np.flatnonzero(~is_test)), rng.permutation(np.flatnonzero(is_test))
    return X[train], X[test], y[train], y[test]


def load_digits():
    """scikit-learn's bundled 8×8 handwritten digits (no download).

    Returns: X (1797, 64) float64 in [0, 1] (pixel / 16); y (1797,) int64 in 0..9.
    """
    from sklearn import datasets
    data = datasets.load_digits()
    return data.data / 16.0, data.target.astype(np.int64)


def load_breast_cancer():
    """scikit-learn's bundled Wisconsin breast-cancer set (no download).

    Returns: X (569, 30) float64, raw features (standardise them); y (569,) int64,
    0 = malignant, 1 = benign.
    """
    from sklearn import datasets
    data = datasets.load_breast_cancer()
    return data.data.astype(np.float64), data.target.astype(np.int64)
