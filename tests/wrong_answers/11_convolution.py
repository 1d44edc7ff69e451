"""Plausible wrong answers for exercise 11_convolution; each must lose the points of the tasks in
`loses`.

Loaded by tests/grading_harness.py (WrongAnswer is provided there).  Tasks 2 and 3 grade the one
function conv2d_backward (Task 2 its dw and db, Task 3 its dx), so their wrong answers are mistakes
that return wrong values, not mistakes that raise (an answer that raises loses both tasks).
"""
T1, T2, T3, T4, T5 = ("test_conv2d_forward", "test_conv2d_backward_weights",
                      "test_conv2d_backward_input", "test_maxpool2d_forward",
                      "test_maxpool2d_backward")

FORWARD_SIZE = ("H_out = (H + 2 * pad - KH) // stride + 1\n"
                "    W_out = (W + 2 * pad - KW) // stride + 1")
POOL_SIZE = "H_out = (H - size) // stride + 1\n    W_out = (W - size) // stride + 1"
POOL_DEFAULT = "if stride is None:\n        stride = size"
TO_THE_MAX = "dx[n, c, top + row, left + col] += dout[:, :, i, j]"
WINDOW = "dx[:, :, top:top + size, left:left + size] += \\\n                "
DX_SPREAD = "dx_pad[:, :, top:top + KH, left:left + KW] += spread"

# Task 4: a whole cell that never resolves stride=None, and keeps None in the cache
_POOL_FORWARD_NONE_IN_CACHE = '''def maxpool2d_forward(x, size=2, stride=None):
    step = size if stride is None else stride
    N, C, H, W = x.shape
    H_out = (H - size) // step + 1
    W_out = (W - size) // step + 1
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            top, left = i * step, j * step
            window = x[:, :, top:top + size, left:left + size]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out, (x, size, stride)
'''

WRONG_ANSWERS = [
    # Task 1: conv2d_forward
    WrongAnswer("conv2d_forward: the kernel flipped (a true convolution, not a cross-correlation)",
                cell="conv2d_forward", old="w_rows = w.reshape(F, C * KH * KW)",
                new="w_rows = w[:, :, ::-1, ::-1].reshape(F, C * KH * KW)", loses=[T1]),
    WrongAnswer("conv2d_forward: the bias added to the whole output at the end (out + b lines b "
                "up with W_out, not F)", cell="conv2d_forward",
                old="@ w_rows.T + b\n    return out, (x, w, stride, pad)",
                new="@ w_rows.T\n    return out + b, (x, w, stride, pad)", loses=[T1]),
    WrongAnswer("conv2d_forward: the padding forgotten (x used as it is)", cell="conv2d_forward",
                old="x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
                new="x_pad = x", loses=[T1]),
    WrongAnswer("conv2d_forward: the padding added at the end only (2*pad zeros after the image)",
                cell="conv2d_forward", old="(pad, pad), (pad, pad)",
                new="(0, 2 * pad), (0, 2 * pad)", loses=[T1]),
    WrongAnswer("conv2d_forward: the stride ignored in the windows' positions",
                cell="conv2d_forward", old="top, left = i * stride, j * stride",
                new="top, left = i, j", loses=[T1]),
    WrongAnswer("conv2d_forward: the stride ignored in the output size", cell="conv2d_forward",
                old=FORWARD_SIZE,
                new="H_out = H + 2 * pad - KH + 1\n    W_out = W + 2 * pad - KW + 1", loses=[T1]),
    WrongAnswer("conv2d_forward: the output size rounded up (a partial window at the end)",
                cell="conv2d_forward", old=FORWARD_SIZE,
                new="H_out = -(-(H + 2 * pad - KH) // stride) + 1\n"
                    "    W_out = -(-(W + 2 * pad - KW) // stride) + 1", loses=[T1]),
    WrongAnswer("conv2d_forward: w reshaped to (C*KH*KW, F) without transposing (channels mixed "
                "across kernels)", cell="conv2d_forward",
                old="window.reshape(N, -1) @ w_rows.T + b",
                new="window.reshape(N, -1) @ w.reshape(-1, F) + b", loses=[T1]),
    WrongAnswer("conv2d_forward: the padded x kept in the cache", cell="conv2d_forward",
                old="return out, (x, w, stride, pad)", new="return out, (x_pad, w, stride, pad)",
                loses=[T1]),
    # Task 2: dw and db of conv2d_backward
    WrongAnswer("conv2d_backward: db not summed over the positions (i, j)",
                cell="conv2d_backward", old="db = dout.sum(axis=(0, 2, 3))",
                new="db = dout.sum(axis=0)", loses=[T2]),
    WrongAnswer("conv2d_backward: db averaged, not summed", cell="conv2d_backward",
                old="db = dout.sum(axis=(0, 2, 3))", new="db = dout.mean(axis=(0, 2, 3))",
                loses=[T2]),
    WrongAnswer("conv2d_backward: db summed over the wrong axes (one number per image)",
                cell="conv2d_backward", old="db = dout.sum(axis=(0, 2, 3))",
                new="db = dout.sum(axis=(1, 2, 3))", loses=[T2]),
    WrongAnswer("conv2d_backward: dw divided by the batch size", cell="conv2d_backward",
                old="dw_rows.reshape(w.shape), db", new="dw_rows.reshape(w.shape) / N, db",
                loses=[T2]),
    WrongAnswer("conv2d_backward: dw's rows (C*KH*KW, F) reshaped to w's shape without "
                "transposing", cell="conv2d_backward",
                old="dw_rows.reshape(w.shape), db", new="dw_rows.T.reshape(w.shape), db",
                loses=[T2]),
    WrongAnswer("conv2d_backward: dw flipped (a convolution, not a cross-correlation)",
                cell="conv2d_backward", old="dw_rows.reshape(w.shape), db",
                new="dw_rows.reshape(w.shape)[:, :, ::-1, ::-1], db", loses=[T2]),
    WrongAnswer("conv2d_backward: dout and the windows each summed over the batch before their "
                "product (a product of sums, not a sum of products)", cell="conv2d_backward",
                old="dw_rows += g.T @ window.reshape(N, -1)",
                new="dw_rows += np.outer(g.sum(axis=0), window.reshape(N, -1).sum(axis=0))",
                loses=[T2]),
    WrongAnswer("conv2d_backward: dw from windows one pixel apart (the stride ignored)",
                cell="conv2d_backward",
                old="window = x_pad[:, :, top:top + KH, left:left + KW]",
                new="window = x_pad[:, :, i:i + KH, j:j + KW]", loses=[T2]),
    WrongAnswer("conv2d_backward: dw assigned at each position instead of summed over them",
                cell="conv2d_backward", old="dw_rows += g.T", new="dw_rows = g.T", loses=[T2]),
    # Task 3: dx of conv2d_backward
    WrongAnswer("conv2d_backward: dx spread with the kernel turned by 180 degrees (the flip of "
                "the full convolution applied twice)", cell="conv2d_backward",
                old="spread = (g @ w_rows).reshape(N, C, KH, KW)",
                new="spread = (g @ w_rows).reshape(N, C, KH, KW)[:, :, ::-1, ::-1]",
                loses=[T3]),
    WrongAnswer("conv2d_backward: the padding not cropped off dx", cell="conv2d_backward",
                old="dx = dx_pad[:, :, pad:pad + H, pad:pad + W]", new="dx = dx_pad",
                loses=[T3]),
    WrongAnswer("conv2d_backward: the padding cropped off the end only", cell="conv2d_backward",
                old="dx = dx_pad[:, :, pad:pad + H, pad:pad + W]",
                new="dx = dx_pad[:, :, :H, :W]", loses=[T3]),
    WrongAnswer("conv2d_backward: dx spread over windows one pixel apart (the stride ignored)",
                cell="conv2d_backward", old=DX_SPREAD,
                new="dx_pad[:, :, i:i + KH, j:j + KW] += spread", loses=[T3]),
    WrongAnswer("conv2d_backward: overlapping windows' gradients assigned (=) instead of added",
                cell="conv2d_backward", old=DX_SPREAD,
                new="dx_pad[:, :, top:top + KH, left:left + KW] = spread", loses=[T3]),
    WrongAnswer("conv2d_backward: dx from w reshaped to (C*KH*KW, F) and transposed (channels "
                "mixed)", cell="conv2d_backward", old="spread = (g @ w_rows)",
                new="spread = (g @ w.reshape(-1, F).T)", loses=[T3]),
    # Task 4: maxpool2d_forward
    WrongAnswer("maxpool2d_forward: the stride ignored (always size)", cell="maxpool2d_forward",
                old=POOL_DEFAULT, new="stride = size", loses=[T4]),
    WrongAnswer("maxpool2d_forward: the default stride taken as 1, not size",
                cell="maxpool2d_forward", old=POOL_DEFAULT,
                new="if stride is None:\n        stride = 1", loses=[T4]),
    WrongAnswer("maxpool2d_forward: the mean of each window (average pooling)",
                cell="maxpool2d_forward", old="window.max(axis=(2, 3))",
                new="window.mean(axis=(2, 3))", loses=[T4]),
    WrongAnswer("maxpool2d_forward: the output size H // stride", cell="maxpool2d_forward",
                old=POOL_SIZE, new="H_out = H // stride\n    W_out = W // stride", loses=[T4]),
    WrongAnswer("maxpool2d_forward: windows one pixel apart (the stride ignored in the "
                "positions)", cell="maxpool2d_forward",
                old="top, left = i * stride, j * stride", new="top, left = i, j", loses=[T4]),
    WrongAnswer("maxpool2d_forward: stride=None kept in the cache", cell="maxpool2d_forward",
                new=_POOL_FORWARD_NONE_IN_CACHE, loses=[T4]),
    # Task 5: maxpool2d_backward
    WrongAnswer("maxpool2d_backward: the gradient sent to every pixel of the window",
                cell="maxpool2d_backward", old=TO_THE_MAX,
                new=WINDOW + "dout[:, :, i, j][:, :, None, None]", loses=[T5]),
    WrongAnswer("maxpool2d_backward: the gradient shared equally by the window (average "
                "pooling)", cell="maxpool2d_backward", old=TO_THE_MAX,
                new=WINDOW + "dout[:, :, i, j][:, :, None, None] / size ** 2", loses=[T5]),
    WrongAnswer("maxpool2d_backward: a mask of the maxima (every maximum of a tie gets the "
                "gradient)", cell="maxpool2d_backward", old=TO_THE_MAX,
                new="mask = window == window.max(axis=(2, 3), keepdims=True)\n            "
                    + WINDOW + "mask * dout[:, :, i, j][:, :, None, None]", loses=[T5]),
    WrongAnswer("maxpool2d_backward: on a tie, the last maximum", cell="maxpool2d_backward",
                old="first = window.reshape(N, C, size * size).argmax(axis=2)",
                new="flat = window.reshape(N, C, size * size)[:, :, ::-1]\n"
                    "            first = size * size - 1 - flat.argmax(axis=2)", loses=[T5]),
    WrongAnswer("maxpool2d_backward: overlapping windows' gradients assigned (=) instead of "
                "added", cell="maxpool2d_backward", old=TO_THE_MAX,
                new="dx[n, c, top + row, left + col] = dout[:, :, i, j]", loses=[T5]),
    WrongAnswer("maxpool2d_backward: the maximum's row and column swapped",
                cell="maxpool2d_backward", old="row, col = first // size, first % size",
                new="row, col = first % size, first // size", loses=[T5]),
    WrongAnswer("maxpool2d_backward: dout left out (1 to every maximum)",
                cell="maxpool2d_backward", old=TO_THE_MAX,
                new="dx[n, c, top + row, left + col] += 1.0", loses=[T5]),
    WrongAnswer("maxpool2d_backward: windows assumed side by side (stride taken as size)",
                cell="maxpool2d_backward", old="top, left = i * stride, j * stride",
                new="top, left = i * size, j * size", loses=[T5]),
    WrongAnswer("maxpool2d_backward: dx = x, then zeroed (x changed in place)",
                cell="maxpool2d_backward", old="dx = np.zeros(x.shape)",
                new="dx = x\n    dx[:] = 0.0", loses=[T5]),
]
