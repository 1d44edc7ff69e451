"""What a check expects of an answer, and what it says when the answer is wrong.

Every helper raises :class:`CheckFailed` with a message for the student: which output, which index, expected
against received, the inputs' shapes (never their values) -- and, when the wrong answer matches a known pattern
(see :mod:`grading.diagnose`), the likely mistake.
"""
from __future__ import annotations

import numpy as np

from nnlib.gradcheck import numerical_gradient, numerical_gradient_wrt

from grading import diagnose


class CheckFailed(AssertionError):
    """A task's check failed.  ``str(exc)`` is the message for the student; ``mistake`` names the likely
    mistake when one was recognised (e.g. ``"transposed"``), for the class report."""

    def __init__(self, message, mistake=None):
        super().__init__(message)
        self.mistake = mistake


def fail(message, mistake=None):
    raise CheckFailed(message, mistake)


def expect(condition, message, mistake=None):
    """Fail with `message` unless `condition` holds."""
    if not condition:
        raise CheckFailed(message, mistake)


def as_array(got, what, shape=None):
    """`got` as a float64 array (checking its shape if given); fails if it is not an array of numbers."""
    if isinstance(got, np.ndarray) and got.dtype.kind == "c":
        raise CheckFailed(f"{what}: expected real numbers, got complex ones")
    if isinstance(got, (np.ndarray, np.generic, bool, int, float)):
        arr = np.asarray(got, dtype=np.float64)
    elif isinstance(got, (list, tuple)):
        try:
            arr = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            raise CheckFailed(f"{what}: expected an array of numbers, got a {type(got).__name__} that is not "
                              "one") from None
    else:
        raise CheckFailed(f"{what}: expected a NumPy array of numbers, got {_kind(got)}")
    if shape is not None and arr.shape != tuple(shape):
        raise CheckFailed(f"{what}: expected shape {tuple(shape)}, got {arr.shape}")
    return arr


def _kind(value):
    if value is None:
        return "None"
    module = type(value).__module__
    if module == "grading.notebook":
        return "an object that is not plain data"
    return f"a {type(value).__name__}"


def expect_shape(got, shape, what):
    """`got` must be an array of numbers of exactly this shape."""
    as_array(got, what, shape)


def _fail_with_diagnosis(message, got, want, batch, mistakes):
    found = diagnose.likely_mistake(got, want, batch=batch, mistakes=mistakes)
    if found:
        message += f". Likely mistake: {found.explanation}"
    raise CheckFailed(message, found.name if found else None)


def expect_close(got, want, what, *, rtol=1e-6, atol=1e-9, batch=None, mistakes=None):
    """`got` (the student's answer) must equal `want` (the reference) elementwise, with the same shape.

    batch: the batch size N where a factor N or 1/N is a likely mistake.
    mistakes: {description: the value that mistake would give}, e.g. ``{"the derivative taken at the output
        sigma(z) instead of z": ...}``; checked before the general patterns (transposed, sign, factor).
    """
    want = np.asarray(want, dtype=np.float64)
    if _numeric_shape(got) not in (None, want.shape):
        arr = np.asarray(got, dtype=np.float64)
        _fail_with_diagnosis(f"{what}: expected shape {want.shape}, got {arr.shape}", arr, want, batch, mistakes)
    got = as_array(got, what, want.shape)
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=False)
    bad &= ~(np.isnan(got) & np.isnan(want))
    if not bad.any():
        return
    excess = np.where(bad, np.nan_to_num(np.abs(got - want), nan=np.inf, posinf=np.inf), -1.0)
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), excess.shape))
    at = f" at index {idx}" if idx else ""
    message = f"{what}: wrong value{at}: expected {_num(want[idx])}, got {_num(got[idx])}"
    if np.isfinite(got).all() and want.size > 1:
        message += f" (largest difference {np.max(np.abs(got - want)):.3g})"
    _fail_with_diagnosis(message, got, want, batch, mistakes)


def expect_gradient(got, f, x, what, *, dout=None, tol=1e-6, eps=1e-6, atol=1e-8, batch=None, mistakes=None):
    """`got` must match the central-difference gradient of the trusted function `f` at `x`, in float64.

    f: array -> scalar when dout is None; otherwise array -> array, and the gradient is that of sum(f(x) * dout).
    An entry passes if its relative error is at most `tol`, or its absolute error at most `atol` (round-off makes
    the central difference of a flat function about 1e-10, not 0).
    """
    x = np.array(x, dtype=np.float64, copy=True)
    if dout is None:
        numeric = numerical_gradient(f, x, eps)
    else:
        numeric = numerical_gradient_wrt(f, x, np.asarray(dout, dtype=np.float64), eps)
    if _numeric_shape(got) not in (None, numeric.shape):
        expect_close(got, numeric, what, batch=batch, mistakes=mistakes)  # says: wrong shape (and why, if known)
    got = as_array(got, what, numeric.shape)
    if not np.all(np.isfinite(got)):
        raise CheckFailed(f"{what}: the gradient contains NaN or infinity")
    diff = np.abs(got - numeric)
    rel = np.where(diff <= atol, 0.0, diff / np.maximum(np.abs(got) + np.abs(numeric), 1e-8))
    if rel.size and np.max(rel) > tol:
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(rel)), rel.shape))
        at = f" at index {idx}" if idx else ""
        message = (f"{what}: gradient wrong{at}: central differences give {_num(numeric[idx])}, "
                   f"got {_num(got[idx])}")
        _fail_with_diagnosis(message, got, numeric, batch, mistakes)


def _numeric_shape(got):
    """The shape of an answer that is an array of numbers (or a list/tuple that makes one); None otherwise."""
    if not isinstance(got, (np.ndarray, np.generic, list, tuple, int, float)):
        return None
    try:
        return np.asarray(got, dtype=np.float64).shape
    except (TypeError, ValueError):
        return None


def _num(value):
    return f"{float(value) + 0.0:.8g}"  # + 0.0: never print -0
