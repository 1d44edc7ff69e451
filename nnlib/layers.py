"""The fully connected (dense) layer, and a single neuron, as forward/backward pairs."""
import math

import numpy as np

from ._checks import as_float_array, check_finite, check_shape
from .activations import relu, sigmoid, tanh
from .init import INITIALIZERS
from .module import Module, Parameter


def dense_forward(x, W, b):
    """out = x @ W + b.

    x: (N, D_in) float. W: (D_in, D_out) float. b: (D_out,) float.
    Returns: out (N, D_out) in x's dtype (W and b are cast to it); cache = (x, W), for backward.
    """
    x = as_float_array(x, "x", ndim=2, where="dense_forward")
    W = as_float_array(W, "W", shape=(x.shape[1], "D_out"), where="dense_forward").astype(x.dtype, copy=False)
    b = as_float_array(b, "b", shape=(W.shape[1],), where="dense_forward")
    out = x @ W
    out += b
    return out, (x, W)


def dense_backward(dout, cache):
    """Gradients of out = x @ W + b.

    dout: (N, D_out) float, d loss / d out. cache: (x, W) from dense_forward.
    Returns: dx (N, D_in) = dout @ W.T; dW (D_in, D_out) = x.T @ dout; db (D_out,) = Σ_n dout.
    """
    x, W = cache
    dout = as_float_array(dout, "dout", shape=(x.shape[0], W.shape[1]), finite=False, where="dense_backward")
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


_NEURON_ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "identity": lambda z: z}


def neuron_forward(x, w, b, activation="sigmoid"):
    """One neuron: activation(x @ w + b).

    x: (N, D) or (D,) float. w: (D,) float. b: float (scalar).
    activation: "sigmoid", "tanh", "relu", "identity", or a callable on arrays.
    Returns: (N,) ndarray, or a scalar for x of shape (D,).
    """
    x = as_float_array(x, "x", where="neuron_forward")
    if x.ndim not in (1, 2):
        check_shape(x, "x", ("N", "D"), "neuron_forward")
    w = as_float_array(w, "w", shape=(x.shape[-1],), where="neuron_forward")
    if np.ndim(b) != 0:
        raise TypeError(f"neuron_forward: b must be a scalar, got shape {np.shape(b)}")
    if not callable(activation):
        if activation not in _NEURON_ACTIVATIONS:
            raise ValueError(f"neuron_forward: activation must be one of {sorted(_NEURON_ACTIVATIONS)} "
                             f"or a callable, got {activation!r}")
        activation = _NEURON_ACTIVATIONS[activation]
    return activation(x @ w + b)


class Dense(Module):
    """Fully connected layer y = x @ W + b.

    in_features, out_features: int.
    init: "he" (= "he_normal"), "xavier" (= "xavier_normal"), "he_uniform", "xavier_uniform",
        "he_normal", "xavier_normal", or a callable (in_features, out_features) -> array, called
        with rng=rng too when rng is given.
    rng: np.random.Generator, int seed or None. dtype: float dtype of the parameters.
    Parameters: W (in_features, out_features) named "W"; b (out_features,) zeros, named "b".
    """
    skips_input_grad = True

    def __init__(self, in_features, out_features, *, init="he", rng=None, dtype=np.float64):
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Dense: {name} must be a positive int, got {value!r}")
        if callable(init):
            W = init(in_features, out_features) if rng is None else init(in_features, out_features, rng=rng)
        elif init in INITIALIZERS:
            W = INITIALIZERS[init](in_features, out_features, rng=rng, dtype=dtype)
        else:
            raise ValueError(f"Dense: init must be one of {sorted(INITIALIZERS)} or a callable, got {init!r}")
        W = np.asarray(W, dtype=dtype)
        check_shape(W, "init(...)", (in_features, out_features), "Dense")
        self.in_features, self.out_features = in_features, out_features
        self.W = Parameter(W, "W")
        self.b = Parameter(np.zeros(out_features, dtype=dtype), "b")

    def forward(self, x):
        """x: (N, in_features) float. Returns: (N, out_features) in x's dtype."""
        x = as_float_array(x, "x", shape=("N", self.in_features), finite=False, where="Dense.forward")
        W = self.W.value
        if W.dtype != x.dtype:
            W = W.astype(x.dtype)
        out = x @ W
        out += self.b.value
        # NaN/Inf in x reach every output of its row, so checking the smaller output is enough
        if not math.isfinite(np.vdot(out, out)):
            check_finite(x, "x", "Dense.forward")
            check_finite(out, "the output", "Dense.forward", " although x is finite (have the weights blown up?)")
        self.cache = (x, W)
        return out

    def backward(self, grad_out, *, need_input_grad=True):
        """grad_out: (N, out_features), d loss / d out.

        Adds x.T @ grad_out to W.grad and Σ_n grad_out to b.grad.
        Returns: d loss / d x (N, in_features) = grad_out @ W.T, or None if need_input_grad is False.
        """
        x, W = self._saved()
        grad_out = as_float_array(grad_out, "grad_out", shape=(x.shape[0], self.out_features),
                                  finite=False, where="Dense.backward")
        self.W.add_grad_matmul(x.T, grad_out)
        self.b.add_grad(grad_out.sum(axis=0))
        return grad_out @ W.T if need_input_grad else None

    def __repr__(self):
        return f"Dense({self.in_features}, {self.out_features}, dtype={self.W.dtype})"
