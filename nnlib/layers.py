"""A fully connected (dense) layer as a forward/backward pair and a Module;
a neuron."""
import numpy as np

from .activations import relu, sigmoid, tanh
from .checks import as_float, check_positive, check_shape
from .init import init_weights
from .module import Module, Parameter


def dense_forward(x, W, b):
    """out = x @ W + b. x: (N, D_in) float. W: (D_in, D_out). b: (D_out,).
    W and b are used in x's dtype. Returns: out (N, D_out); cache = (x, W)."""
    W = as_float(W, "W", "dense_forward", shape=("D_in", "D_out"))
    x = as_float(x, "x", "dense_forward", shape=("N", W.shape[0]))
    b = as_float(b, "b", "dense_forward", shape=(W.shape[1],))
    W = W.astype(x.dtype, copy=False)
    return x @ W + b.astype(x.dtype, copy=False), (x, W)


def dense_backward(dout, cache):
    """Gradients of out = x @ W + b. dout: (N, D_out), d loss / d out.
    cache: (x, W). Returns: dx (N, D_in) = dout @ W.T;
    dW (D_in, D_out) = x.T @ dout; db (D_out,) = dout summed over the
    batch."""
    x, W = cache
    dout = as_float(dout, "dout", "dense_backward",
                    shape=(x.shape[0], W.shape[1]))
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu,
               "identity": lambda z: z}


def neuron_forward(x, w, b, activation="sigmoid"):
    """One neuron: activation(x @ w + b). x: (N, D) or (D,) float. w: (D,).
    b: a number. activation: "sigmoid", "tanh", "relu", "identity", or a
    function of an array. Returns: (N,), or a 0-d array for x of shape
    (D,)."""
    x = as_float(x, "x", "neuron_forward")
    if x.ndim not in (1, 2):
        check_shape(x, "x", ("N", "D"), "neuron_forward")
    w = as_float(w, "w", "neuron_forward", shape=(x.shape[-1],))
    if np.ndim(b) != 0:
        raise TypeError("neuron_forward: b must be a number, "
                        f"got shape {np.shape(b)}")
    if not callable(activation):
        if activation not in ACTIVATIONS:
            raise ValueError("neuron_forward: activation must be one of "
                             f"{sorted(ACTIVATIONS)} or a function, "
                             f"got {activation!r}")
        activation = ACTIVATIONS[activation]
    return activation(x @ w + b)


class Dense(Module):
    """Fully connected layer: out = x @ W + b. in_features, out_features: int.
    init: "he" (= "he_normal"), "xavier" (= "xavier_normal"), "he_uniform",
    "xavier_uniform", or a function (in_features, out_features) -> array
    (given rng=rng too when rng is given). rng: Generator, int seed or None.
    dtype: that of W and b. Parameters: W (in_features, out_features), named
    "W" (PyTorch's Linear.weight transposed); b (out_features,), zeros, named
    "b". cache: (x, W) of the last forward."""

    def __init__(self, in_features, out_features, *, init="he", rng=None,
                 dtype=np.float64):
        check_positive(in_features, "in_features", "Dense", integer=True)
        check_positive(out_features, "out_features", "Dense", integer=True)
        W = init_weights(init, in_features, out_features, rng, dtype, "Dense")
        self.in_features, self.out_features = in_features, out_features
        self.W = Parameter(W, "W")
        self.b = Parameter(np.zeros(out_features, dtype=dtype), "b")

    def forward(self, x):
        """x: (N, in_features) float. Returns: (N, out_features), x's
        dtype."""
        out, self.cache = dense_forward(x, self.W.value, self.b.value)
        return out

    def backward(self, dout):
        """dout: (N, out_features). Adds dW to W.grad and db to b.grad.
        Returns: dx (N, in_features)."""
        dx, dW, db = dense_backward(dout, self.saved())
        self.W.accumulate(dW)
        self.b.accumulate(db)
        return dx

    def __repr__(self):
        return (f"Dense({self.in_features}, {self.out_features}, "
                f"dtype={self.W.dtype})")
