"""Convolution and max-pooling as forward/backward pairs and Modules.
Images come in batches (N, C, H, W), as in PyTorch: N images of C
channels, H rows and W columns. A convolution here is a cross-correlation,
as in PyTorch: the kernel slides over the image unflipped."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .checks import as_float, check_positive
from .init import init_weights
from .module import Module, Parameter


def _out_size(size, kernel, stride, pad, where, names):
    """Positions of a kernel sliding over `size` + 2·pad pixels by `stride`.
    names, for errors: the kernel's and size's, e.g. ("w's KH", "x's H")."""
    padded = size + 2 * pad
    if padded < kernel:
        room = (f"{names[1]} = {size}" if not pad else
                f"{names[1]} + 2·pad = {size} + 2·{pad} = {padded}")
        raise ValueError(f"{where}: {names[0]} must be at most {room}, "
                         f"got {kernel}")
    return (padded - kernel) // stride + 1


def windows_of(x, kh, kw, stride, pad=0):
    """Every (kh, kw) window of every image. x: (N, C, H, W). Returns: a
    read-only view (N, C, H_out, W_out, kh, kw) of x padded with `pad` zeros
    on each side; [n, c, i, j] is the window whose top-left corner is at
    row stride·i and column stride·j."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))
    return windows[:, :, ::stride, ::stride]


def im2col(x, kh, kw, stride, pad):
    """The windows of x as the rows of a matrix. x: (N, C, H, W). Returns:
    cols (N·H_out·W_out, C·kh·kw): a row per (image, output position)."""
    win = windows_of(x, kh, kw, stride, pad)  # (N, C, H_out, W_out, kh, kw)
    N, C, H_out, W_out = win.shape[:4]
    rows = win.transpose(0, 2, 3, 1, 4, 5)    # (N, H_out, W_out, C, kh, kw)
    return rows.reshape(N * H_out * W_out, C * kh * kw)


def _check_conv(x, w, b, stride, pad, where):
    w = as_float(w, "w", where, shape=("F", "C", "KH", "KW"))
    x = as_float(x, "x", where, shape=("N", w.shape[1], "H", "W"))
    b = as_float(b, "b", where, shape=(w.shape[0],))
    check_positive(stride, "stride", where, integer=True)
    if not (isinstance(pad, (int, np.integer)) and pad >= 0):
        raise ValueError(f"{where}: pad must be an int >= 0, got {pad!r}")
    return x, w.astype(x.dtype, copy=False), b.astype(x.dtype, copy=False)


def conv2d_forward(x, w, b, stride=1, pad=0):
    """out[n, f] = b[f] + Σ_c (x[n, c] padded) ⋆ w[f, c], where ⋆ is the
    cross-correlation. x: (N, C, H, W) float; w: (F, C, KH, KW), F kernels;
    b: (F,); w and b are used in x's dtype. stride: int >= 1. pad: int >= 0,
    zeros added on each side of every image.
    Returns: out (N, F, H_out, W_out), H_out = (H + 2·pad - KH) // stride + 1
    (W_out likewise); cache = (x, w, stride, pad)."""
    where = "conv2d_forward"
    x, w, b = _check_conv(x, w, b, stride, pad, where)
    (N, C, H, W), (F, _, KH, KW) = x.shape, w.shape
    H_out = _out_size(H, KH, stride, pad, where, ("w's KH", "x's H"))
    W_out = _out_size(W, KW, stride, pad, where, ("w's KW", "x's W"))
    cols = im2col(x, KH, KW, stride, pad)  # (N·H_out·W_out, C·KH·KW)
    out = cols @ w.reshape(F, -1).T + b    # a dense layer on every window
    out = out.reshape(N, H_out, W_out, F).transpose(0, 3, 1, 2)
    return out, (x, w, stride, pad)


def conv2d_backward(dout, cache):
    """dout: (N, F, H_out, W_out), d loss / d out. cache: (x, w, stride, pad).
    Returns: dx (N, C, H, W), dw (F, C, KH, KW), db (F,). As for a dense layer
    on the rows of im2col(x): dw = dout_rows.T @ cols, db = dout summed; each
    row of dcols = dout_rows @ w is added to its window's pixels (col2im)."""
    x, w, stride, pad = cache
    (N, C, H, W), (F, _, KH, KW) = x.shape, w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    dout = as_float(dout, "dout", "conv2d_backward",
                    shape=(N, F, H_out, W_out))
    # a row per (image, output position), as in im2col: (N·H_out·W_out, F)
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, F)
    cols = im2col(x, KH, KW, stride, pad)
    dw = (dout_rows.T @ cols).reshape(w.shape)
    db = dout_rows.sum(axis=0)
    dcols = (dout_rows @ w.reshape(F, -1)).reshape(N, H_out, W_out, C, KH, KW)
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=dout.dtype)
    for i in range(KH):  # kernel row i touched rows i, i+stride, ...
        for j in range(KW):
            dx_pad[:, :, i:i + stride * H_out:stride,
                   j:j + stride * W_out:stride] += \
                dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, db


def maxpool2d_forward(x, size=2, stride=None):
    """The maximum of every (size, size) window. x: (N, C, H, W) float.
    size: int >= 1. stride: int >= 1, default size (windows side by side).
    Returns: out (N, C, H_out, W_out), H_out = (H - size) // stride + 1 (W_out
    likewise); cache = (x, size, stride)."""
    where = "maxpool2d_forward"
    stride = size if stride is None else stride
    check_positive(size, "size", where, integer=True)
    check_positive(stride, "stride", where, integer=True)
    x = as_float(x, "x", where, shape=("N", "C", "H", "W"))
    _out_size(x.shape[2], size, stride, 0, where, ("size", "x's H"))
    _out_size(x.shape[3], size, stride, 0, where, ("size", "x's W"))
    out = windows_of(x, size, size, stride).max(axis=(4, 5))
    return out, (x, size, stride)


def maxpool2d_backward(dout, cache):
    """dout: (N, C, H_out, W_out). cache: (x, size, stride).
    Returns: dx (N, C, H, W): each window's dout goes to its maximum (the
    first, row by row, on a tie), 0 elsewhere; overlapping windows add up."""
    x, size, stride = cache
    # every window: (N, C, H_out, W_out, size, size)
    win = windows_of(x, size, size, stride)
    dout = as_float(dout, "dout", "maxpool2d_backward", shape=win.shape[:4])
    N, C, H_out, W_out = dout.shape
    where = win.reshape(N, C, H_out, W_out, size * size).argmax(axis=4)
    # the row and the column of each maximum, (N, C, H_out, W_out) each
    rows = stride * np.arange(H_out)[:, None] + where // size
    cols = stride * np.arange(W_out)[None, :] + where % size
    n, c = np.indices((N, C, H_out, W_out))[:2]
    dx = np.zeros_like(x, dtype=dout.dtype)
    np.add.at(dx, (n, c, rows, cols), dout)
    return dx


class Conv2d(Module):
    """A convolutional layer: out = conv2d_forward(x, W, b, stride, padding).
    in_channels C, out_channels F, kernel_size K: ints. init: as for Dense,
    with fan_in = C·K·K, fan_out = F (PyTorch's Xavier: fan_out = F·K·K).
    Parameters: W (F, C, K, K), as PyTorch's Conv2d.weight, named "W";
    b (F,), zeros, named "b". cache: that of the last forward."""

    def __init__(self, in_channels, out_channels, kernel_size, *, stride=1,
                 padding=0, init="he", rng=None, dtype=np.float64):
        ints = {"in_channels": in_channels, "kernel_size": kernel_size,
                "out_channels": out_channels, "stride": stride}
        for name, value in ints.items():
            check_positive(value, name, "Conv2d", integer=True)
        if not (isinstance(padding, (int, np.integer)) and padding >= 0):
            raise ValueError(f"Conv2d: padding must be an int >= 0, "
                             f"got {padding!r}")
        fan_in = in_channels * kernel_size * kernel_size
        W = init_weights(init, fan_in, out_channels, rng, dtype, "Conv2d")
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.W = Parameter(W.T.reshape(shape), "W")
        self.b = Parameter(np.zeros(out_channels, dtype=dtype), "b")
        self.stride, self.padding = stride, padding

    def forward(self, x):
        """x: (N, C, H, W). Returns: (N, F, H_out, W_out)."""
        out, self.cache = conv2d_forward(x, self.W.value, self.b.value,
                                         self.stride, self.padding)
        return out

    def backward(self, dout):
        """dout: (N, F, H_out, W_out). Adds to W.grad, b.grad. Returns: dx."""
        dx, dW, db = conv2d_backward(dout, self.saved())
        self.W.accumulate(dW)
        self.b.accumulate(db)
        return dx

    def __repr__(self):
        F, C, K, _ = self.W.shape
        return (f"Conv2d({C}, {F}, {K}, stride={self.stride}, "
                f"padding={self.padding})")


class MaxPool2d(Module):
    """Max-pooling over (size, size) windows, stride default size.
    No parameters."""

    def __init__(self, size=2, stride=None):
        check_positive(size, "size", "MaxPool2d", integer=True)
        if stride is not None:
            check_positive(stride, "stride", "MaxPool2d", integer=True)
        self.size, self.stride = size, stride

    def forward(self, x):
        """x: (N, C, H, W). Returns: (N, C, H_out, W_out)."""
        out, self.cache = maxpool2d_forward(x, self.size, self.stride)
        return out

    def backward(self, dout):
        """dout: (N, C, H_out, W_out). Returns: dx (N, C, H, W)."""
        return maxpool2d_backward(dout, self.saved())

    def __repr__(self):
        return f"MaxPool2d({self.size}, stride={self.stride or self.size})"

