"""Input checks shared by nnlib, each O(1) except where a scan is the point
(labels, probabilities). Every error names the argument, what was expected
and what came, e.g.
``ShapeError: dense_forward: x must have shape (N, 3), got (5, 4)``.
NaN and Inf are caught where cheap and useful (``fit`` stops with
``TrainingDiverged`` when the loss is not finite), and everywhere once
``full_checks(True)`` scans every checked array."""
import numpy as np

FULL_CHECKS = False


class ShapeError(ValueError):
    """An array has the wrong number of dimensions or the wrong shape."""


class NonFiniteError(ValueError):
    """An array holds NaN or Inf (a ValueError, for ``except ValueError``)."""


def full_checks(on=True):
    """Also scan every checked array for NaN/Inf (slow: to find where a NaN
    starts)."""
    global FULL_CHECKS
    FULL_CHECKS = bool(on)


def check_shape(x, name, shape, where):
    """Raise ShapeError unless ndarray x has `shape`: a tuple of ints, which
    must match, and names such as "N", which match any size."""
    if x.shape == shape:  # the usual case: every size given, and right
        return
    if x.ndim == len(shape):
        for want, got in zip(shape, x.shape):
            if not isinstance(want, str) and want != got:
                break
        else:
            return
    want = ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "")
    raise ShapeError(f"{where}: {name} must have shape ({want}), "
                     f"got {x.shape}")


def check_finite(x, name, where):
    """Raise NonFiniteError naming the first NaN or Inf of x and its index."""
    bad = np.argwhere(~np.isfinite(x))
    if len(bad):
        index = tuple(int(i) for i in bad[0])
        kind = "NaN" if np.isnan(x[index]) else "Inf"
        raise NonFiniteError(f"{where}: {name} contains {kind} "
                             f"at index {index}")


def as_float(x, name, where, shape=None):
    """x (array-like; numbers and lists become float64) as a floating-point
    ndarray, not copied if it is one. shape: None, or the shape x must have
    (ints, or names such as "N"). Raises: TypeError for an integer or bool
    array; ShapeError; NonFiniteError under full_checks."""
    if not isinstance(x, np.ndarray):
        x = np.asarray(x, dtype=np.float64)
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: {name} must be a floating-point array, "
                        f"got dtype {x.dtype}")
    if shape is not None:
        check_shape(x, name, shape, where)
    if FULL_CHECKS:
        check_finite(x, name, where)
    return x


def as_labels(y, name, num_classes, n, where):
    """Integer class labels y of shape (n,), each in [0, num_classes), as an
    ndarray."""
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{where}: {name} must hold integer class labels, "
                        f"got dtype {y.dtype}")
    check_shape(y, name, (n,), where)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        bad = y[(y < 0) | (y >= num_classes)][0]
        raise ValueError(f"{where}: {name} contains label {bad}, outside "
                         f"[0, {num_classes}) for {num_classes} classes")
    return y


def check_positive(value, name, where, *, allow_zero=False, integer=False):
    """Raise ValueError unless value > 0 (>= 0 with allow_zero; an int with
    integer)."""
    if integer and not (isinstance(value, (int, np.integer)) and value >= 1):
        raise ValueError(f"{where}: {name} must be a positive int, "
                         f"got {value!r}")
    if not (value >= 0 if allow_zero else value > 0):
        sign = ">=" if allow_zero else ">"
        raise ValueError(f"{where}: {name} must be {sign} 0, got {value}")
