"""Input validation shared by all of nnlib.

Every error names the argument, what was expected and what came, e.g.
``ShapeError: Dense.forward: x must have shape (N, 3), got (5, 4)``.
"""
import math

import numpy as np


class ShapeError(ValueError):
    """An array has the wrong number of dimensions or the wrong shape."""


class NonFiniteError(ValueError):
    """An array contains NaN or Inf (a ValueError, so ``except ValueError`` catches it)."""


def _where(where):
    return f"{where}: " if where else ""


def check_shape(x, name, shape, where=""):
    """Raise ShapeError unless ``x.shape`` matches ``shape``.

    x: ndarray, any shape. name: str, the argument's name. shape: tuple whose entries are
    ints (must match) or strings such as "N" (match any size). where: str, message prefix.
    """
    if x.ndim == len(shape):
        for s, d in zip(shape, x.shape):
            if s != d and not isinstance(s, str):
                break
        else:
            return
    want = "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    raise ShapeError(f"{_where(where)}{name} must have shape {want}, got {x.shape}")


def check_finite(x, name, where="", hint=""):
    """Raise NonFiniteError (a ValueError) naming the first NaN/Inf of ndarray ``x`` and its index.

    hint: str appended to the message.
    """
    if math.isfinite(np.vdot(x, x)):  # fast path: one NaN or Inf makes the sum of squares non-finite
        return
    bad = np.argwhere(~np.isfinite(x))
    if len(bad):  # otherwise the sum of squares merely overflowed
        index = tuple(int(i) for i in bad[0])
        kind = "NaN" if np.isnan(x[index]) else "Inf"
        raise NonFiniteError(f"{_where(where)}{name} contains {kind} at index {index}{hint}")


def as_float_array(x, name, *, ndim=None, shape=None, dtype=None, finite=True, where=""):
    """Return ``x`` as a floating-point ndarray (no copy if it already is one), after checks.

    x: array-like. Python numbers and lists are converted (ints to float64); an ndarray of a
        non-floating dtype raises TypeError, unless ``dtype`` is given.
    name: str, the argument's name used in messages.
    ndim: int or None, required number of dimensions.
    shape: tuple or None, required shape; entries are ints or names such as "N" (any size).
    dtype: numpy float dtype or None; if given, x is cast to it (integers accepted).
    finite: bool; if True, NaN or Inf raise ValueError naming the first bad index.
    where: str, prefix of messages such as "Dense.forward".
    Returns: ndarray of a floating dtype.
    Raises: TypeError, ShapeError (a ValueError), ValueError.
    """
    if (type(x) is np.ndarray and dtype is None and x.dtype.kind == "f" and (ndim is None or x.ndim == ndim)
            and (shape is None or x.shape == shape)):  # the common case, checked quickly
        if finite:
            check_finite(x, name, where)
        return x
    if dtype is not None:
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{_where(where)}{name} must be numeric, got dtype {x.dtype}")
        x = x.astype(dtype, copy=False)
    elif not isinstance(x, np.ndarray):
        x = np.asarray(x)
        if x.dtype.kind in "biu":
            x = x.astype(np.float64)
    if x.dtype.kind != "f":
        raise TypeError(f"{_where(where)}{name} must be a floating-point array, got dtype {x.dtype}")
    if ndim is not None and x.ndim != ndim:
        raise ShapeError(f"{_where(where)}{name} must be {ndim}-dimensional, got shape {x.shape}")
    if shape is not None:
        check_shape(x, name, shape, where)
    if finite:
        check_finite(x, name, where)
    return x


def as_labels(y, name, num_classes=None, *, n=None, where=""):
    """Return integer class labels as an ndarray after checks.

    y: array-like of shape (N,) and an integer dtype.
    num_classes: int or None; if given, every label must lie in [0, num_classes).
    n: int or None, the required N. where: str, message prefix.
    Returns: ndarray (N,) of y's integer dtype. Raises TypeError, ShapeError, ValueError.
    """
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{_where(where)}{name} must hold integer class labels, got dtype {y.dtype}")
    check_shape(y, name, (n if n is not None else "N",), where)
    if num_classes is not None and y.size and (y.min() < 0 or y.max() >= num_classes):
        bad = y[(y < 0) | (y >= num_classes)][0]
        raise ValueError(f"{_where(where)}{name} contains label {bad}, outside [0, {num_classes}) "
                         f"for {num_classes} classes")
    return y


def check_positive(value, name, where="", *, allow_zero=False):
    """Raise ValueError unless the number ``value`` is > 0 (or >= 0 if allow_zero); return it."""
    if not (value >= 0 if allow_zero else value > 0):
        want = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{_where(where)}{name} must be {want}, got {value}")
    return value


def require_cache(cache, where):
    """Return ``cache`` or raise RuntimeError if forward has not run yet (cache is None)."""
    if cache is None:
        raise RuntimeError(f"{where}: call forward before backward")
    return cache
