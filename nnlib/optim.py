"""Optimisers with torch.optim's exact update rules, and a cosine learning-rate schedule.

params: a list of Parameters (e.g. ``model.parameters()``) or, as in PyTorch, a list of
param-group dicts such as ``[{"params": weights(model), "weight_decay": 1e-3},
{"params": biases, "weight_decay": 0.0}]``; a group's keys override the optimiser's defaults.
Updates happen in place and keep each parameter's dtype (hyperparameters are Python
floats, which NumPy does not let promote a float32 array).
"""
import math

import numpy as np

from ._checks import check_positive
from .module import Parameter


class Optimizer:
    """Base class: holds ``param_groups`` (list of dicts) and per-parameter ``state``."""

    def __init__(self, params, defaults):
        name = type(self).__name__
        params = list(params)
        if not params:
            raise ValueError(f"{name}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        for group in groups:
            unknown = set(group) - set(defaults) - {"params"}
            if unknown:
                raise ValueError(f"{name}: unknown param-group keys {sorted(unknown)}")
            group = {**defaults, **group, "params": list(group["params"])}
            for p in group["params"]:
                if not isinstance(p, Parameter):
                    raise TypeError(f"{name}: params must be Parameters (e.g. model.parameters()), "
                                    f"got {type(p).__name__}")
            check_positive(group["lr"], "lr", name, allow_zero=True)
            check_positive(group["weight_decay"], "weight_decay", name, allow_zero=True)
            self.param_groups.append(group)
        self.state = {}  # Parameter -> dict of buffers

    @property
    def lr(self):
        """The learning rate (of the first group); setting it sets every group's."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        check_positive(value, "lr", type(self).__name__, allow_zero=True)
        for group in self.param_groups:
            group["lr"] = float(value)

    def parameters(self):
        """Returns: list[Parameter] of all groups."""
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self):
        """Set every parameter's ``.grad`` to zeros, in place."""
        for p in self.parameters():
            p.zero_grad()

    def step(self):
        """Update every parameter in place from its ``.grad``."""
        for group in self.param_groups:
            self._step_group(group, float(group["lr"]), float(group["weight_decay"]))

    def _buffer(self, p, name):
        """An array kept in ``state[p][name]``, p's shape and dtype, zeros when first asked for."""
        state = self.state.setdefault(p, {})
        if name not in state:
            state[name] = np.zeros_like(p.value)
        return state[name]

    def _scaled(self, p, array, scale):
        """scale·array written into p's scratch buffer: a step makes no new parameter-sized arrays."""
        return np.multiply(array, scale, out=self._buffer(p, "scratch"))

    def _decayed_grad(self, p, weight_decay):
        """grad + weight_decay·p (L2 weight decay, as torch.optim); in the scratch buffer if weight_decay."""
        if not weight_decay:
            return p.grad
        g = self._scaled(p, p.value, weight_decay)
        g += p.grad
        return g


class SGD(Optimizer):
    """Stochastic gradient descent, as torch.optim.SGD (no dampening).

    g = grad + weight_decay·p; with momentum μ: v = μ v + g (v = g on the first step),
    then p -= lr·v, or with nesterov p -= lr·(g + μ v). Without momentum p -= lr·g.
    """

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        check_positive(momentum, "momentum", "SGD", allow_zero=True)
        super().__init__(params, dict(lr=float(lr), momentum=float(momentum), nesterov=nesterov,
                                      weight_decay=float(weight_decay)))

    def _step_group(self, group, lr, weight_decay):
        momentum, nesterov = float(group["momentum"]), group["nesterov"]
        for p in group["params"]:
            g = self._decayed_grad(p, weight_decay)
            if momentum:
                v = self._buffer(p, "momentum_buffer")  # zeros, so the first step gives v = g
                v *= momentum
                v += g
                g = g + momentum * v if nesterov else v
            p.value -= self._scaled(p, g, lr)


class Adam(Optimizer):
    """Adam, as torch.optim.Adam (L2 weight decay added to the gradient, not AdamW).

    g = grad + weight_decay·p; m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²; at step t
    p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        for i, beta in enumerate(betas):
            if not 0 <= beta < 1:
                raise ValueError(f"Adam: betas[{i}] must be in [0, 1), got {beta}")
        super().__init__(params, dict(lr=float(lr), betas=tuple(map(float, betas)), eps=float(eps),
                                      weight_decay=float(weight_decay)))

    def _step_group(self, group, lr, weight_decay):
        (beta1, beta2), eps = group["betas"], float(group["eps"])
        for p in group["params"]:
            g = self._decayed_grad(p, weight_decay)
            m, v, state = self._buffer(p, "m"), self._buffer(p, "v"), self.state[p]
            t = state["step"] = state.get("step", 0) + 1
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * (g * g)
            denom = np.sqrt(v)
            denom /= math.sqrt(1 - beta2 ** t)
            denom += eps
            p.value -= (lr / (1 - beta1 ** t)) * (m / denom)


def cosine_lr(base_lr, epoch, epochs, min_lr=0.0):
    """Cosine decay: min_lr + (base_lr - min_lr)(1 + cos(π epoch/epochs))/2.

    base_lr, min_lr: float. epoch: int, 0-based (epoch 0 gives base_lr, epoch=epochs gives min_lr).
    epochs: int > 0. Returns: float.
    """
    check_positive(epochs, "epochs", "cosine_lr")
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * epoch / epochs)) / 2
