"""Plain data on the wire between the grader and a notebook's kernel.

An answer crosses from the kernel to the grader as JSON text, and nothing else: numbers, strings, ``None``,
NumPy arrays of numbers (as ``.npy`` bytes, read back with ``allow_pickle=False``), and tuples, lists and dicts
of those.  Any other object -- a layer, an optimiser, a cache, an object whose ``__eq__`` says yes to everything --
stays in the kernel and crosses as a *handle* that names it.  Decoding never runs code the kernel sent.

The same file also runs inside the kernel (see :mod:`grading.agent`), so it imports only the standard library and
NumPy, and defines nothing that needs the rest of the package.

Encoded form (a JSON tree)::

    None, True, 3, 2.5, "text"               as themselves (floats may be NaN or infinite)
    [v, ...]                                 a list
    {"$": "tuple", "items": [v, ...]}        a tuple
    {"$": "dict", "items": [[k, v], ...]}    a dict (keys: None, bool, int, float or str)
    {"$": "array", "npy": "<base64>"}        a NumPy array of booleans or numbers
    {"$": "scalar", "npy": "<base64>"}       a NumPy scalar (a 0-d array on the wire)
    {"$": "complex", "re": x, "im": y}       a Python complex
    {"$": "handle", "ref": 3 or "name", "path": [["attr", "step"], ["item", 0], ...]}
"""
import base64
import io
import json

import numpy as np

NUMERIC_KINDS = "biufc"  # booleans, signed and unsigned integers, floats, complex numbers
MAX_DEPTH = 20
MAX_ANSWER_BYTES = 64 * 2**20  # an answer larger than this is refused, not decoded

_PLAIN_KEYS = (type(None), bool, int, float, str)


class WireError(ValueError):
    """The other side sent something that is not plain data in the agreed form."""


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _npy_array(text):
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception as exc:
        raise WireError(f"an array that cannot be read: {type(exc).__name__}") from None
    if type(array) is not np.ndarray or array.dtype.kind not in NUMERIC_KINDS:
        raise WireError(f"an array of {array.dtype} is not an array of numbers")
    return array


def is_numeric_array(value):
    """An exact ``numpy.ndarray`` (not a subclass) of booleans or numbers."""
    return type(value) is np.ndarray and value.dtype.kind in NUMERIC_KINDS


def is_numeric_scalar(value):
    return isinstance(value, np.generic) and type(value).__module__ == "numpy" and value.dtype.kind in NUMERIC_KINDS


def encode(value, keep=None, depth=0):
    """The JSON tree of `value`.

    keep: None, or a callable ``keep(obj) -> ref`` that stores a non-data object and returns its reference; then
    such objects become handles.  With keep=None they are refused (the grader only ever sends plain data).
    """
    if depth > MAX_DEPTH:
        raise WireError("data nested too deeply")
    t = type(value)
    if value is None or t in (bool, int, str):
        return value
    if t is float:
        return value
    if t is complex:
        return {"$": "complex", "re": value.real, "im": value.imag}
    if t is list:
        return [encode(v, keep, depth + 1) for v in value]
    if t is tuple:
        return {"$": "tuple", "items": [encode(v, keep, depth + 1) for v in value]}
    if t is dict and all(type(k) in _PLAIN_KEYS for k in value):
        return {"$": "dict", "items": [[k, encode(v, keep, depth + 1)] for k, v in value.items()]}
    if is_numeric_array(value):
        return {"$": "array", "npy": _npy_bytes(value)}
    if is_numeric_scalar(value):
        return {"$": "scalar", "npy": _npy_bytes(np.asarray(value))}
    if isinstance(value, Ref):
        return {"$": "handle", "ref": value.ref, "path": [list(step) for step in value.path]}
    if keep is None:
        raise WireError(f"a {t.__name__} is not plain data")
    return {"$": "handle", "ref": keep(value), "path": []}


class Ref:
    """A reference to an object in the kernel: ``ref`` is an index into the kernel's store, or a global's name;
    ``path`` is a tuple of ``("attr", name)`` and ``("item", key)`` steps from there."""

    def __init__(self, ref, path=()):
        self.ref, self.path = ref, tuple(tuple(step) for step in path)

    def attr(self, name):
        """The attribute `name` of the object (e.g. ``opt.attr("step")``, a bound method to ask)."""
        return type(self)(self.ref, self.path + (("attr", name),))

    def __getitem__(self, key):
        return type(self)(self.ref, self.path + (("item", key),))

    def __repr__(self):
        steps = "".join(f".{k}" if kind == "attr" else f"[{k!r}]" for kind, k in self.path)
        return f"<object in the notebook: {self.ref}{steps}>"


def decode(tree, depth=0, ref_type=Ref):
    """The value of a JSON tree made by :func:`encode`; refuses anything else with :class:`WireError`.

    Handles come back as `ref_type` objects (the grader's :class:`grading.Handle`).
    """
    if depth > MAX_DEPTH:
        raise WireError("data nested too deeply")
    t = type(tree)
    if tree is None or t in (bool, int, float, str):
        return tree
    if t is list:
        return [decode(v, depth + 1, ref_type) for v in tree]
    if t is not dict or type(tree.get("$")) is not str:
        raise WireError(f"unexpected {t.__name__} in an answer")
    kind = tree["$"]
    if kind == "tuple" and type(tree.get("items")) is list:
        return tuple(decode(v, depth + 1, ref_type) for v in tree["items"])
    if kind == "dict" and type(tree.get("items")) is list:
        out = {}
        for pair in tree["items"]:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in _PLAIN_KEYS:
                raise WireError("a dict entry that is not a (plain key, value) pair")
            out[pair[0]] = decode(pair[1], depth + 1, ref_type)
        return out
    if kind == "array" and type(tree.get("npy")) is str:
        return _npy_array(tree["npy"])
    if kind == "scalar" and type(tree.get("npy")) is str:
        array = _npy_array(tree["npy"])
        if array.shape != ():
            raise WireError("a scalar that is not 0-dimensional")
        return array[()]
    if kind == "complex" and type(tree.get("re")) in (int, float) and type(tree.get("im")) in (int, float):
        return complex(tree["re"], tree["im"])
    if kind == "handle" and type(tree.get("ref")) in (int, str) and type(tree.get("path")) is list:
        path = []
        for step in tree["path"]:
            if (type(step) is not list or len(step) != 2 or step[0] not in ("attr", "item")
                    or type(step[1]) not in _PLAIN_KEYS):
                raise WireError("a malformed handle")
            path.append((step[0], step[1]))
        return ref_type(tree["ref"], path)
    raise WireError(f"unknown kind of value {kind!r}")


def dumps(tree):
    return json.dumps(tree, allow_nan=True, separators=(",", ":"))


def loads(text):
    """Parse JSON text from the other side, refusing what is too large or not JSON."""
    if type(text) is not str:
        raise WireError("an answer that is not text")
    if len(text) > MAX_ANSWER_BYTES:
        raise WireError(f"an answer of {len(text) / 2**20:.0f} MB is too large to grade")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"an answer that is not valid JSON ({type(exc).__name__})") from None
