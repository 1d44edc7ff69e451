"""Activation functions, their forward/backward pairs and their Modules,
elementwise: z, out, dout (d loss / d out) and dz have one shape (any) and a
floating dtype."""
import numpy as np

from .checks import as_float
from .module import Module


def sigmoid(z):
    """σ(z) = 1 / (1 + exp(-z)), without overflow: exp only sees -|z| <= 0."""
    z = as_float(z, "z", "sigmoid")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_forward(z):
    """Returns: out = σ(z), z's shape; cache = out (σ' = σ(z)(1 - σ(z)))."""
    out = sigmoid(z)
    return out, out


def sigmoid_backward(dout, cache):
    """dout: out's shape; cache: out = σ(z).
    Returns: dz = dout · out · (1 - out)."""
    out = cache
    return dout * out * (1 - out)


def tanh(z):
    """tanh(z), elementwise."""
    return np.tanh(as_float(z, "z", "tanh"))


def tanh_forward(z):
    """Returns: out = tanh(z), z's shape; cache = out
    (d tanh/dz = 1 - tanh(z)²)."""
    out = tanh(z)
    return out, out


def tanh_backward(dout, cache):
    """dout: out's shape; cache: out = tanh(z).
    Returns: dz = dout · (1 - out²)."""
    out = cache
    return dout * (1 - out * out)


def relu(z):
    """max(z, 0), elementwise."""
    return np.maximum(as_float(z, "z", "relu"), 0)


def relu_forward(z):
    """Returns: out = max(z, 0), z's shape; cache = z."""
    return relu(z), z


def relu_backward(dout, cache):
    """dout: z's shape; cache: z. Returns: dz = dout where z > 0, else 0
    (at exactly 0 too, as in PyTorch)."""
    z = cache
    return dout * (z > 0)


def leaky_relu(z, negative_slope=0.01):
    """z where z > 0, else negative_slope · z. negative_slope: float."""
    z = as_float(z, "z", "leaky_relu")
    return np.where(z > 0, z, z * z.dtype.type(negative_slope))


def leaky_relu_forward(z, negative_slope=0.01):
    """Returns: out = leaky_relu(z), z's shape;
    cache = (z, negative_slope)."""
    return leaky_relu(z, negative_slope), (z, negative_slope)


def leaky_relu_backward(dout, cache):
    """dout: z's shape; cache: (z, negative_slope). Returns: dz = dout where
    z > 0, else negative_slope · dout (at exactly 0 too)."""
    z, negative_slope = cache
    return np.where(z > 0, dout, dout * dout.dtype.type(negative_slope))


class Activation(Module):
    """Base of the activation Modules: forward(x) -> out and backward(dout)
    -> dx call the pair forward_fn, backward_fn; x, out, dout and dx share a
    shape."""
    forward_fn = backward_fn = None

    def forward(self, x):
        out, self.cache = type(self).forward_fn(x)
        return out

    def backward(self, dout):
        cache = self.saved()
        x = cache[0] if isinstance(cache, tuple) else cache
        dout = as_float(dout, "dout", f"{type(self).__name__}.backward",
                        shape=x.shape)
        return type(self).backward_fn(dout, cache)


class Sigmoid(Activation):
    """The sigmoid as a layer (no parameters)."""
    forward_fn, backward_fn = sigmoid_forward, sigmoid_backward


class Tanh(Activation):
    """tanh as a layer (no parameters)."""
    forward_fn, backward_fn = tanh_forward, tanh_backward


class ReLU(Activation):
    """ReLU as a layer (no parameters)."""
    forward_fn, backward_fn = relu_forward, relu_backward


class LeakyReLU(Activation):
    """Leaky ReLU as a layer; negative_slope: float, the slope for x <= 0."""
    backward_fn = leaky_relu_backward

    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def forward(self, x):
        out, self.cache = leaky_relu_forward(x, self.negative_slope)
        return out

    def __repr__(self):
        return f"LeakyReLU(negative_slope={self.negative_slope})"
