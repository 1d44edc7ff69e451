"""Softmax; the losses as forward/backward pairs, with PyTorch's mean
reduction (over all M entries; over the N rows for cross-entropy); and their
Modules. ``X_forward(pred, target) -> (loss, cache)``, loss a float.
``X_backward(dout, cache) -> dpred``, pred's shape; dout: a number, the
gradient with respect to the loss (1.0 when the loss is the final value)."""
import math

import numpy as np

from .activations import sigmoid
from .checks import as_float, as_labels
from .module import Module


def softmax(z):
    """exp(z - max) / Σ exp(z - max) over the last axis, without overflow.
    z: (N, C) or (C,). Returns: z's shape; each row sums to 1."""
    z = as_float(z, "z", "softmax")
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(z):
    """log softmax over the last axis, stably: z - max - log Σ exp(z - max).
    Returns: z's shape."""
    z = as_float(z, "z", "log_softmax")
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _pair(pred, target, where):
    pred = as_float(pred, "pred", where)
    target = np.asarray(target, dtype=pred.dtype)
    return pred, as_float(target, "target", where, shape=pred.shape)


def mse_forward(pred, target):
    """mean((pred - target)²) over all M entries. pred, target: one shape.
    cache: pred - target."""
    pred, target = _pair(pred, target, "mse_forward")
    diff = pred - target
    return float(np.mean(diff * diff)), diff


def mse_backward(dout, cache):
    """cache: pred - target. Returns: dpred = dout · 2 (pred - target) / M."""
    diff = cache
    return diff * (2.0 * dout / diff.size)


def bce_forward(pred, target):
    """-mean(t log p + (1 - t) log(1 - p)); pred: probabilities p in [0, 1],
    target t of p's shape. As in PyTorch each log is clamped at -100, so
    p = 0 or 1 stays finite. cache: (p, t)."""
    p, t = _pair(pred, target, "bce_forward")
    if p.size and (p.min() < 0 or p.max() > 1):
        i = tuple(int(k) for k in np.argwhere((p < 0) | (p > 1))[0])
        raise ValueError(
            f"bce_forward: pred must hold probabilities in [0, 1], got "
            f"{p[i]} at index {i} (for raw scores use bce_with_logits)")
    tiny = math.exp(-100.0)  # log(max(p, e^-100)) = max(log p, -100)
    log_p = np.log(np.maximum(p, tiny))
    log_1mp = np.log(np.maximum(1 - p, tiny))
    return float(-np.mean(t * log_p + (1 - t) * log_1mp)), (p, t)


def bce_backward(dout, cache):
    """cache: (p, t). Returns: dpred = dout · (p - t) / max(p (1 - p), 1e-12)
    / M, the clamp as in PyTorch."""
    p, t = cache
    return (p - t) / np.maximum(p * (1 - p), 1e-12) * (dout / p.size)


def bce_with_logits_forward(pred, target):
    """bce(σ(z), t) on raw scores z (pred), target t of z's shape, computed
    stably as mean(max(z, 0) - z t + log(1 + exp(-|z|))). cache: (z, t)."""
    z, t = _pair(pred, target, "bce_with_logits_forward")
    loss = np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))
    return float(loss), (z, t)


def bce_with_logits_backward(dout, cache):
    """cache: (z, t). Returns: dz = dout · (σ(z) - t) / M."""
    z, t = cache
    return (sigmoid(z) - t) * (dout / z.size)


def softmax_cross_entropy_forward(pred, target):
    """-mean_n log softmax(z_n)[y_n], PyTorch's CrossEntropyLoss.
    pred: logits z (N, C). target: labels y (N,) in [0, C).
    cache: (softmax(z) (N, C), y)."""
    where = "softmax_cross_entropy_forward"
    z = as_float(pred, "pred", where, shape=("N", "C"))
    y = as_labels(target, "target", z.shape[1], z.shape[0], where)
    n = len(y)
    shifted = z - z.max(axis=1, keepdims=True)  # <= 0: exp cannot overflow
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)  # at least 1: its log is finite
    # -log softmax(z)[y] = log Σ exp(shifted) - shifted[y], averaged over rows
    loss = (np.log(total).sum() - shifted[np.arange(n), y].sum()) / n
    return float(loss), (exp / total, y)


def softmax_cross_entropy_backward(dout, cache):
    """cache: (P = softmax(z), y).
    Returns: dz (N, C) = dout · (P - onehot(y)) / N."""
    probs, y = cache
    dz = probs.copy()
    dz[np.arange(len(y)), y] -= 1
    return dz * (dout / len(y))


class Loss(Module):
    """Base of the loss Modules: ``loss_fn(pred, target) -> float`` calls
    forward_fn, then ``loss_fn.backward(dout=1.0) -> dpred`` calls
    backward_fn."""
    forward_fn = backward_fn = None

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def forward(self, pred, target):
        loss, self.cache = type(self).forward_fn(pred, target)
        return loss

    def backward(self, dout=1.0):
        return type(self).backward_fn(dout, self.saved())


class MSELoss(Loss):
    """Mean squared error, for regression."""
    forward_fn, backward_fn = mse_forward, mse_backward


class BCELoss(Loss):
    """Binary cross-entropy on probabilities (after a sigmoid)."""
    forward_fn, backward_fn = bce_forward, bce_backward


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on raw scores (logits), the sigmoid built in."""
    forward_fn = bce_with_logits_forward
    backward_fn = bce_with_logits_backward


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax cross-entropy on logits (N, C) and integer labels (N,), for C
    classes."""
    forward_fn = softmax_cross_entropy_forward
    backward_fn = softmax_cross_entropy_backward
