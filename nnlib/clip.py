"""Gradient clipping and per-layer gradient norms. params: a list of
Parameters, or a Module (its parameters() are used)."""
import math

import numpy as np

from .module import Module
from .regularization import weights


def _params(params):
    return params.parameters() if isinstance(params, Module) else list(params)


def clip_grad_norm(params, max_norm):
    """Rescale all gradients together so that their joint L2 norm is at most
    max_norm, as PyTorch: if the total norm exceeds max_norm, every .grad is
    replaced by .grad · max_norm / (norm + 1e-6). max_norm: float > 0.
    Returns: float, the total norm BEFORE clipping."""
    params = [p for p in _params(params) if p.grad is not None]
    norm = math.sqrt(sum(float(np.sum(p.grad * p.grad)) for p in params))
    scale = max_norm / (norm + 1e-6)
    if scale < 1:
        for p in params:
            p.grad = p.grad * scale
    return norm


def clip_grad_value(params, clip_value):
    """Clip every .grad entry to [-clip_value, clip_value]; clip_value > 0."""
    for p in _params(params):
        if p.grad is not None:
            p.grad = np.clip(p.grad, -clip_value, clip_value)


def grad_norms(model):
    """L2 norms of the Dense layers' W.grad, in layer order: list[float]."""
    return [float(np.linalg.norm(p.grad)) for p in weights(model)]
