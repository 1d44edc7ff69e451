"""Check analytic gradients against central finite differences, in float64."""
from dataclasses import dataclass

import numpy as np


def _scalar(value):
    value = np.asarray(value)
    if value.size != 1:
        raise ValueError(f"f must return a scalar, got an array of shape {value.shape}")
    return float(value.reshape(()))


def numerical_gradient(f, x, eps=1e-6):
    """Gradient of a scalar function by central differences.

    f: callable, ndarray shaped like x (float64) -> scalar.
    x: array-like, any shape D. Never modified: f sees a float64 copy.
    eps: float, the step.
    Returns: ndarray D, float64; element i is (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).
    """
    x = np.array(x, dtype=np.float64)  # a copy we may perturb
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        f_plus = _scalar(f(x))
        x[index] = old - eps
        f_minus = _scalar(f(x))
        x[index] = old
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def numerical_gradient_wrt(f, x, dout, eps=1e-6):
    """Vector-Jacobian product of an array function by central differences.

    f: callable, ndarray shaped like x (float64) -> ndarray shaped like dout.
    x: array-like, any shape D. dout: array-like, the shape of f(x) (upstream gradient).
    eps: float, the step.
    Returns: ndarray D, float64, the gradient of sum(f(x) * dout) with respect to x.
    """
    dout = np.asarray(dout, dtype=np.float64)
    return numerical_gradient(lambda x_: np.sum(np.asarray(f(x_)) * dout), x, eps)


def rel_error(a, b):
    """Largest elementwise relative error max_i |a_i - b_i| / max(|a_i| + |b_i|, 1e-12).

    a, b: array-likes of one shape (or scalars). Returns: float (0.0 for empty arrays).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


@dataclass
class GradcheckResult:
    """Outcome of ``gradcheck``; ``bool(result)`` is ``result.ok``, ``str(result)`` the report.

    ok: bool. max_rel_error: float, largest relative error among elements whose absolute
    error exceeds atol. worst_index: tuple, index of that element. analytic, numeric: float,
    the two gradients there. message: str, a one-line report naming the worst element.
    """
    ok: bool
    max_rel_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    message: str

    def __bool__(self):
        return self.ok

    def __str__(self):
        return self.message


def gradcheck(f, x, analytic, *, dout=None, eps=1e-6, rtol=1e-5, atol=1e-8, name=""):
    """Compare an analytic gradient with central differences.

    f: callable. Without dout: ndarray shaped like x -> scalar; with dout: -> ndarray
        shaped like dout, and the gradient checked is that of sum(f(x) * dout).
    x: array-like, any shape D, the point of the check (not modified).
    analytic: array-like D, your gradient at x.
    dout: array-like or None, upstream gradient for array-valued f.
    eps: float, finite-difference step. rtol: float, allowed relative error.
    atol: float; elements with |analytic - numeric| <= atol pass whatever their relative
        error (rounding makes the numeric estimate of an exact 0 about 1e-10, not 0).
    name: str, the variable's name in the report ("x" if empty).
    Returns: GradcheckResult, e.g. "d x[2, 1]: analytic 0.31, numeric -0.31, rel error 1".
    """
    x = np.asarray(x, dtype=np.float64)
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"gradcheck: analytic must have the shape of x {x.shape}, got {analytic.shape}")
    numeric = numerical_gradient(f, x, eps) if dout is None else numerical_gradient_wrt(f, x, dout, eps)
    abs_err = np.abs(analytic - numeric)
    rel = abs_err / np.maximum(np.abs(analytic) + np.abs(numeric), 1e-12)
    rel[abs_err <= atol] = 0.0
    rel[np.isnan(abs_err)] = np.inf
    worst = np.unravel_index(np.argmax(rel), rel.shape) if rel.size else ()
    worst = tuple(int(i) for i in worst)
    max_rel = float(rel[worst]) if rel.size else 0.0
    ok = max_rel <= rtol
    a, n = (float(analytic[worst]), float(numeric[worst])) if rel.size else (0.0, 0.0)
    where = f"d {name or 'x'}" + (f"[{', '.join(map(str, worst))}]" if worst else "")
    report = f"{where}: analytic {a:.6g}, numeric {n:.6g}, rel error {max_rel:.3}"
    message = (f"gradient OK (worst {report})" if ok
               else f"gradient WRONG at {report} (rtol {rtol:g})")
    return GradcheckResult(ok, max_rel, worst, a, n, message)


def assert_gradcheck(f, x, analytic, **kwargs):
    """Like ``gradcheck`` (same arguments), but raise AssertionError with its report on failure.

    Returns: GradcheckResult when the check passes.
    """
    result = gradcheck(f, x, analytic, **kwargs)
    if not result.ok:
        raise AssertionError(str(result))
    return result
