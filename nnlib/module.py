"""Parameters, the Module base class and Sequential."""
import numpy as np

from ._checks import require_cache


class Parameter:
    """A trainable array and its gradient.

    value: ndarray, any shape S, a floating dtype (integers are converted to float64).
    grad: ndarray S, same dtype, starts at zeros; backward ADDS to it (add_grad, add_grad_matmul).
    name: str, e.g. "W" or "b".
    """

    def __init__(self, value, name=""):
        value = np.asarray(value)
        if value.dtype.kind != "f":
            value = value.astype(np.float64)
        self.value = value
        self._grad = np.zeros_like(value)
        self._grad_is_zero = False  # True after zero_grad: _grad holds stale numbers that read as zeros
        self.name = name

    @property
    def grad(self):
        if self._grad_is_zero:
            self._grad.fill(0)
            self._grad_is_zero = False
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = value
        self._grad_is_zero = False

    def zero_grad(self):
        """Reset the gradient to zeros. Lazily: the next add_grad overwrites the old numbers
        instead of adding to zeros (PyTorch's set_to_none saves the same memory pass)."""
        self._grad_is_zero = True

    def add_grad(self, delta):
        """grad += delta. delta: ndarray S (cast to grad's dtype)."""
        if self._grad_is_zero:
            np.copyto(self._grad, delta, casting="same_kind")
            self._grad_is_zero = False
        else:
            self.grad += delta

    def add_grad_matmul(self, a, b):
        """grad += a @ b, for arrays a and b whose product has shape S. Right after zero_grad the
        product is written straight into grad's memory: no new array, as PyTorch's backward does."""
        if self._grad_is_zero and a.dtype == b.dtype == self._grad.dtype:
            np.matmul(a, b, out=self._grad)
            self._grad_is_zero = False
        else:
            self.add_grad(a @ b)

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
