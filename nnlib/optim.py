"""Optimisers as in torch.optim, and a cosine learning-rate schedule."""
import math

import numpy as np

from .checks import check_positive
from .module import Parameter


class Optimizer:
    """Base class. params: a list of Parameters (``model.parameters()``) or,
    as in PyTorch, of groups whose keys override the defaults, e.g.
    [{"params": weights(model), "weight_decay": 1e-3}, {"params": biases}].
    ``step()`` calls the subclass's ``update(p, g, group, state)`` for each p
    with a grad: it changes p.value in place and keeps its memory in state[p].
    Attributes: param_groups, list of dicts; state, Parameter -> dict."""

    def __init__(self, params, defaults):
        name = type(self).__name__
        params = list(params)
        if not params:
            raise ValueError(f"{name}: got an empty parameter list")
        self.param_groups = []
        one_group = not isinstance(params[0], dict)
        for group in [{"params": params}] if one_group else params:
            unknown = set(group) - set(defaults) - {"params"}
            if unknown:
                raise ValueError(f"{name}: unknown param-group keys "
                                 f"{sorted(unknown)}")
            group = {**defaults, **group, "params": list(group["params"])}
            for p in group["params"]:
                if not isinstance(p, Parameter):
                    raise TypeError(
                        f"{name}: params must be Parameters (e.g. "
                        f"model.parameters()), got {type(p).__name__}")
            for key in ("lr", "weight_decay"):
                check_positive(group[key], key, name, allow_zero=True)
            self.param_groups.append(group)
        self.state = {}

    @property
    def lr(self):
        """The first group's learning rate; setting it sets every group's."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        check_positive(value, "lr", type(self).__name__, allow_zero=True)
        for group in self.param_groups:
            group["lr"] = float(value)

    def parameters(self):
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self):
        """Set every parameter's ``.grad`` to None."""
        for p in self.parameters():
            p.grad = None

    def step(self):
        """Update every parameter that has a grad, with g = grad + wd·p."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if group["weight_decay"]:
                    g = g + group["weight_decay"] * p.value
                self.update(p, g, group, self.state.setdefault(p, {}))


class SGD(Optimizer):
    """Stochastic gradient descent, as torch.optim.SGD (no dampening).
    g = grad + weight_decay·p. Without momentum: p -= lr·g. With momentum
    μ: v = μ·v + g (v = g at the first step), then p -= lr·v, or with
    nesterov p -= lr·(g + μ·v). state[p]: {"momentum_buffer": v}."""

    def __init__(self, params, lr, momentum=0.0, nesterov=False,
                 weight_decay=0.0):
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        check_positive(momentum, "momentum", "SGD", allow_zero=True)
        defaults = dict(lr=float(lr), momentum=float(momentum),
                        nesterov=nesterov, weight_decay=float(weight_decay))
        super().__init__(params, defaults)

    def update(self, p, g, group, state):
        mu = group["momentum"]
        if mu:
            v = state.get("momentum_buffer")
            v = g if v is None else mu * v + g
            state["momentum_buffer"] = v
            g = g + mu * v if group["nesterov"] else v
        p.value -= group["lr"] * g


class Adam(Optimizer):
    """Adam, as torch.optim.Adam (weight decay added to the gradient: L2, not
    AdamW). g = grad + weight_decay·p; m = β1·m + (1 - β1)·g;
    v = β2·v + (1 - β2)·g²; at step t: p -= lr·m̂ / (sqrt(v̂) + eps),
    with m̂ = m / (1 - β1^t) and v̂ = v / (1 - β2^t).
    state[p]: {"step": t, "m": m, "v": v}."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0.0):
        for i, beta in enumerate(betas):
            if not 0 <= beta < 1:
                raise ValueError(
                    f"Adam: betas[{i}] must be in [0, 1), got {beta}")
        defaults = dict(lr=float(lr), betas=tuple(map(float, betas)),
                        eps=float(eps), weight_decay=float(weight_decay))
        super().__init__(params, defaults)

    def update(self, p, g, group, state):
        (beta1, beta2), eps = group["betas"], group["eps"]
        t = state["step"] = state.get("step", 0) + 1
        m = state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
        v = state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        p.value -= group["lr"] * m_hat / (np.sqrt(v_hat) + eps)


def cosine_lr(base_lr, epoch, epochs, min_lr=0.0):
    """min_lr + (base_lr - min_lr)(1 + cos(π·epoch/epochs))/2, a float:
    base_lr at epoch 0, min_lr at epoch = epochs (ints, epochs > 0)."""
    check_positive(epochs, "epochs", "cosine_lr")
    cosine = math.cos(math.pi * epoch / epochs)
    return min_lr + (base_lr - min_lr) * (1 + cosine) / 2
