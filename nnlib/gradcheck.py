"""Check analytic gradients against central differences, in float64."""
from dataclasses import dataclass

import numpy as np


def _number(value):
    value = np.asarray(value)
    if value.size != 1:
        raise ValueError("f must return a number, got an array of shape "
                         f"{value.shape}")
    return float(value.reshape(()))


def numerical_gradient(f, x, eps=1e-6):
    """The gradient of a number-valued function, by central differences.
    f: an ndarray shaped like x (float64) -> a number. x: array-like, any
    shape D; never modified (f sees a float64 copy). eps: the step.
    Returns: ndarray D, float64; entry i is
    (f(x + eps·e_i) - f(x - eps·e_i)) / 2eps."""
    x = np.array(x, dtype=np.float64)  # a copy we may perturb
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = _number(f(x))
        x[i] = old - eps
        f_minus = _number(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def numerical_gradient_wrt(f, x, dout, eps=1e-6):
    """The gradient of sum(f(x) * dout) by central differences: what backward
    returns for the upstream gradient dout. f: ndarray (x's shape) -> ndarray
    (dout's shape). x: any shape D. Returns: ndarray D, float64."""
    dout = np.asarray(dout, dtype=np.float64)
    return numerical_gradient(lambda x_: np.sum(np.asarray(f(x_)) * dout),
                              x, eps)


def rel_error(a, b):
    """max_i |a_i - b_i| / max(|a_i| + |b_i|, 1e-12); a, b: array-likes of
    one shape. Returns: float (0.0 for empty arrays)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    scale = np.maximum(np.abs(a) + np.abs(b), 1e-12)
    return float(np.max(np.abs(a - b) / scale))


@dataclass
class GradcheckResult:
    """gradcheck's outcome: bool(result) is ok, str(result) the report.
    max_rel_error: the largest relative error of the entries off by more than
    atol, at worst_index, where the gradients are analytic and numeric."""
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


def gradcheck(f, x, analytic, *, dout=None, eps=1e-6, rtol=1e-5, atol=1e-8,
              name="x"):
    """Compare an analytic gradient with central differences.
    f: an ndarray shaped like x -> a number; or, with dout, -> an ndarray
    shaped like dout, checking the gradient of sum(f(x) * dout). x: the point
    (not modified). analytic: your gradient at x, x's shape. rtol: the allowed
    relative error. atol: entries within atol pass whatever their relative
    error (rounding makes the central difference of an exact 0 ~1e-10).
    name: x's name in the report. Returns: GradcheckResult; its str() is
    e.g. "gradient WRONG at d x[2, 1] (rtol 1e-05):" and, on a second line,
    "  analytic 0.31, numeric -0.31, rel error 1"."""
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != np.shape(x):
        raise ValueError("gradcheck: analytic must have the shape of x "
                         f"{np.shape(x)}, got {analytic.shape}")
    numeric = (numerical_gradient(f, x, eps) if dout is None
               else numerical_gradient_wrt(f, x, dout, eps))
    abs_err = np.abs(analytic - numeric)
    rel = abs_err / np.maximum(np.abs(analytic) + np.abs(numeric), 1e-12)
    rel = np.where(abs_err <= atol, 0.0, rel)
    rel = np.where(np.isnan(abs_err), np.inf, rel)
    if rel.size == 0:
        return GradcheckResult(True, 0.0, (), 0.0, 0.0, "gradient OK (empty)")
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(rel), rel.shape))
    max_rel = float(rel[worst])
    a, n = float(analytic[worst]), float(numeric[worst])
    where = f"d {name}" + (f"[{', '.join(map(str, worst))}]" if worst else "")
    ok = max_rel <= rtol
    verdict = (f"gradient OK (rtol {rtol:g}); worst entry {where}:" if ok
               else f"gradient WRONG at {where} (rtol {rtol:g}):")
    message = (f"{verdict}\n  analytic {a:.6g}, numeric {n:.6g}, "
               f"rel error {max_rel:.3}")
    return GradcheckResult(ok, max_rel, worst, a, n, message)
