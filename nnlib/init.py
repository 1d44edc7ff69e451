"""Weight initialisers with PyTorch's variances, each returning an ndarray
(fan_in, fan_out) of ``dtype``, a Dense layer's W; rng: Generator, int seed
or None. Xavier/Glorot: Var = gain² · 2 / (fan_in + fan_out). He/Kaiming
(for ReLU, fan_in mode): Var = 2 / fan_in."""
import math

import numpy as np

from .checks import check_shape


def _sample(kind, std, fan_in, fan_out, rng, dtype):
    rng = np.random.default_rng(rng)
    if kind == "uniform":  # U(-a, a) has variance a²/3
        bound = math.sqrt(3.0) * std
        w = rng.uniform(-bound, bound, size=(fan_in, fan_out))
    else:
        w = rng.normal(0.0, std, size=(fan_in, fan_out))
    return w.astype(dtype, copy=False)


def xavier_uniform(fan_in, fan_out, *, gain=1.0, rng=None, dtype=np.float64):
    """U(-a, a) with a = gain·sqrt(6 / (fan_in + fan_out))."""
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _sample("uniform", std, fan_in, fan_out, rng, dtype)


def xavier_normal(fan_in, fan_out, *, gain=1.0, rng=None, dtype=np.float64):
    """N(0, std²) with std = gain·sqrt(2 / (fan_in + fan_out))."""
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _sample("normal", std, fan_in, fan_out, rng, dtype)


def he_uniform(fan_in, fan_out, *, rng=None, dtype=np.float64):
    """U(-a, a) with a = sqrt(6 / fan_in) (Kaiming uniform, ReLU gain)."""
    std = math.sqrt(2.0 / fan_in)
    return _sample("uniform", std, fan_in, fan_out, rng, dtype)


def he_normal(fan_in, fan_out, *, rng=None, dtype=np.float64):
    """N(0, 2 / fan_in) (Kaiming normal, ReLU gain)."""
    std = math.sqrt(2.0 / fan_in)
    return _sample("normal", std, fan_in, fan_out, rng, dtype)


INITIALIZERS = {"he": he_normal, "xavier": xavier_normal,
                "he_normal": he_normal, "xavier_normal": xavier_normal,
                "he_uniform": he_uniform, "xavier_uniform": xavier_uniform}


def init_weights(init, fan_in, fan_out, rng, dtype, where):
    """A layer's initial W (fan_in, fan_out) in dtype. init: a name in
    INITIALIZERS or a function (fan_in, fan_out) -> array, given rng=rng
    too when rng is not None. where: the layer's name, for errors."""
    if not (callable(init) or init in INITIALIZERS):
        raise ValueError(f"{where}: init must be one of "
                         f"{sorted(INITIALIZERS)} or a function, "
                         f"got {init!r}")
    init = init if callable(init) else INITIALIZERS[init]
    kwargs = {} if rng is None else {"rng": rng}
    W = np.asarray(init(fan_in, fan_out, **kwargs), dtype=dtype)
    check_shape(W, "init(...)", (fan_in, fan_out), where)
    return W
