"""Plausible wrong answers for exercise 09_practical_tips; each must lose the points of the tasks in `loses`.

Loaded by tests/grading_harness.py (WrongAnswer is provided there).
"""

_L2_HEAD = "def l2_penalty(params, lam):\n"
_ES_HEAD = "def early_stopping_epoch(val_losses, patience):\n"

# Task 4: whole-cell wrong answers, each a NumPy training set-up like the solution's, changed in one way.
_DIGITS_BODY = '''    rng = np.random.default_rng(0)
    W1 = rng.normal(0.0, np.sqrt(2.0 / 64), size=(64, 128))
    b1 = np.zeros(128)
    W2 = rng.normal(0.0, np.sqrt(2.0 / 128), size=(128, 10))
    b2 = np.zeros(10)
    params = [W1, b1, W2, b2]
    velocity = [np.zeros_like(p) for p in params]
    for epoch in range(30):
        order = rng.permutation(len(X))
        for start in range(0, len(X), 32):
            idx = order[start:start + 32]
            xb, yb, B = X[idx], y[idx], len(idx)
            z1 = xb @ W1 + b1
            h = np.maximum(z1, 0.0)
            scores = h @ W2 + b2
            probs = np.exp(scores - scores.max(axis=1, keepdims=True))
            probs /= probs.sum(axis=1, keepdims=True)
            probs[np.arange(B), yb] -= 1.0
            dscores = probs / B
            dz1 = (dscores @ W2.T) * (z1 > 0)
            grads = [xb.T @ dz1, dz1.sum(axis=0), h.T @ dscores, dscores.sum(axis=0)]
            for param, grad, v in zip(params, grads, velocity):
                v *= 0.9
                v -= 0.05 * grad
                param += v
'''

_DIGITS_NO_SCALING = ('''def train_digits_classifier(X_train, y_train):
    X = np.asarray(X_train, dtype=float)  # forgot to scale the 0..16 intensities
    y = np.asarray(y_train).astype(int)
''' + _DIGITS_BODY + '''
    def predict(X_new):
        return (np.maximum(np.asarray(X_new, dtype=float) @ W1 + b1, 0.0) @ W2 + b2).argmax(axis=1)

    return predict
''')

_DIGITS_SKLEARN = ('''def train_digits_classifier(X_train, y_train):
    from sklearn.datasets import load_digits
    data = load_digits()                     # "more data is better": all 1,797 digits, ignoring X_train
    X, y = data.data / 16.0, data.target
''' + _DIGITS_BODY + '''
    def predict(X_new):
        return (np.maximum(np.asarray(X_new, dtype=float) / 16.0 @ W1 + b1, 0.0) @ W2 + b2).argmax(axis=1)

    return predict
''')

WRONG_ANSWERS = [
    # Task 1: min-max scaling
    WrongAnswer("minmax_transform: recomputes min and max from X instead of using lo, hi", cell="minmax",
                old="    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)\n",
                new="    X = np.asarray(X, dtype=float)\n    lo, hi = X.min(axis=0), X.max(axis=0)\n",
                loses=["test_minmax"]),
    WrongAnswer("minmax_transform: divides by hi instead of hi - lo", cell="minmax",
                old="np.where(hi > lo, hi - lo, 1.0)", new="np.where(hi != 0, hi, 1.0)", loses=["test_minmax"]),
    WrongAnswer("minmax_transform: constant columns divide by zero", cell="minmax",
                old="np.where(hi > lo, hi - lo, 1.0)", new="hi - lo", loses=["test_minmax"]),
    WrongAnswer("minmax_transform: clips the result to [0, 1]", cell="minmax",
                old="return (np.asarray(X, dtype=float) - lo) / span",
                new="return np.clip((np.asarray(X, dtype=float) - lo) / span, 0.0, 1.0)", loses=["test_minmax"]),
    WrongAnswer("minmax_transform: a constant column maps to 0 for every input, test data too", cell="minmax",
                old="return (np.asarray(X, dtype=float) - lo) / span",
                new="return np.where(hi > lo, (np.asarray(X, dtype=float) - lo) / span, 0.0)", loses=["test_minmax"]),
    WrongAnswer("minmax_fit: statistics of each row (axis=1) instead of each column", cell="minmax",
                old="return X_train.min(axis=0), X_train.max(axis=0)",
                new="return X_train.min(axis=1), X_train.max(axis=1)", loses=["test_minmax"]),
    WrongAnswer("scale_split: fits the scaler on training and test data together", cell="minmax",
                old="    lo, hi = minmax_fit(X_train)\n",
                new="    lo, hi = minmax_fit(np.concatenate([X_train, X_test]))\n", loses=["test_minmax"]),
    WrongAnswer("scale_split: fits a separate scaler on the test data", cell="minmax",
                old="return minmax_transform(X_train, lo, hi), minmax_transform(X_test, lo, hi)",
                new="return minmax_transform(X_train, lo, hi), minmax_transform(X_test, *minmax_fit(X_test))",
                loses=["test_minmax"]),
    WrongAnswer("minmax_transform: subtracts lo in place (modifies the input)", cell="minmax",
                old="    return (np.asarray(X, dtype=float) - lo) / span\n",
                new="    X -= lo\n    return X / span\n", loses=["test_minmax"]),

    # Task 2: the L2 penalty
    WrongAnswer("l2_penalty: forgot the 1/2 in the value", cell="l2_penalty",
                old="value += 0.5 * lam * ", new="value += lam * ", loses=["test_l2_penalty"]),
    WrongAnswer("l2_penalty: consistent pair without the 1/2 (value lam*sum W^2, gradient 2 lam W)",
                cell="l2_penalty", new=_L2_HEAD + (
                    "    value = sum(lam * float(np.sum(W ** 2)) for k, W in params.items() if k.startswith('W'))\n"
                    "    grads = {k: (2 * lam * W if k.startswith('W') else np.zeros_like(W)) for k, W in params.items()}\n"
                    "    return value, grads\n"), loses=["test_l2_penalty"]),
    WrongAnswer("l2_penalty: penalises the biases too", cell="l2_penalty", new=_L2_HEAD + (
        "    value = sum(lam / 2 * float(np.sum(A ** 2)) for A in params.values())\n"
        "    grads = {k: lam * A for k, A in params.items()}\n"
        "    return value, grads\n"), loses=["test_l2_penalty"]),
    WrongAnswer("l2_penalty: gradient lam * sign(W), the L1 gradient", cell="l2_penalty",
                old="grads[name] = lam * array", new="grads[name] = lam * np.sign(array)", loses=["test_l2_penalty"]),
    WrongAnswer("l2_penalty: gradient lam, forgot the W", cell="l2_penalty",
                old="grads[name] = lam * array", new="grads[name] = np.full_like(array, lam)",
                loses=["test_l2_penalty"]),
    WrongAnswer("l2_penalty: no entries for the biases in grads", cell="l2_penalty",
                old="            grads[name] = np.zeros_like(array)\n", new="            pass\n",
                loses=["test_l2_penalty"]),
    WrongAnswer("l2_penalty: mean of the squares instead of the sum", cell="l2_penalty",
                old="float(np.sum(array * array))", new="float(np.mean(array * array))", loses=["test_l2_penalty"]),
    WrongAnswer("l2_penalty: weight decay applied to params in place", cell="l2_penalty", new=_L2_HEAD + (
        "    value, grads = 0.0, {}\n"
        "    for name, W in params.items():\n"
        "        if name.startswith('W'):\n"
        "            value += lam / 2 * float(np.sum(W * W))\n"
        "            W *= lam\n"
        "            grads[name] = W\n"
        "        else:\n"
        "            grads[name] = np.zeros_like(W)\n"
        "    return value, grads\n"), loses=["test_l2_penalty"]),

    # Task 3: early stopping
    WrongAnswer("early_stopping: a tie counts as an improvement (<=)", cell="early_stopping",
                old="if val_losses[epoch] < val_losses[best]:", new="if val_losses[epoch] <= val_losses[best]:",
                loses=["test_early_stopping"]),
    WrongAnswer("early_stopping: best epoch = argmin over all epochs, even those after the stop",
                cell="early_stopping", old="            return best, epoch\n",
                new="            return int(np.argmin(val_losses)), epoch\n", loses=["test_early_stopping"]),
    WrongAnswer("early_stopping: off by one, stops one epoch late (> patience)", cell="early_stopping",
                old="elif epoch - best == patience:", new="elif epoch - best > patience:",
                loses=["test_early_stopping"]),
    WrongAnswer("early_stopping: off by one, stops one epoch early", cell="early_stopping",
                old="elif epoch - best == patience:", new="elif epoch - best == patience - 1:",
                loses=["test_early_stopping"]),
    WrongAnswer("early_stopping: patience counts epochs worse than the previous epoch, not than the best",
                cell="early_stopping", new=_ES_HEAD + (
                    "    best, wait = 0, 0\n"
                    "    for epoch in range(1, len(val_losses)):\n"
                    "        if val_losses[epoch] < val_losses[best]:\n"
                    "            best = epoch\n"
                    "        if val_losses[epoch] < val_losses[epoch - 1]:\n"
                    "            wait = 0\n"
                    "        else:\n"
                    "            wait += 1\n"
                    "        if wait == patience:\n"
                    "            return best, epoch\n"
                    "    return best, len(val_losses) - 1\n"), loses=["test_early_stopping"]),
    WrongAnswer("early_stopping: returns E instead of E - 1 when training runs to the end", cell="early_stopping",
                old="return best, len(val_losses) - 1", new="return best, len(val_losses)",
                loses=["test_early_stopping"]),

    # Task 4: the digit classifier
    WrongAnswer("digits: no input scaling; at lr 0.05 with momentum the raw 0..16 intensities train badly",
                cell="train_digits_classifier", new=_DIGITS_NO_SCALING, loses=["test_train_digits_classifier"]),
    WrongAnswer("digits: trains on a hard-coded load of scikit-learn's digits, ignoring X_train",
                cell="train_digits_classifier", new=_DIGITS_SKLEARN, loses=["test_train_digits_classifier"]),
    WrongAnswer("digits: one epoch only", cell="train_digits_classifier",
                old="epochs, batch_size, base_lr, momentum, weight_decay = 30, ",
                new="epochs, batch_size, base_lr, momentum, weight_decay = 1, ", loses=["test_train_digits_classifier"]),
    WrongAnswer("digits: argmax over the wrong axis in predict", cell="train_digits_classifier",
                old="scores.argmax(axis=1)", new="scores.argmax(axis=0)", loses=["test_train_digits_classifier"]),
    WrongAnswer("digits: predict returns probabilities instead of labels", cell="train_digits_classifier",
                old="return scores.argmax(axis=1)",
                new="e = np.exp(scores - scores.max(axis=1, keepdims=True))\n        return e / e.sum(axis=1, keepdims=True)",
                loses=["test_train_digits_classifier"]),
    WrongAnswer("digits: returns the trained weights instead of a predict function", cell="train_digits_classifier",
                old="    return predict\n", new="    return W1, b1, W2, b2\n", loses=["test_train_digits_classifier"]),
    WrongAnswer("digits: forgot to subtract the one-hot labels in the loss gradient", cell="train_digits_classifier",
                old="            probs[np.arange(B), yb] -= 1.0\n", new="", loses=["test_train_digits_classifier"]),
    WrongAnswer("digits: gradient ascent (the update's sign flipped)", cell="train_digits_classifier",
                old="v -= lr * grad", new="v += lr * grad", loses=["test_train_digits_classifier"]),
    WrongAnswer("digits: softmax normalised over the batch (axis=0) instead of over the classes",
                cell="train_digits_classifier",
                old="probs /= probs.sum(axis=1, keepdims=True)", new="probs /= probs.sum(axis=0, keepdims=True)",
                loses=["test_train_digits_classifier"]),
    WrongAnswer("digits: scales X_train in place", cell="train_digits_classifier",
                old="X = np.asarray(X_train, dtype=float) / 16.0  # pixel intensities 0..16 -> [0, 1]",
                new="X = np.asarray(X_train, dtype=float)\n    X /= 16.0", loses=["test_train_digits_classifier"]),
]
