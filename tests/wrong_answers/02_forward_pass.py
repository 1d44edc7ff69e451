"""Plausible wrong answers for exercise 02_forward_pass; each must lose the points of the tasks in `loses`.

Loaded by tests/grading_harness.py (WrongAnswer is provided there).
"""
WRONG_ANSWERS = [
    # Task 1: dense_forward
    WrongAnswer("dense_forward: transposed weight, x @ W.T (runs whenever W is square)", cell="dense_forward",
                old="x @ W + b", new="x @ W.T + b", loses=["test_dense_forward"]),
    WrongAnswer("dense_forward: bias as a column, added along the wrong axis (runs when N == M)",
                cell="dense_forward", old="x @ W + b", new="x @ W + b.reshape(-1, 1)", loses=["test_dense_forward"]),
    WrongAnswer("dense_forward: bias left out", cell="dense_forward", old="x @ W + b", new="x @ W",
                loses=["test_dense_forward"]),
    WrongAnswer("dense_forward: elementwise product summed over the wrong axis", cell="dense_forward",
                old="x @ W + b", new="(x[:, :, None] * W[None, :, :]).sum(axis=0) + b",
                loses=["test_dense_forward"]),
    WrongAnswer("dense_forward: returns out alone, without the cache", cell="dense_forward",
                old="return out, cache", new="return out", loses=["test_dense_forward"]),
    WrongAnswer("dense_forward: the cache in the wrong order, (W, x)", cell="dense_forward",
                old="cache = (x, W)", new="cache = (W, x)", loses=["test_dense_forward"]),
    WrongAnswer("dense_forward: the cache misses W, cache = (x,)", cell="dense_forward",
                old="cache = (x, W)", new="cache = (x,)", loses=["test_dense_forward"]),
    WrongAnswer("dense_forward: the cache holds the output instead of the input, (out, W)", cell="dense_forward",
                old="cache = (x, W)", new="cache = (out, W)", loses=["test_dense_forward"]),
    WrongAnswer("dense_forward: b kept in the cache too, (x, W, b)", cell="dense_forward",
                old="cache = (x, W)", new="cache = (x, W, b)", loses=["test_dense_forward"]),
    WrongAnswer("dense_forward: returns (cache, out), the pair in the wrong order", cell="dense_forward",
                old="return out, cache", new="return cache, out", loses=["test_dense_forward"]),
    WrongAnswer("dense_forward: output transposed, W.T @ x.T (shape (M, N))", cell="dense_forward",
                old="x @ W + b", new="W.T @ x.T + b[:, None]", loses=["test_dense_forward"]),
    # Task 2: mlp_forward
    WrongAnswer("mlp_forward: activation after the last layer too", cell="mlp_forward",
                old="        if i < len(params) - 1:\n            h = activation(h)",
                new="        h = activation(h)", loses=["test_mlp_forward"]),
    WrongAnswer("mlp_forward: activation never applied", cell="mlp_forward",
                old="        if i < len(params) - 1:\n            h = activation(h)",
                new="        pass", loses=["test_mlp_forward"]),
    WrongAnswer("mlp_forward: off by one, the last layer is skipped", cell="mlp_forward",
                old="enumerate(params)", new="enumerate(params[:-1])", loses=["test_mlp_forward"]),
    WrongAnswer("mlp_forward: off by one, activation skipped after the first layer instead of the last",
                cell="mlp_forward", old="if i < len(params) - 1:", new="if i > 0:", loses=["test_mlp_forward"]),
    WrongAnswer("mlp_forward: activation applied to the input before the first layer", cell="mlp_forward",
                old="    h = x\n", new="    h = activation(x)\n", loses=["test_mlp_forward"]),
    WrongAnswer("mlp_forward: every layer reads the network's input x", cell="mlp_forward",
                old="h = h @ W + b", new="h = x @ W + b", loses=["test_mlp_forward"]),
    WrongAnswer("mlp_forward: ReLU hard-coded instead of the given activation", cell="mlp_forward",
                old="h = activation(h)", new="h = np.maximum(h, 0.0)", loses=["test_mlp_forward"]),
    # Task 3: dense_forward_checked
    WrongAnswer("dense_forward_checked: assert instead of raise ValueError", cell="dense_forward_checked",
                new="def dense_forward_checked(x, W, b):\n"
                    "    assert x.ndim == 2, f'x must have shape (N, {W.shape[0]}), got {x.shape}'\n"
                    "    assert W.shape[0] == x.shape[1], f'W must have shape {(x.shape[1], W.shape[1])}, got {W.shape}'\n"
                    "    assert b.shape == (W.shape[1],), f'b must have shape {(W.shape[1],)}, got {b.shape}'\n"
                    "    return x @ W + b, (x, W)\n",
                loses=["test_dense_forward_checked"]),
    WrongAnswer("dense_forward_checked: messages name only the received shape", cell="dense_forward_checked",
                new="def dense_forward_checked(x, W, b):\n"
                    "    if x.ndim != 2:\n        raise ValueError(f'bad x shape {x.shape}')\n"
                    "    if W.shape[0] != x.shape[1]:\n        raise ValueError(f'bad W shape {W.shape}')\n"
                    "    if b.shape != (W.shape[1],):\n        raise ValueError(f'bad b shape {b.shape}')\n"
                    "    return x @ W + b, (x, W)\n",
                loses=["test_dense_forward_checked"]),
    WrongAnswer("dense_forward_checked: no check on b (broadcasting lets (1, M) and scalars through)",
                cell="dense_forward_checked",
                old="    if b.shape != (M,):\n        raise ValueError(f\"b must have shape {(M,)}, got {b.shape}\")\n",
                new="", loses=["test_dense_forward_checked"]),
    WrongAnswer("dense_forward_checked: checks b's size, not its shape", cell="dense_forward_checked",
                old="if b.shape != (M,):", new="if b.size != M:", loses=["test_dense_forward_checked"]),
    WrongAnswer("dense_forward_checked: compares the wrong axis of W with x", cell="dense_forward_checked",
                old="if W.shape != (x.shape[1], M):", new="if W.shape[1] != x.shape[1]:",
                loses=["test_dense_forward_checked"]),
    WrongAnswer("dense_forward_checked: no check that x is 2-D", cell="dense_forward_checked",
                old="    if x.ndim != 2:\n        raise ValueError(f\"x must have shape (N, {D}), got {x.shape}\")\n",
                new="", loses=["test_dense_forward_checked"]),
    WrongAnswer("dense_forward_checked: checks b before W (the wrong order)", cell="dense_forward_checked",
                new="def dense_forward_checked(x, W, b):\n"
                    "    D, M = W.shape[0], W.shape[1]\n"
                    "    if x.ndim != 2:\n        raise ValueError(f'x must have shape (N, {D}), got {x.shape}')\n"
                    "    if b.shape != (M,):\n        raise ValueError(f'b must have shape {(M,)}, got {b.shape}')\n"
                    "    if W.shape != (x.shape[1], M):\n"
                    "        raise ValueError(f'W must have shape {(x.shape[1], M)} for x of shape {x.shape}, got {W.shape}')\n"
                    "    return x @ W + b, (x, W)\n",
                loses=["test_dense_forward_checked"]),
    WrongAnswer("dense_forward_checked: returns out alone, without the cache", cell="dense_forward_checked",
                old="return x @ W + b, (x, W)", new="return x @ W + b", loses=["test_dense_forward_checked"]),
    WrongAnswer("dense_forward_checked: the cache in the wrong order, (W, x)", cell="dense_forward_checked",
                old="return x @ W + b, (x, W)", new="return x @ W + b, (W, x)",
                loses=["test_dense_forward_checked"]),
    WrongAnswer("dense_forward_checked: TypeError for a wrong bias", cell="dense_forward_checked",
                old='raise ValueError(f"b must', new='raise TypeError(f"b must', loses=["test_dense_forward_checked"]),
    # Task 4: count_parameters, layer_output_shapes
    WrongAnswer("count_parameters: biases forgotten", cell="network_shapes",
                old="(d_in + 1) * d_out", new="d_in * d_out", loses=["test_network_shapes"]),
    WrongAnswer("count_parameters: one bias per input instead of per neuron", cell="network_shapes",
                old="(d_in + 1) * d_out", new="d_in * (d_out + 1)", loses=["test_network_shapes"]),
    WrongAnswer("count_parameters: off by one, the last layer is left out", cell="network_shapes",
                old="zip(sizes[:-1], sizes[1:])", new="zip(sizes[:-2], sizes[1:-1])", loses=["test_network_shapes"]),
    WrongAnswer("layer_output_shapes: the input's shape is included", cell="network_shapes",
                old="for d_out in sizes[1:]]", new="for d_out in sizes]", loses=["test_network_shapes"]),
    WrongAnswer("layer_output_shapes: (width, batch) instead of (batch, width)", cell="network_shapes",
                old="(batch_size, d_out) for", new="(d_out, batch_size) for", loses=["test_network_shapes"]),
    WrongAnswer("layer_output_shapes: shapes of the weight matrices instead of the outputs", cell="network_shapes",
                old="[(batch_size, d_out) for d_out in sizes[1:]]",
                new="[(d_in, d_out) for d_in, d_out in zip(sizes[:-1], sizes[1:])]", loses=["test_network_shapes"]),
]
