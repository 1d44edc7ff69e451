"""Plausible wrong answers for exercise 09_practical_tips; each must lose the points of the tasks in `loses`.

Loaded by tests/grading_harness.py (WrongAnswer is provided there).
"""

_L2_HEAD = "def l2_penalty(params, lam):\n"
_ES_HEAD = "def early_stopping_epoch(val_losses, patience):\n"
T4 = "test_train_digits_classifier"

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

    # Task 4: the capstone, assembled from the functions of exercises 2-8 (the helpers sit in Task 4's own cell,
    # so each mistake below is in the capstone's code and loses the capstone only)
    WrongAnswer("capstone: no input scaling (raw 0..16 intensities, same learning rate)",
                cell="train_digits_classifier", old="return np.asarray(images, dtype=float) / 16.0",
                new="return np.asarray(images, dtype=float)", loses=[T4]),
    WrongAnswer("capstone: relu_backward forgets the mask (passes dout through everywhere)",
                cell="train_digits_classifier", old="return dout * (cache > 0)", new="return dout", loses=[T4]),
    WrongAnswer("capstone: softmax cross-entropy gradient without subtracting the one-hot labels",
                cell="train_digits_classifier", old="    dpred[np.arange(len(target)), target] -= 1.0\n", new="",
                loses=[T4]),
    WrongAnswer("capstone: softmax cross-entropy gradient without the 1/B (a sum, not a mean, at the same lr)",
                cell="train_digits_classifier", old="return dout * dpred / len(target)", new="return dout * dpred",
                loses=[T4]),
    WrongAnswer("capstone: Momentum's step with its sign flipped (gradient ascent)",
                cell="train_digits_classifier", old="p -= self.lr * v", new="p += self.lr * v", loses=[T4]),
    WrongAnswer("capstone: iterate_minibatches shuffles the images but not their labels",
                cell="train_digits_classifier", old="batches.append((X[idx], y[idx]))",
                new="batches.append((X[idx], y[start:start + batch_size]))", loses=[T4]),
    WrongAnswer("capstone: weights initialised to zero instead of He (every hidden unit the same, and dead)",
                cell="train_digits_classifier",
                old="return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))",
                new="return np.zeros((fan_in, fan_out))", loses=[T4]),
    WrongAnswer("capstone: softmax normalised over the batch (axis=0) instead of over the classes",
                cell="train_digits_classifier", old="np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
                new="np.log(np.exp(shifted).sum(axis=0, keepdims=True))", loses=[T4]),
    WrongAnswer("capstone: one epoch only", cell="train_digits_classifier",
                old="epochs, base_lr, decay, noise = 60, ", new="epochs, base_lr, decay, noise = 1, ", loses=[T4]),
    WrongAnswer("capstone: predict forgets to scale the new images (trained on [0, 1], fed 0..16)",
                cell="train_digits_classifier", old="dense_forward(scale(X_new), W1, b1)",
                new="dense_forward(np.asarray(X_new, dtype=float), W1, b1)", loses=[T4]),
    WrongAnswer("capstone: predict returns probabilities instead of labels", cell="train_digits_classifier",
                old="return scores.argmax(axis=1)",
                new=("probs = np.exp(scores - scores.max(axis=1, keepdims=True))\n"
                     "        return probs / probs.sum(axis=1, keepdims=True)"), loses=[T4]),
    WrongAnswer("capstone: argmax over the wrong axis in predict", cell="train_digits_classifier",
                old="scores.argmax(axis=1)", new="scores.argmax(axis=0)", loses=[T4]),
    WrongAnswer("capstone: returns the trained weights instead of a predict function", cell="train_digits_classifier",
                old="    return predict\n", new="    return params\n", loses=[T4]),
    WrongAnswer("capstone: scales the images in place (X_train is modified)", cell="train_digits_classifier",
                old="        return np.asarray(images, dtype=float) / 16.0\n",
                new="        images /= 16.0\n        return images\n", loses=[T4]),
    WrongAnswer("capstone: trains on a fresh load of scikit-learn's digits, ignoring X_train and y_train",
                cell="train_digits_classifier", old="X, y = scale(X_train), np.asarray(y_train)",
                new=("from sklearn.datasets import load_digits\n"
                     "    X, y = load_digits(return_X_y=True)\n    X = scale(X)"),
                loses=[T4]),
]
