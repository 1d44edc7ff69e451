"""Parameters, the Module base class and Sequential."""
import numpy as np

from ._checks import require_cache


class Parameter:
    """A trainable array and its gradient.

    value: ndarray, any shape S, a floating dtype (integers are converted to float64).
    grad: ndarray S, same dtype, starts at zeros; backward ADDS to it (see add_grad).
    name: str, e.g. "W" or "b".
    """

    def __init__(self, value, name=""):
        value = np.asarray(value)
        if value.dtype.kind != "f":
            value = value.astype(np.float64)
        self.value = value
        self._grad = np.zeros_like(value)
        self._grad_is_stale = False  # True after zero_grad: reads as zeros, add_grad replaces
        self.name = name

    @property
    def grad(self):
        if self._grad_is_stale:
            self._grad.fill(0)
            self._grad_is_stale = False
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = value
        self._grad_is_stale = False

    def zero_grad(self):
        """Reset the gradient to zeros. Lazily: the next add_grad stores its array as the gradient
        instead of adding it to zeros (PyTorch's set_to_none saves the same two memory passes)."""
        self._grad_is_stale = True

    def add_grad(self, delta):
        """grad += delta. delta: ndarray S, a fresh array that the Parameter may keep."""
        if self._grad_is_stale and delta.dtype == self._grad.dtype and delta.shape == self._grad.shape:
            self.grad = delta
        else:
            self.grad += delta

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    def __repr__(self):
        return f"Parameter(name={self.name!r}, shape={self.shape}, dtype={self.dtype})"


class Module:
    """Base class: ``forward(x)`` computes and caches, ``backward(grad_out)`` returns grad_in.

    Subclasses store what backward needs in ``self.cache`` (None until forward runs).
    ``backward`` ACCUMULATES into each Parameter's ``.grad`` (as in PyTorch); call
    ``zero_grad()`` between steps. ``parameters()`` finds the Parameters and sub-Modules
    stored as attributes (or in lists of them), in the order they were assigned.
    """
    cache = None
    skips_input_grad = False  # True if backward accepts need_input_grad=False

    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad_out):
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Returns: list[Parameter], every trainable parameter of this module and its children."""
        params = []
        for value in vars(self).values():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, Parameter):
                    params.append(item)
                elif isinstance(item, Module):
                    params.extend(item.parameters())
        return params

    def zero_grad(self):
        """Set every parameter's ``.grad`` to zeros, in place."""
        for p in self.parameters():
            p.zero_grad()

    def _saved(self):
        return require_cache(self.cache, f"{type(self).__name__}.backward")

    def __repr__(self):
        return f"{type(self).__name__}()"


class Sequential(Module):
    """Modules applied in order: ``Sequential(Dense(2, 8), ReLU(), Dense(8, 1))``.

    layers: list[Module]. Supports ``len(model)``, ``model[i]`` and iteration.
    """
    skips_input_grad = True

    def __init__(self, *modules):
        for m in modules:
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: every argument must be a Module, got {type(m).__name__}")
        self.layers = list(modules)

    def forward(self, x):
        """x: ndarray, the first layer's input. Returns: the last layer's output."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out, *, need_input_grad=True):
        """grad_out: ndarray, shape of forward's output. Returns: d loss / d x, shape of x.

        need_input_grad: bool; False skips the first layer's input gradient (returns None)
        when that layer supports it, as PyTorch does for inputs that need no gradient.
        """
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            if i == 0 and not need_input_grad and layer.skips_input_grad:
                return layer.backward(grad_out, need_input_grad=False)
            grad_out = layer.backward(grad_out)
        return grad_out

    def __getitem__(self, index):
        return Sequential(*self.layers[index]) if isinstance(index, slice) else self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        return "Sequential(\n" + "".join(f"  ({i}) {m!r}\n" for i, m in enumerate(self.layers)) + ")"
