"""Name the likely mistake behind a wrong answer, from the answer and the expected value alone.

A wrong gradient is rarely random: it is the right one transposed, with its sign flipped, off by the batch size,
not summed over the batch.  :func:`likely_mistake` tries these patterns (after any the check names itself) and
returns the first that explains the answer exactly, e.g. "dW looks transposed: it equals the expected dW's
transpose".  The patterns are tested in ``tests/test_grading_package.py``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

RTOL, ATOL = 1e-5, 1e-8


class Finding(NamedTuple):
    name: str          # short and stable, for counting in a class report ("transposed", "missing 1/N", ...)
    explanation: str   # a sentence for the student


def _same(a, b):
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def _negligible(a):
    return not np.any(np.abs(a) > ATOL)


def likely_mistake(got, want, *, batch=None, mistakes=None):
    """The Finding that explains `got` as a known mistake of `want`, or None.

    got, want: arrays (any shapes; want is the right answer).
    batch: the batch size N, where a factor N or 1/N is plausible.
    mistakes: {description: value} of task-specific mistakes, tried first (name and explanation: description).
    """
    try:
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(want))):
        return None
    for description, value in (mistakes or {}).items():
        value = np.asarray(value, dtype=np.float64)
        if _same(got, value) and not _same(value, want):
            return Finding(description, f"your answer equals what {description} gives.")
    if want.ndim == 2 and got.shape == want.T.shape and _same(got, want.T) and not _same(want, want.T):
        return Finding("transposed", "it looks transposed: it equals the expected value's transpose "
                                     "(check which side of the product each matrix goes, and .T)")
    if got.ndim == want.ndim + 1 and got.shape[1:] == want.shape and got.shape[0] > 1:
        if _same(got.sum(axis=0), want):
            return Finding("not summed over the batch",
                           f"it has one row per example (shape {got.shape}): sum over the batch axis (axis 0)")
        if _same(got.mean(axis=0), want):
            return Finding("not summed over the batch",
                           f"it has one row per example (shape {got.shape}): sum them over axis 0")
    if got.shape != want.shape or _negligible(want):
        return None
    if _same(got, -want):
        return Finding("sign flipped", "its sign is flipped: it equals minus the expected value")
    factor = float(np.vdot(got, want) / np.vdot(want, want))
    if not np.isfinite(factor) or abs(factor) < 1e-12 or not _same(got, factor * want):
        return None
    if batch and batch > 1:
        if np.isclose(factor, batch, rtol=1e-6):
            return Finding("missing 1/N", f"it is N = {batch} times too large: the mean over the batch needs a 1/N "
                                          "(or a sum was used where the task asks for a mean)")
        if np.isclose(factor, 1.0 / batch, rtol=1e-6):
            return Finding("extra 1/N", f"it is N = {batch} times too small: there is a 1/N (a mean) where a sum "
                                        "belongs, or the 1/N was applied twice")
    if np.isclose(factor, 2.0, rtol=1e-6) or np.isclose(factor, 0.5, rtol=1e-6):
        return Finding("factor of 2", f"it is off by a factor of {factor:.3g}: check a 2 from differentiating a "
                                      "square, or a 1/2 in front of it")
    if want.size < 3:
        return None  # one or two numbers are always "some factor" of each other: that says nothing
    return Finding("constant factor", f"it is the expected value times {factor:.4g}: every entry is off by the "
                                      "same factor")
