"""Softmax and the loss functions, with PyTorch's mean reduction.

Each loss is called as ``value = loss(pred, target)`` (a Python float) and then
``loss.backward()`` returns d value / d pred, same shape and dtype as pred.
"""
import math

import numpy as np

from ._checks import as_float_array, as_labels, require_cache
from .activations import sigmoid


def log_softmax(z):
    """log softmax over the last axis, stable (log-sum-exp with the max subtracted).

    z: (N, C) (or (C,)) float. Returns: same shape and dtype.
    """
    z = as_float_array(z, "z", finite=False, where="log_softmax")
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(z):
    """softmax over the last axis, stable: exp(z - max) / Σ exp(z - max).

    z: (N, C) (or (C,)) float. Returns: same shape and dtype; rows sum to 1.
    """
    z = as_float_array(z, "z", finite=False, where="softmax")
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


class Loss:
    """Base class: ``__call__(pred, target) -> float`` caches; ``backward() -> d pred``."""
    cache = None

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def _pred_target(self, pred, target):
        where = f"{type(self).__name__}.forward"
        pred = as_float_array(pred, "pred", where=where)
        target = as_float_array(target, "target", shape=pred.shape, dtype=pred.dtype, where=where)
        return pred, target

    def _saved(self):
        return require_cache(self.cache, f"{type(self).__name__}.backward")

    def __repr__(self):
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    """mean((pred - target)²) over all elements. pred, target: same shape, float."""

    def forward(self, pred, target):
        pred, target = self._pred_target(pred, target)
        self.cache = diff = pred - target
        return float(np.mean(diff * diff))

    def backward(self):
        """Returns: 2 (pred - target) / pred.size, shape of pred."""
        diff = self._saved()
        return diff * (2.0 / diff.size)


class BCELoss(Loss):
    """Binary cross-entropy on probabilities: -mean(t log p + (1 - t) log(1 - p)).

    pred: probabilities in [0, 1], any shape. target: same shape, values in [0, 1].
    Like PyTorch, each log is clamped at -100, so p = 0 or 1 gives a finite loss.
    """

    def forward(self, pred, target):
        pred, target = self._pred_target(pred, target)
        if pred.size and (pred.min() < 0 or pred.max() > 1):
            index = tuple(int(i) for i in np.argwhere((pred < 0) | (pred > 1))[0])
            raise ValueError(f"BCELoss.forward: pred must hold probabilities in [0, 1], got {pred[index]} "
                             f"at index {index} (for raw scores use BCEWithLogitsLoss)")
        tiny = math.exp(-100.0)  # log(max(p, e^-100)) = max(log p, -100), without log(0) warnings
        log_p, log_1mp = np.log(np.maximum(pred, tiny)), np.log(np.maximum(1 - pred, tiny))
        self.cache = (pred, target)
        return float(-np.mean(target * log_p + (1 - target) * log_1mp))

    def backward(self):
        """Returns: (p - t) / max(p (1 - p), 1e-12) / p.size (PyTorch's clamp), shape of pred."""
        p, t = self._saved()
        return (p - t) / np.maximum(p * (1 - p), 1e-12) * (1.0 / p.size)


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on raw scores z: BCE(sigmoid(z), t), computed stably as
    mean(max(z, 0) - z t + log(1 + exp(-|z|))). pred: logits, any shape; target: same shape.
    """

    def forward(self, pred, target):
        z, t = self._pred_target(pred, target)
        self.cache = (z, t)
        return float(np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))))

    def backward(self):
        """Returns: (sigmoid(z) - t) / z.size, shape of pred."""
        z, t = self._saved()
        return (sigmoid(z) - t) * (1.0 / z.size)


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax followed by cross-entropy: -mean_n log softmax(z_n)[y_n] (torch's CrossEntropyLoss).

    pred: logits (N, C) float. target: integer class labels (N,) in [0, C).
    """

    def forward(self, pred, target):
        z = as_float_array(pred, "pred", ndim=2, where="SoftmaxCrossEntropyLoss.forward")
        n, num_classes = z.shape
        y = as_labels(target, "target", num_classes, n=n, where="SoftmaxCrossEntropyLoss.forward")
        shifted = z - z.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sums = exp.sum(axis=1)
        rows = np.arange(n)
        log_p_true = shifted[rows, y] - np.log(sums)
        exp /= sums[:, None]  # now the softmax probabilities
        self.cache = (exp, rows, y)
        return float(-log_p_true.sum() / n)

    def backward(self):
        """Returns: (softmax(z) - onehot(y)) / N, shape (N, C)."""
        probs, rows, y = self._saved()
        scale = 1.0 / len(y)
        grad = probs * scale
        grad[rows, y] -= scale
        return grad
