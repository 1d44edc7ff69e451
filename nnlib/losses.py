"""Softmax, and the losses as forward/backward pairs (with PyTorch's mean reduction), and their Modules.

``X_forward(pred, target) -> (loss, cache)``: loss is a Python float.
``X_backward(dout, cache) -> dpred``: dout is d (final value) / d loss, a number (1.0 when the loss is the final
value); dpred has pred's shape.  A Loss module: ``value = loss_fn(pred, target)``, then ``loss_fn.backward()``.
"""
import math

import numpy as np

from .activations import sigmoid
from .checks import as_float, as_labels
from .module import Module


def softmax(z):
    """exp(z - max) / Σ exp(z - max) over the last axis (stable). z: (N, C) or (C,). Returns: z's shape."""
    z = as_float(z, "z", "softmax")
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(z):
    """log softmax over the last axis, stable (log-sum-exp with the max subtracted). Returns: z's shape."""
    z = as_float(z, "z", "log_softmax")
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _pair(pred, target, where):
    pred = as_float(pred, "pred", where)
    return pred, as_float(np.asarray(target, dtype=pred.dtype), "target", where, shape=pred.shape)


def mse_forward(pred, target):
    """mean((pred - target)²) over all M entries. pred, target: one shape. cache: pred - target."""
    pred, target = _pair(pred, target, "mse_forward")
    diff = pred - target
    return float(np.mean(diff * diff)), diff


def mse_backward(dout, cache):
    """dpred = dout · 2 (pred - target) / M."""
    diff = cache
    return diff * (2.0 * dout / diff.size)


def bce_forward(pred, target):
    """-mean(t log p + (1 - t) log(1 - p)) on probabilities p in [0, 1]; each log clamped at -100, as PyTorch,
    so p = 0 or 1 stays finite. pred, target: one shape. cache: (pred, target)."""
    p, t = _pair(pred, target, "bce_forward")
    if p.size and (p.min() < 0 or p.max() > 1):
        index = tuple(int(i) for i in np.argwhere((p < 0) | (p > 1))[0])
        raise ValueError(f"bce_forward: pred must hold probabilities in [0, 1], got {p[index]} at index {index} "
                         "(for raw scores use bce_with_logits)")
    tiny = math.exp(-100.0)  # log(max(p, e^-100)) = max(log p, -100), without warnings about log(0)
    loss = -np.mean(t * np.log(np.maximum(p, tiny)) + (1 - t) * np.log(np.maximum(1 - p, tiny)))
    return float(loss), (p, t)


def bce_backward(dout, cache):
    """dpred = dout · (p - t) / max(p (1 - p), 1e-12) / M (PyTorch's clamp)."""
    p, t = cache
    return (p - t) / np.maximum(p * (1 - p), 1e-12) * (dout / p.size)


def bce_with_logits_forward(pred, target):
    """bce(σ(z), t) on raw scores z, stably: mean(max(z, 0) - z t + log(1 + exp(-|z|))). cache: (z, t)."""
    z, t = _pair(pred, target, "bce_with_logits_forward")
    return float(np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))), (z, t)


def bce_with_logits_backward(dout, cache):
    """dz = dout · (σ(z) - t) / M."""
    z, t = cache
    return (sigmoid(z) - t) * (dout / z.size)


def softmax_cross_entropy_forward(pred, target):
    """-mean_n log softmax(z_n)[y_n] (PyTorch's CrossEntropyLoss). pred: logits z (N, C). target: labels y (N,)
    in [0, C). cache: (softmax(z), y)."""
    z = as_float(pred, "pred", "softmax_cross_entropy_forward", shape=("N", "C"))
    y = as_labels(target, "target", z.shape[1], z.shape[0], "softmax_cross_entropy_forward")
    log_p = log_softmax(z)
    return float(-log_p[np.arange(len(y)), y].mean()), (np.exp(log_p), y)


def softmax_cross_entropy_backward(dout, cache):
    """dz = dout · (softmax(z) - onehot(y)) / N."""
    probs, y = cache
    dz = probs.copy()
    dz[np.arange(len(y)), y] -= 1
    return dz * (dout / len(y))


class Loss(Module):
    """A Module over a loss pair: ``loss_fn(pred, target) -> float``, then ``backward(dout=1.0) -> dpred``."""
    forward_fn = backward_fn = None

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def forward(self, pred, target):
        loss, self.cache = type(self).forward_fn(pred, target)
        return loss

    def backward(self, dout=1.0):
        return type(self).backward_fn(dout, self.saved())


class MSELoss(Loss):
    forward_fn, backward_fn = mse_forward, mse_backward


class BCELoss(Loss):
    forward_fn, backward_fn = bce_forward, bce_backward


class BCEWithLogitsLoss(Loss):
    forward_fn, backward_fn = bce_with_logits_forward, bce_with_logits_backward


class SoftmaxCrossEntropyLoss(Loss):
    forward_fn, backward_fn = softmax_cross_entropy_forward, softmax_cross_entropy_backward
