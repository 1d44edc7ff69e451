"""Trusted grading for the course's hidden tests (not part of nnlib's teaching core).

Why this exists
---------------
A hidden test runs in the student's kernel, after the student's code.  Anything that lives in that
kernel -- numpy, nnlib, helper functions -- may have been redefined or monkeypatched by the notebook
(``np.allclose = lambda *a, **k: True`` is one line).  So a hidden test never *judges* in the kernel.

Instead each hidden test cell:

1. loads this file afresh from disk by path (``runpy.run_path``), ignoring whatever ``sys.modules``
   holds for ``nnlib``, and calls :func:`judge` with a piece of *judge code* (a string);
2. :func:`judge` starts a fresh Python process (``python grading.py --judge``) that imports pristine
   numpy and nnlib from disk and runs the judge code there;
3. the judge code draws fresh random inputs, ``ask``-s the kernel to evaluate the student's
   functions on them, and compares the answers with nnlib and with central differences in float64;
4. the kernel only *answers questions*; the verdict is decided in the fresh process and returned.

The only thing a notebook can influence is its answers.  Answers travel as pickles, unpickled in the
judge with a restricted unpickler that admits plain data and numpy arrays only.

Boundary of trust: the test cell's own source (nbgrader restores it from the gradebook), Python's
standard library, and the files of numpy and nnlib on disk.

How a hidden test cell uses it (the bootstrap line is the same in every cell)::

    import runpy, importlib.machinery as _im
    _grading = runpy.run_path(_im.PathFinder.find_spec("nnlib").submodule_search_locations[0] + "/grading.py")
    _grading["judge"](globals(), '''
    for shape in [(1,), (4, 3)]:
        z = rng.normal(0, 4, size=shape)
        expect_close(ask("sigmoid", z), nnlib.sigmoid(z), f"sigmoid(z), z of shape {shape}")
    ''', seed=2024)

Answers that are plain data (numbers, strings, numpy arrays, tuples/lists/dicts of them) come back as data;
any other object (a layer's cache, an optimiser instance) stays in the kernel and comes back as a ``Handle``,
which judge code can pass back into ``ask``, call methods on (``ask(h.attr("step"))``), index (``h[1]``) or
read (``fetch(h.attr("velocity"))``).  ``Handle.notebook("name")`` refers to a global of the notebook.

Inside judge code these names exist: ``np``, ``nnlib``, ``rng`` (``np.random.default_rng(seed)``),
``ask``, ``ask_raises``, ``fetch``, ``Handle``, ``fail``, ``expect``, ``expect_close``,
``expect_shape``, ``expect_gradient``, ``numerical_gradient``, ``numerical_gradient_wrt``, ``rel_error``.
"""
from __future__ import annotations

import io
import os
import pickle
import struct
import subprocess
import sys

# --------------------------------------------------------------------------------------------
# Framing: 8-byte big-endian length + pickle payload, over the child's stdin/stdout.
# --------------------------------------------------------------------------------------------
_HEADER = struct.Struct(">Q")
_HANDLE = "__nnlib_grading_handle__"  # tuple marker for a kernel-side object: (_HANDLE, index, path)


def _is_marker(obj):
    return type(obj) is tuple and len(obj) == 3 and type(obj[0]) is str and obj[0] == _HANDLE


def _send(stream, obj):
    data = pickle.dumps(obj, protocol=4)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _recv_bytes(stream):
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the other side closed the connection")
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the other side closed the connection mid-message")
    return data


# --------------------------------------------------------------------------------------------
# Kernel side (the student's process): answer the judge's questions.
# --------------------------------------------------------------------------------------------
class GradingFailure(AssertionError):
    """Raised in the notebook when the judge's verdict is 'fail'. Its message says what is wrong."""


_PLAIN = (type(None), bool, int, float, complex, str, bytes)


def _is_plain_array(value):
    t = type(value)
    return t.__module__ == "numpy" and (t.__name__ == "ndarray" or t.__name__ in _NUMPY_SCALARS)


_NUMPY_SCALARS = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "uint16",
                  "uint32", "uint64", "bool", "bool_", "complex128", "complex64"}


def _encode_answer(value, store):
    """Make `value` safe to send: plain data (numbers, strings, numpy arrays, and tuples/lists/dicts of them)
    travels as data; any other object stays in the kernel and travels as a handle."""
    t = type(value)
    if t is tuple:
        return tuple(_encode_answer(v, store) for v in value)
    if t is list:
        return [_encode_answer(v, store) for v in value]
    if t is dict and all(type(k) in _PLAIN for k in value):
        return {k: _encode_answer(v, store) for k, v in value.items()}
    if t in _PLAIN or (_is_plain_array(value) and getattr(value, "dtype", None) is not None
                       and value.dtype.kind in "biufc"):
        return value
    store.append(value)
    return (_HANDLE, len(store) - 1, ())


def _resolve(obj, store, namespace):
    """Replace handle markers in the judge's arguments by the kernel-side objects they name."""
    if _is_marker(obj):
        if isinstance(obj[1], str):
            if obj[1] not in namespace:
                raise NameError(f"the notebook defines no '{obj[1]}'")
            target = namespace[obj[1]]
        else:
            target = store[obj[1]]
        for kind, key in obj[2]:
            target = getattr(target, key) if kind == "attr" else target[key]
        return target
    if type(obj) is tuple:
        return tuple(_resolve(o, store, namespace) for o in obj)
    if type(obj) is list:
        return [_resolve(o, store, namespace) for o in obj]
    if type(obj) is dict:
        return {k: _resolve(v, store, namespace) for k, v in obj.items()}
    return obj


def _describe_exception(exc):
    return f"{type(exc).__name__}: {exc}"


def judge(namespace, code, *, seed, timeout=60.0):
    """Run `code` in a fresh trusted process; answer its questions from `namespace`.

    Parameters
    ----------
    namespace : dict
        The notebook's globals (pass ``globals()``); the judge asks for functions/classes by name.
    code : str
        Judge code, run in the fresh process (see the module docstring for the names it sees).
    seed : int
        Seed of the judge's ``rng``: hidden inputs are drawn there, never in the kernel.
    timeout : float
        Seconds the judge process may live.

    Raises
    ------
    GradingFailure
        With the judge's message when the student's answers are wrong.
    """
    import textwrap

    child = subprocess.Popen(
        [sys.executable, "-I", os.path.abspath(__file__), "--judge"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    store = []  # kernel-side objects the judge refers to by handle
    verdict = None
    try:
        _send(child.stdin, {"code": textwrap.dedent(code), "seed": int(seed), "timeout": float(timeout)})
        while True:
            message = pickle.loads(_recv_bytes(child.stdout))
            kind = message[0]
            if kind == "verdict":
                verdict = message
                break
            if kind == "ask":
                _, target, args, kwargs, echo = message
                try:
                    if isinstance(target, str):
                        if target not in namespace:
                            raise NameError(f"the notebook defines no '{target}'")
                        func = namespace[target]
                    else:
                        func = _resolve(target, store, namespace)
                    args = _resolve(args, store, namespace)
                    kwargs = _resolve(kwargs, store, namespace)
                    result = func(*args, **kwargs)
                    # echo the array arguments back, so the judge can see whether they were modified in place
                    reply = ("ok", _encode_answer(result, store), tuple(_encode_answer(args[i], store) for i in echo))
                except KeyboardInterrupt:
                    raise
                except BaseException as exc:  # the student's code raised: report, never crash grading
                    reply = ("raised", type(exc).__name__, str(exc)[:2000])
            elif kind == "fetch":
                try:
                    reply = ("ok", _encode_answer(_resolve(message[1], store, namespace), store), None)
                except KeyboardInterrupt:
                    raise
                except BaseException as exc:
                    reply = ("raised", type(exc).__name__, str(exc)[:2000])
            else:
                raise RuntimeError(f"grading protocol: unexpected message {kind!r}")
            _send(child.stdin, reply)
    except EOFError:
        pass
    finally:
        try:
            child.stdin.close()
        except Exception:
            pass
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        stderr = child.stderr.read().decode(errors="replace")
        child.stderr.close()
        child.stdout.close()
    if verdict is None:
        raise GradingFailure("the grader stopped unexpectedly:\n" + stderr[-3000:])
    _, passed, text = verdict
    if not passed:
        raise GradingFailure(text)
    # Returns None on purpose: nbgrader reads a test cell's last *value* as partial credit.


# --------------------------------------------------------------------------------------------
# Judge side (a fresh process): pristine numpy and nnlib.
# --------------------------------------------------------------------------------------------
class _Fail(Exception):
    pass


class _StudentRaised(Exception):
    def __init__(self, what, exc_type, message):
        super().__init__(f"{what} raised {exc_type}: {message}")
        self.exc_type, self.message = exc_type, message


class Handle:
    """A kernel-side object (e.g. a layer's cache or an optimiser) the judge cannot see directly."""

    def __init__(self, index, path=()):  # index: position in the kernel's store, or a global's name
        self.index, self.path = index, tuple(path)

    def attr(self, name):
        return Handle(self.index, self.path + (("attr", name),))

    def __getitem__(self, key):
        return Handle(self.index, self.path + (("item", key),))

    @staticmethod
    def notebook(name):
        """A handle to a global the notebook defines (e.g. a function from its read-only set-up cell)."""
        return Handle(name)

    def marker(self):
        return (_HANDLE, self.index, self.path)

    def __call__(self, *args, **kwargs):
        raise TypeError("a Handle lives in the notebook: use ask(handle, ...) to call it")

    def __repr__(self):
        return "<object in the notebook>"


class _SafeUnpickler(pickle.Unpickler):
    """Admit plain data and numpy arrays/scalars only: an answer can never run code in the judge."""

    _ALLOWED = {
        ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"), ("numpy.core.multiarray", "scalar"),
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
        ("builtins", "complex"), ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "slice"),
        ("builtins", "range"),
    }

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED or (module.startswith("numpy") and name.endswith("DType")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"an answer of type {module}.{name} cannot be graded")


def _judge_main():
    import builtins
    import time

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints in judge code must not corrupt the protocol
    import numpy as np

    import nnlib
    import importlib

    _gc = importlib.import_module("nnlib.gradcheck")  # the module (nnlib.gradcheck the name is a function)

    job = _SafeUnpickler(io.BytesIO(_recv_bytes(stdin))).load()
    deadline = time.monotonic() + job["timeout"]

    def from_kernel(obj):
        if _is_marker(obj):
            return Handle(obj[1], obj[2])
        if type(obj) is tuple:
            return tuple(from_kernel(o) for o in obj)
        if type(obj) is list:
            return [from_kernel(o) for o in obj]
        return obj

    def to_kernel(obj):
        if isinstance(obj, Handle):
            return obj.marker()
        if type(obj) is tuple:
            return tuple(to_kernel(o) for o in obj)
        if type(obj) is list:
            return [to_kernel(o) for o in obj]
        if type(obj) is dict:
            return {k: to_kernel(v) for k, v in obj.items()}
        return obj

    def roundtrip(message, what):
        if time.monotonic() > deadline:
            raise _Fail("grading took too long: is there an endless loop?")
        _send(stdout, message)
        try:
            reply = _SafeUnpickler(io.BytesIO(_recv_bytes(stdin))).load()
        except pickle.UnpicklingError as exc:
            raise _Fail(f"{what}: {exc}")
        if reply[0] == "raised":
            raise _StudentRaised(what, reply[1], reply[2])
        return reply

    def describe_call(target, args):
        name = target if isinstance(target, str) else "the notebook's object"
        shapes = ", ".join(describe_value(a) for a in args)
        return f"{name}({shapes})"

    def ask(target, *args, check_inputs_unchanged=True, **kwargs):
        """Call the notebook's `target` (a name, or a Handle) on args; return its answer."""
        what = describe_call(target, args)
        echo = [i for i, a in enumerate(args) if holds_array(a)] if check_inputs_unchanged else []
        reply = roundtrip(("ask", to_kernel(target), to_kernel(tuple(args)), to_kernel(kwargs), echo), what)
        result = from_kernel(reply[1])
        for i, after in zip(echo, reply[2]):
            if not same_data(args[i], from_kernel(after)):
                raise _Fail(f"{what} changed its argument #{i + 1} in place; "
                            "a function must not modify its inputs (work on a copy)")
        return result

    def holds_array(value):
        """An array, or a list/tuple/dict holding one: arguments whose in-place changes ask() looks for."""
        if isinstance(value, np.ndarray):
            return True
        if type(value) in (list, tuple):
            return any(holds_array(v) for v in value)
        if type(value) is dict:
            return any(holds_array(v) for v in value.values())
        return False

    def same_data(before, after):
        if isinstance(before, np.ndarray):
            return (isinstance(after, np.ndarray) and before.shape == after.shape
                    and np.array_equal(before, after, equal_nan=True))
        if type(before) in (list, tuple):
            return (type(after) is type(before) and len(after) == len(before)
                    and all(same_data(b, a) for b, a in zip(before, after)))
        if type(before) is dict:
            return (type(after) is dict and after.keys() == before.keys()
                    and all(same_data(before[k], after[k]) for k in before))
        return True  # other values cannot be changed in place by the notebook (they were pickled copies)

    def ask_raises(target, *args, **kwargs):
        """Call the notebook's `target`, expecting it to raise; return (exception type name, message)."""
        what = describe_call(target, args)
        try:
            roundtrip(("ask", to_kernel(target), to_kernel(tuple(args)), to_kernel(kwargs), []), what)
        except _StudentRaised as exc:
            return exc.exc_type, exc.message
        raise _Fail(f"{what} should have raised an error, but returned normally")

    def fetch(handle):
        """Bring a kernel-side object's value (e.g. ``Handle.attr('velocity')``) to the judge."""
        return from_kernel(roundtrip(("fetch", to_kernel(handle)), "reading an attribute")[1])

    def fail(message):
        raise _Fail(message)

    def expect(condition, message):
        if not condition:
            raise _Fail(message)

    def describe_value(value):
        if isinstance(value, np.ndarray):
            return f"array of shape {value.shape}"
        if isinstance(value, Handle):
            return "object"
        return type(value).__name__ if not isinstance(value, (int, float, str)) else repr(value)

    def as_answer_array(got, what, shape=None):
        if isinstance(got, Handle):
            raise _Fail(f"{what}: expected a NumPy array, got an object that is not plain data")
        try:
            arr = np.asarray(got, dtype=np.float64)
        except Exception:
            raise _Fail(f"{what}: expected a NumPy array of numbers, got {type(got).__name__}")
        if shape is not None and arr.shape != tuple(shape):
            raise _Fail(f"{what}: expected shape {tuple(shape)}, got {arr.shape}")
        return arr

    def expect_shape(got, shape, what):
        as_answer_array(got, what, shape)

    def expect_close(got, want, what, *, rtol=1e-6, atol=1e-9):
        """`got` (the student's) must equal `want` (nnlib's) elementwise, same shape."""
        want = np.asarray(want, dtype=np.float64)
        got = as_answer_array(got, what, want.shape)
        if not np.all(np.isfinite(got) == np.isfinite(want)):
            idx = tuple(int(i) for i in np.argwhere(np.isfinite(got) != np.isfinite(want))[0])
            raise _Fail(f"{what}: expected {want[idx]!r} at index {idx}, got {got[idx]!r}")
        err = np.abs(got - want) - (atol + rtol * np.abs(want))
        err = np.where(np.isfinite(want), err, 0.0)
        if err.size and np.max(err) > 0:
            idx = np.unravel_index(int(np.argmax(err)), err.shape)
            idx = tuple(int(i) for i in idx)
            raise _Fail(f"{what}: wrong value at index {idx}: expected {want[idx]:.10g}, got {got[idx]:.10g}"
                        f" (max abs difference {np.max(np.abs(got - want)):.3g})")

    def expect_gradient(got, f, x, what, *, dout=None, tol=1e-6, eps=1e-6, atol=1e-8):
        """`got` must match the central-difference gradient of trusted `f` at `x` (float64).

        f: array -> scalar when dout is None; otherwise array -> array and the gradient is of sum(f(x)*dout).
        An entry passes if its relative error is <= tol, or its absolute error <= atol (round-off makes the
        central difference of a flat function about 1e-10, not 0).
        """
        x = np.array(x, dtype=np.float64, copy=True)
        if dout is None:
            numeric = _gc.numerical_gradient(f, x, eps)
        else:
            numeric = _gc.numerical_gradient_wrt(f, x, np.asarray(dout, dtype=np.float64), eps)
        got = as_answer_array(got, what, numeric.shape)
        if not np.all(np.isfinite(got)):
            raise _Fail(f"{what}: the gradient contains NaN or infinity")
        scale = np.maximum(np.abs(got) + np.abs(numeric), 1e-8)
        rel = np.abs(got - numeric) / scale
        rel[np.abs(got - numeric) <= atol] = 0.0
        if rel.size and np.max(rel) > tol:
            idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(rel)), rel.shape))
            raise _Fail(f"{what}: gradient wrong at index {idx}: central differences give "
                        f"{numeric[idx]:.8g}, got {got[idx]:.8g} (relative error {rel[idx]:.2g})")

    scope = {
        "np": np, "nnlib": nnlib, "rng": np.random.default_rng(job["seed"]),
        "ask": ask, "ask_raises": ask_raises, "fetch": fetch, "Handle": Handle,
        "fail": fail, "expect": expect, "expect_close": expect_close, "expect_shape": expect_shape,
        "expect_gradient": expect_gradient, "numerical_gradient": _gc.numerical_gradient,
        "numerical_gradient_wrt": _gc.numerical_gradient_wrt, "rel_error": _gc.rel_error,
        "__builtins__": builtins,
    }
    try:
        exec(compile(job["code"], "<hidden test>", "exec"), scope)
        verdict = ("verdict", True, "all hidden checks passed")
    except _Fail as exc:
        verdict = ("verdict", False, str(exc))
    except _StudentRaised as exc:
        verdict = ("verdict", False, str(exc))
    except EOFError:
        return
    except Exception as exc:  # a bug in the judge code itself: fail loudly, but say whose fault it is
        import traceback

        traceback.print_exc()
        verdict = ("verdict", False, f"internal grader error ({_describe_exception(exc)}); tell your instructor")
    _send(stdout, verdict)


if __name__ == "__main__" and len(sys.argv) >= 2 and sys.argv[1] == "--judge":
    _judge_main()
