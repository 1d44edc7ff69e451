"""Plausible wrong answers for exercise 03_loss_functions; each must lose the points of the tasks in `loses`.

Every loss is a pair X_forward / X_backward in one solution cell; a mistake may be in either function.
Loaded by tests/grading_harness.py (WrongAnswer is provided there).
"""
# the solution's text between two lines that one mistake changes together (loss and gradient of one pair)
MSE_BETWEEN = """
    return float(loss), diff
    ### END SOLUTION


def mse_backward(dout, cache):
    \"\"\"dout: a number; cache: from mse_forward -> dpred, pred's shape.\"\"\"
    ### BEGIN SOLUTION
    diff = cache
    """
BCE_TAIL = """
    ### END SOLUTION


def bce_backward(dout, cache):
    \"\"\"dout: a number; cache: from bce_forward -> dpred, p's shape.\"\"\"
    ### BEGIN SOLUTION
"""
BCE_BETWEEN = ("y * log_p + (1.0 - y) * log_1mp)\n    return float(loss), (p, y)" + BCE_TAIL
               + "    p, y = cache\n    dp = (p - y) / np.maximum(p * (1.0 - p), ")

WRONG_ANSWERS = [
    # Task 1: mse_forward, mse_backward
    WrongAnswer("mse: gradient without the 1/M of the mean", cell="mse",
                old="dpred = 2.0 * diff / diff.size", new="dpred = 2.0 * diff", loses=["test_mse"]),
    WrongAnswer("mse: sum instead of mean, in the loss and the gradient (a consistent pair)", cell="mse",
                old="loss = np.mean(diff ** 2)" + MSE_BETWEEN + "dpred = 2.0 * diff / diff.size",
                new="loss = np.sum(diff ** 2)" + MSE_BETWEEN + "dpred = 2.0 * diff", loses=["test_mse"]),
    WrongAnswer("mse: gradient sign flipped, 2 (target - pred) / M (diff = target - pred)", cell="mse",
                old="diff = pred - target", new="diff = target - pred", loses=["test_mse"]),
    WrongAnswer("mse: forgot the factor 2 of the square's derivative", cell="mse",
                old="dpred = 2.0 * diff / diff.size", new="dpred = diff / diff.size", loses=["test_mse"]),
    WrongAnswer("mse: mean over the batch only (sums the D outputs)", cell="mse",
                old="loss = np.mean(diff ** 2)", new="loss = np.mean(np.sum(diff ** 2, axis=-1))",
                loses=["test_mse"]),
    WrongAnswer("mse: loss averaged per column, returns an array instead of a float", cell="mse",
                old="    loss = np.mean(diff ** 2)\n    return float(loss), diff",
                new="    loss = np.mean(diff ** 2, axis=0)\n    return loss, diff", loses=["test_mse"]),
    WrongAnswer("mse: gradient divided by the number of rows N instead of all M entries", cell="mse",
                old="dpred = 2.0 * diff / diff.size", new="dpred = 2.0 * diff / diff.shape[0]", loses=["test_mse"]),
    WrongAnswer("mse: subtracts in place, pred -= target (modifies the caller's array)", cell="mse",
                old="    diff = pred - target\n", new="    pred -= target\n    diff = pred\n", loses=["test_mse"]),
    WrongAnswer("mse: backward ignores dout", cell="mse",
                old="return dout * dpred", new="return dpred", loses=["test_mse"]),
    WrongAnswer("mse: backward scales the cache in place (diff *= 2 / M): a second backward is wrong", cell="mse",
                old="    dpred = 2.0 * diff / diff.size\n",
                new="    diff *= 2.0 / diff.size\n    dpred = diff\n", loses=["test_mse"]),
    # Task 2: bce_forward, bce_backward
    WrongAnswer("bce: gradient sign flipped, (y - p) / (p (1 - p)) / N", cell="bce",
                old="dp = (p - y) /", new="dp = (y - p) /", loses=["test_bce"]),
    WrongAnswer("bce: gradient without the 1/N", cell="bce",
                old="np.maximum(p * (1.0 - p), 1e-12) / p.size", new="np.maximum(p * (1.0 - p), 1e-12)",
                loses=["test_bce"]),
    WrongAnswer("bce: the logit's gradient (p - y) / N given as the probability's gradient", cell="bce",
                old="dp = (p - y) / np.maximum(p * (1.0 - p), 1e-12) / p.size", new="dp = (p - y) / p.size",
                loses=["test_bce"]),
    WrongAnswer("bce: log(p) without clamping (-inf, then 0 * -inf = nan at p = 0 or 1)", cell="bce",
                old="    log_p = np.log(np.maximum(p, tiny))\n    log_1mp = np.log(np.maximum(1.0 - p, tiny))",
                new="    log_p = np.log(p)\n    log_1mp = np.log(1.0 - p)", loses=["test_bce"]),
    WrongAnswer("bce: p clipped to [1e-7, 1 - 1e-7] (Keras' epsilon) instead of logs clamped at -100", cell="bce",
                old="    log_p = np.log(np.maximum(p, tiny))\n    log_1mp = np.log(np.maximum(1.0 - p, tiny))",
                new="    pc = np.clip(p, 1e-7, 1 - 1e-7)\n    log_p = np.log(pc)\n    log_1mp = np.log(1.0 - pc)",
                loses=["test_bce"]),
    WrongAnswer("bce: forgot the minus sign of the loss", cell="bce",
                old="loss = -np.mean(", new="loss = np.mean(", loses=["test_bce"]),
    WrongAnswer("bce: sum instead of mean, in the loss and the gradient (a consistent pair)", cell="bce",
                old="loss = -np.mean(" + BCE_BETWEEN + "1e-12) / p.size",
                new="loss = -np.sum(" + BCE_BETWEEN + "1e-12)", loses=["test_bce"]),
    WrongAnswer("bce: gradient -y/p + (1-y)/(1-p) with no guard: inf/nan at p = 0 or 1", cell="bce",
                old="dp = (p - y) / np.maximum(p * (1.0 - p), 1e-12) / p.size",
                new="dp = (-y / p + (1.0 - y) / (1.0 - p)) / p.size", loses=["test_bce"]),
    WrongAnswer("bce: backward ignores dout", cell="bce",
                old="return dout * dp", new="return dp", loses=["test_bce"]),
    WrongAnswer("bce: the last forward's inputs kept in a global, not in the cache", cell="bce",
                old="    return float(loss), (p, y)" + BCE_TAIL + "    p, y = cache\n",
                new="    global last_inputs\n    last_inputs = (p, y)\n    return float(loss), None" + BCE_TAIL
                    + "    p, y = last_inputs\n", loses=["test_bce"]),
    # Task 3: bce_with_logits_forward, bce_with_logits_backward
    WrongAnswer("bce_with_logits: sigmoid first, then clamped BCE (wrong at large |z|)", cell="bce_with_logits",
                old="    loss = np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))\n",
                new="    p = 1.0 / (1.0 + np.exp(-z))\n"
                    "    loss = -np.mean(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log(1 - p), -100))\n",
                loses=["test_bce_with_logits"]),
    WrongAnswer("bce_with_logits: naive softplus log(1 + exp(-z)) overflows at z = -1000", cell="bce_with_logits",
                old="np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))",
                new="np.mean((1.0 - y) * z + np.log(1.0 + np.exp(-z)))", loses=["test_bce_with_logits"]),
    WrongAnswer("bce_with_logits: gradient without the 1/N", cell="bce_with_logits",
                old="dz = (sig - y) / z.size", new="dz = sig - y", loses=["test_bce_with_logits"]),
    WrongAnswer("bce_with_logits: gradient sign flipped", cell="bce_with_logits",
                old="dz = (sig - y) / z.size", new="dz = (y - sig) / z.size", loses=["test_bce_with_logits"]),
    WrongAnswer("bce_with_logits: chain rule applied twice, (sigmoid - y) sigmoid' / N", cell="bce_with_logits",
                old="dz = (sig - y) / z.size", new="dz = (sig - y) * sig * (1.0 - sig) / z.size",
                loses=["test_bce_with_logits"]),
    WrongAnswer("bce_with_logits: the probability's gradient (p - y) / (p (1 - p)) / N", cell="bce_with_logits",
                old="dz = (sig - y) / z.size", new="dz = (sig - y) / np.maximum(sig * (1.0 - sig), 1e-12) / z.size",
                loses=["test_bce_with_logits"]),
    WrongAnswer("bce_with_logits: drops the max(z, 0) term (right only for z <= 0)", cell="bce_with_logits",
                old="np.mean(np.maximum(z, 0.0) - z * y +", new="np.mean(- z * y +",
                loses=["test_bce_with_logits"]),
    WrongAnswer("bce_with_logits: backward ignores dout", cell="bce_with_logits",
                old="return dout * dz", new="return dz", loses=["test_bce_with_logits"]),
    # Task 4: softmax
    WrongAnswer("softmax: forgot to subtract the max (overflow: nan at logits of 1e4)", cell="softmax",
                old="np.exp(z - np.max(z, axis=1, keepdims=True))", new="np.exp(z)", loses=["test_softmax"]),
    WrongAnswer("softmax: over axis 0 (columns sum to 1 instead of rows)", cell="softmax",
                old="    e = np.exp(z - np.max(z, axis=1, keepdims=True))\n"
                    "    return e / np.sum(e, axis=1, keepdims=True)",
                new="    e = np.exp(z - np.max(z, axis=0, keepdims=True))\n"
                    "    return e / np.sum(e, axis=0, keepdims=True)",
                loses=["test_softmax"]),
    WrongAnswer("softmax: subtracts the global max, not each row's (0/0 on rows far below it)", cell="softmax",
                old="np.exp(z - np.max(z, axis=1, keepdims=True))", new="np.exp(z - np.max(z))",
                loses=["test_softmax"]),
    WrongAnswer("softmax: max without keepdims (broadcasts along the wrong axis)", cell="softmax",
                old="np.exp(z - np.max(z, axis=1, keepdims=True))", new="np.exp(z - np.max(z, axis=1))",
                loses=["test_softmax"]),
    WrongAnswer("softmax: normalised by the sum of the whole batch", cell="softmax",
                old="return e / np.sum(e, axis=1, keepdims=True)", new="return e / np.sum(e)",
                loses=["test_softmax"]),
    WrongAnswer("softmax: forgot to normalise (returns the exponentials)", cell="softmax",
                old="return e / np.sum(e, axis=1, keepdims=True)", new="return e", loses=["test_softmax"]),
    WrongAnswer("softmax: sum without keepdims (divides row n by the sum of row k)", cell="softmax",
                old="return e / np.sum(e, axis=1, keepdims=True)", new="return e / np.sum(e, axis=1)",
                loses=["test_softmax"]),
    # Task 5: softmax_cross_entropy_forward, softmax_cross_entropy_backward
    WrongAnswer("ce: gradient (p - y) without the 1/N", cell="softmax_cross_entropy",
                old="return dout * dz / N", new="return dout * dz", loses=["test_softmax_cross_entropy"]),
    WrongAnswer("ce: gradient divided by N*C (the mean over all entries)", cell="softmax_cross_entropy",
                old="return dout * dz / N", new="return dout * dz / probs.size", loses=["test_softmax_cross_entropy"]),
    WrongAnswer("ce: gradient sign flipped, (y - p) / N", cell="softmax_cross_entropy",
                old="return dout * dz / N", new="return -dout * dz / N", loses=["test_softmax_cross_entropy"]),
    WrongAnswer("ce: forgot to subtract the max (overflow at logits of 1e4)", cell="softmax_cross_entropy",
                old="shifted = z - np.max(z, axis=1, keepdims=True)", new="shifted = z",
                loses=["test_softmax_cross_entropy"]),
    WrongAnswer("ce: log of the (stable) softmax: log 0 = -inf when a probability underflows",
                cell="softmax_cross_entropy",
                old="    log_probs = (shifted\n"
                    "                 - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True)))\n",
                new="    e = np.exp(shifted)\n    log_probs = np.log(e / np.sum(e, axis=1, keepdims=True))\n",
                loses=["test_softmax_cross_entropy"]),
    WrongAnswer("ce: log(p + 1e-12): finite, but a loss capped near 27.6", cell="softmax_cross_entropy",
                old="    log_probs = (shifted\n"
                    "                 - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True)))\n",
                new="    e = np.exp(shifted)\n    log_probs = np.log(e / np.sum(e, axis=1, keepdims=True) + 1e-12)\n",
                loses=["test_softmax_cross_entropy"]),
    WrongAnswer("ce: p[:, labels] picks an N x N block instead of one entry per row", cell="softmax_cross_entropy",
                old="loss = -np.mean(log_probs[rows, y])", new="loss = -np.mean(log_probs[:, y])",
                loses=["test_softmax_cross_entropy"]),
    WrongAnswer("ce: one-hot built on the wrong axis, np.eye(C)[:, labels]", cell="softmax_cross_entropy",
                old="    dz = probs.copy()  # never write into the cache\n"
                    "    dz[np.arange(N), y] -= 1.0\n",
                new="    dz = probs - np.eye(probs.shape[1])[:, y]\n",
                loses=["test_softmax_cross_entropy"]),
    WrongAnswer("ce: softmax over axis 0", cell="softmax_cross_entropy",
                old="    shifted = z - np.max(z, axis=1, keepdims=True)\n"
                    "    log_probs = (shifted\n"
                    "                 - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True)))\n",
                new="    shifted = z - np.max(z, axis=0, keepdims=True)\n"
                    "    log_probs = (shifted\n"
                    "                 - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True)))\n",
                loses=["test_softmax_cross_entropy"]),
    WrongAnswer("ce: loss summed over the batch, gradient still averaged", cell="softmax_cross_entropy",
                old="loss = -np.mean(log_probs[rows, y])", new="loss = -np.sum(log_probs[rows, y])",
                loses=["test_softmax_cross_entropy"]),
    WrongAnswer("ce: modifies the caller's logits in place", cell="softmax_cross_entropy",
                old="    shifted = z - np.max(z, axis=1, keepdims=True)\n",
                new="    z -= np.max(z, axis=1, keepdims=True)\n    shifted = z\n",
                loses=["test_softmax_cross_entropy"]),
    WrongAnswer("ce: backward ignores dout", cell="softmax_cross_entropy",
                old="return dout * dz / N", new="return dz / N", loses=["test_softmax_cross_entropy"]),
    WrongAnswer("ce: backward writes into the cached probabilities (no copy): a second backward is wrong",
                cell="softmax_cross_entropy",
                old="dz = probs.copy()  # never write into the cache",
                new="dz = probs", loses=["test_softmax_cross_entropy"]),
]
