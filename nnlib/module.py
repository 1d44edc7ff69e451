"""Parameters, the Module base class, Sequential and Flatten."""
import numpy as np

from .checks import as_float


class Parameter:
    """A trainable array and its gradient. value: ndarray, any shape S, float
    (ints become float64). grad: None until backward reaches it, then d loss /
    d value, ndarray S; as in PyTorch, backward adds to it (new arrays, never
    written into) and zero_grad resets it to None. name: str, e.g. "W"."""

    def __init__(self, value, name=""):
        value = np.asarray(value)
        is_float = value.dtype.kind == "f"
        self.value = value if is_float else value.astype(np.float64)
        self.grad = None
        self.name = name

    def accumulate(self, grad):
        """self.grad = grad (ndarray S) at first, then self.grad + grad."""
        self.grad = grad if self.grad is None else self.grad + grad

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    def __repr__(self):
        return (f"Parameter(name={self.name!r}, shape={self.shape}, "
                f"dtype={self.dtype})")


class Module:
    """Base class. ``forward(x)`` returns the output, keeping in self.cache
    what backward needs; ``backward(dout)`` takes d loss / d output, adds to
    the parameters' .grad, returns d loss / d x. module(x) calls forward."""
    cache = None

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Every Parameter of this module and of the modules in its
        attributes (or lists of them), in assignment order, each once."""
        found = {}
        for value in vars(self).values():
            items = value if isinstance(value, (list, tuple)) else [value]
            for item in items:
                if isinstance(item, Parameter):
                    found[id(item)] = item
                elif isinstance(item, Module):
                    found.update((id(p), p) for p in item.parameters())
        return list(found.values())

    def zero_grad(self):
        """Set every parameter's ``.grad`` to None."""
        for p in self.parameters():
            p.grad = None

    def saved(self):
        """The cache of the last forward; RuntimeError if there was none."""
        if self.cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward: "
                               "call forward before backward")
        return self.cache

    def __repr__(self):
        return f"{type(self).__name__}()"


class Sequential(Module):
    """Modules in order: ``Sequential(Dense(2, 8), ReLU(), Dense(8, 1))``.
    Supports iteration and indexing (a slice gives a Sequential)."""

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError("Sequential: every argument must be a "
                                f"Module, got {type(layer).__name__}")
            if any(layer is other for other in layers[:i]):
                raise ValueError(
                    f"Sequential: layer {i} is the same object as an "
                    "earlier one; a module keeps the cache of its last "
                    "forward, so each position needs its own (to share "
                    "weights, share Parameters: second.W = first.W)")
        self.layers = list(layers)

    def forward(self, x):
        """x: the first layer's input. Returns: the last layer's output."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        """dout: d loss / d output (its shape). Returns: dx (x's shape)."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        rows = "".join(f"  ({i}) {m!r}\n" for i, m in enumerate(self.layers))
        return f"Sequential(\n{rows})"


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1·d2·...), e.g. between Conv2d and Dense.
    cache: x's shape."""

    def forward(self, x):
        x = np.asarray(x)
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        """dout: (N, d1·d2·...). Returns: dout reshaped to x's shape."""
        shape = self.saved()
        dout = as_float(dout, "dout", "Flatten.backward",
                        shape=(shape[0], int(np.prod(shape[1:]))))
        return dout.reshape(shape)
