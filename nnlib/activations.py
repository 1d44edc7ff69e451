"""Activation functions, their derivatives, and the matching Modules.

Each function takes z: array-like of any shape (a floating dtype, or Python numbers) and
returns an ndarray of the same shape and dtype (a scalar for scalar input).
"""
import numpy as np

from ._checks import as_float_array
from .module import Module


def _z(z, where):
    return as_float_array(z, "z", finite=False, where=where)


def sigmoid(z):
    """σ(z) = 1 / (1 + exp(-z)), computed without overflow: exp only sees -|z| <= 0."""
    z = _z(z, "sigmoid")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))[()]


def sigmoid_grad(z):
    """dσ/dz = σ(z)(1 - σ(z)), elementwise."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z):
    """tanh(z), elementwise."""
    return np.tanh(_z(z, "tanh"))


def tanh_grad(z):
    """d tanh/dz = 1 - tanh(z)², elementwise."""
    t = tanh(z)
    return 1 - t * t


def relu(z):
    """max(z, 0), elementwise."""
    return np.maximum(_z(z, "relu"), 0)


def relu_grad(z):
    """1 where z > 0, else 0 (we take the derivative at exactly 0 to be 0, as PyTorch does)."""
    z = _z(z, "relu_grad")
    return (z > 0).astype(z.dtype)[()]


def leaky_relu(z, negative_slope=0.01):
    """z where z > 0, else negative_slope·z. negative_slope: float."""
    z = _z(z, "leaky_relu")
    return np.where(z > 0, z, z * z.dtype.type(negative_slope))[()]


def leaky_relu_grad(z, negative_slope=0.01):
    """1 where z > 0, else negative_slope (at exactly 0: negative_slope, as PyTorch)."""
    z = _z(z, "leaky_relu_grad")
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(negative_slope))[()]


class _Activation(Module):
    """Elementwise activation: forward(x) -> same shape; backward(grad_out) -> grad_in, same shape."""

    def _grad_out(self, grad_out, like):
        return as_float_array(grad_out, "grad_out", shape=like.shape, finite=False,
                              where=f"{type(self).__name__}.backward")


class Sigmoid(_Activation):
    """Sigmoid module; caches its output σ(x), since dσ/dx = σ(1 - σ)."""

    def forward(self, x):
        self.cache = out = sigmoid(as_float_array(x, "x", finite=False, where="Sigmoid.forward"))
        return out

    def backward(self, grad_out):
        out = self._saved()
        return self._grad_out(grad_out, out) * (out * (1 - out))


class Tanh(_Activation):
    """Tanh module; caches its output t, since d tanh/dx = 1 - t²."""

    def forward(self, x):
        self.cache = out = np.tanh(as_float_array(x, "x", finite=False, where="Tanh.forward"))
        return out

    def backward(self, grad_out):
        out = self._saved()
        return self._grad_out(grad_out, out) * (1 - out * out)


class ReLU(_Activation):
    """ReLU module; caches the mask x > 0 (the gradient passes where it is True)."""

    def forward(self, x):
        x = as_float_array(x, "x", finite=False, where="ReLU.forward")
        out = np.maximum(x, 0)
        self.cache = out > 0
        return out

    def backward(self, grad_out):
        mask = self._saved()
        return self._grad_out(grad_out, mask) * mask


class LeakyReLU(_Activation):
    """LeakyReLU module. negative_slope: float, the slope for x <= 0."""

    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def forward(self, x):
        x = as_float_array(x, "x", finite=False, where="LeakyReLU.forward")
        self.cache = x > 0
        return np.where(self.cache, x, x * x.dtype.type(self.negative_slope))

    def backward(self, grad_out):
        mask = self._saved()
        grad_out = self._grad_out(grad_out, mask)
        return np.where(mask, grad_out, grad_out * grad_out.dtype.type(self.negative_slope))

    def __repr__(self):
        return f"LeakyReLU(negative_slope={self.negative_slope})"
