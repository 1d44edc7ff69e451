"""L1 and L2 weight penalties and their gradients; lam: float, the strength.
arrays: a list of ndarrays or Parameters (or a single one). w: one ndarray
or Parameter."""
import numpy as np

from .module import Parameter


def _values(arrays):
    if isinstance(arrays, (np.ndarray, Parameter)):
        arrays = [arrays]
    return [a.value if isinstance(a, Parameter) else np.asarray(a)
            for a in arrays]


def l1_penalty(arrays, lam):
    """lam · Σ |w| over all arrays. Returns: float."""
    return float(lam * sum(np.abs(w).sum() for w in _values(arrays)))


def l1_grad(w, lam):
    """d l1_penalty / d w = lam · sign(w), 0 at w = 0. Returns: w's shape."""
    w = _values(w)[0]
    return np.sign(w) * w.dtype.type(lam)


def l2_penalty(arrays, lam):
    """lam/2 · Σ w² over all arrays, whose gradient lam·w is what SGD's
    weight_decay=lam adds. Returns: float."""
    return float(lam / 2 * sum((w * w).sum() for w in _values(arrays)))


def l2_grad(w, lam):
    """d l2_penalty / d w = lam · w. Returns: w's shape."""
    w = _values(w)[0]
    return w * w.dtype.type(lam)


def weights(model):
    """A Module's "W" Parameters (weights, not biases), in layer order."""
    return [p for p in model.parameters() if p.name == "W"]
