"""Plausible wrong answers for exercise 06_vanishing_exploding; each must lose the points of the tasks in `loses`.

Loaded by tests/grading_harness.py (WrongAnswer is provided there).
"""
WRONG_ANSWERS = [
    # Task 1: xavier_uniform
    WrongAnswer("xavier_uniform: the standard deviation used as the bound (sqrt(3) missing)", cell="xavier_uniform",
                old="np.sqrt(6.0 / (fan_in + fan_out))", new="np.sqrt(2.0 / (fan_in + fan_out))",
                loses=["test_xavier_uniform"]),
    WrongAnswer("xavier_uniform: the variance used as the bound (no sqrt)", cell="xavier_uniform",
                old="np.sqrt(6.0 / (fan_in + fan_out))", new="6.0 / (fan_in + fan_out)",
                loses=["test_xavier_uniform"]),
    WrongAnswer("xavier_uniform: LeCun's fan-in bound sqrt(3 / fan_in)", cell="xavier_uniform",
                old="np.sqrt(6.0 / (fan_in + fan_out))", new="np.sqrt(3.0 / fan_in)",
                loses=["test_xavier_uniform"]),
    WrongAnswer("xavier_uniform: He's bound sqrt(6 / fan_in)", cell="xavier_uniform",
                old="np.sqrt(6.0 / (fan_in + fan_out))", new="np.sqrt(6.0 / fan_in)",
                loses=["test_xavier_uniform"]),
    WrongAnswer("xavier_uniform: a normal distribution with the right variance", cell="xavier_uniform",
                old="rng.uniform(-a, a, size=(fan_in, fan_out))",
                new="rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))",
                loses=["test_xavier_uniform"]),
    WrongAnswer("xavier_uniform: U(0, a) instead of U(-a, a)", cell="xavier_uniform",
                old="rng.uniform(-a, a, size=(fan_in, fan_out))", new="rng.uniform(0.0, a, size=(fan_in, fan_out))",
                loses=["test_xavier_uniform"]),
    WrongAnswer("xavier_uniform: shape (fan_out, fan_in)", cell="xavier_uniform",
                old="size=(fan_in, fan_out)", new="size=(fan_out, fan_in)", loses=["test_xavier_uniform"]),
    WrongAnswer("xavier_uniform: ignores rng (fresh randomness every call)", cell="xavier_uniform",
                old="rng = np.random.default_rng(rng)", new="rng = np.random.default_rng()",
                loses=["test_xavier_uniform"]),
    WrongAnswer("xavier_uniform: legacy global seeding (fails for a Generator)", cell="xavier_uniform",
                new="def xavier_uniform(fan_in, fan_out, rng):\n    np.random.seed(rng)\n"
                    "    a = np.sqrt(6.0 / (fan_in + fan_out))\n"
                    "    return np.random.uniform(-a, a, size=(fan_in, fan_out))\n",
                loses=["test_xavier_uniform"]),
    # Task 2: he_normal
    WrongAnswer("he_normal: variance 1/fan_in (the ReLU factor 2 forgotten)", cell="he_normal",
                old="np.sqrt(2.0 / fan_in)", new="np.sqrt(1.0 / fan_in)", loses=["test_he_normal"]),
    WrongAnswer("he_normal: the variance passed as the standard deviation (sqrt missing)", cell="he_normal",
                old="np.sqrt(2.0 / fan_in)", new="2.0 / fan_in", loses=["test_he_normal"]),
    WrongAnswer("he_normal: square root taken twice", cell="he_normal",
                old="np.sqrt(2.0 / fan_in)", new="np.sqrt(np.sqrt(2.0 / fan_in))", loses=["test_he_normal"]),
    WrongAnswer("he_normal: fan_out instead of fan_in", cell="he_normal",
                old="np.sqrt(2.0 / fan_in)", new="np.sqrt(2.0 / fan_out)", loses=["test_he_normal"]),
    WrongAnswer("he_normal: Xavier's variance 2/(fan_in + fan_out)", cell="he_normal",
                old="np.sqrt(2.0 / fan_in)", new="np.sqrt(2.0 / (fan_in + fan_out))", loses=["test_he_normal"]),
    WrongAnswer("he_normal: a uniform distribution with the right variance", cell="he_normal",
                old="rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))",
                new="rng.uniform(-np.sqrt(6.0 / fan_in), np.sqrt(6.0 / fan_in), size=(fan_in, fan_out))",
                loses=["test_he_normal"]),
    WrongAnswer("he_normal: ignores rng", cell="he_normal",
                old="rng = np.random.default_rng(rng)", new="rng = np.random.default_rng()",
                loses=["test_he_normal"]),
    # Task 3: layer_grad_norms
    WrongAnswer("layer_grad_norms: squared norms (sqrt forgotten)", cell="layer_grad_norms",
                old="float(np.sqrt(np.sum(np.square(g))))", new="float(np.sum(np.square(g)))",
                loses=["test_layer_grad_norms"]),
    WrongAnswer("layer_grad_norms: spectral norm np.linalg.norm(g, 2) for matrices", cell="layer_grad_norms",
                new="def layer_grad_norms(grads):\n"
                    "    return [float(np.linalg.norm(g, 2)) if g.ndim == 2 else float(np.linalg.norm(g.ravel()))"
                    " for g in grads]\n",
                loses=["test_layer_grad_norms"]),
    WrongAnswer("layer_grad_norms: L1 norm (sum of absolute values)", cell="layer_grad_norms",
                old="float(np.sqrt(np.sum(np.square(g))))", new="float(np.sum(np.abs(g)))",
                loses=["test_layer_grad_norms"]),
    WrongAnswer("layer_grad_norms: root-mean-square instead of the norm", cell="layer_grad_norms",
                old="float(np.sqrt(np.sum(np.square(g))))", new="float(np.sqrt(np.mean(np.square(g))))",
                loses=["test_layer_grad_norms"]),
    WrongAnswer("layer_grad_norms: norm of each column (axis=0)", cell="layer_grad_norms",
                old="float(np.sqrt(np.sum(np.square(g))))", new="np.linalg.norm(g, axis=0)",
                loses=["test_layer_grad_norms"]),
    WrongAnswer("layer_grad_norms: one global norm instead of one per array", cell="layer_grad_norms",
                new="def layer_grad_norms(grads):\n"
                    "    return [float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))]\n",
                loses=["test_layer_grad_norms"]),
    # Task 4: activation_stds
    WrongAnswer("activation_stds: std of the pre-activations", cell="activation_stds",
                old="        h = activation(h @ W)\n        stds.append(float(np.std(h)))",
                new="        z = h @ W\n        stds.append(float(np.std(z)))\n        h = activation(z)",
                loses=["test_activation_stds"]),
    WrongAnswer("activation_stds: the input's std included (L + 1 values)", cell="activation_stds",
                old="h, stds = X, []", new="h, stds = X, [float(np.std(X))]", loses=["test_activation_stds"]),
    WrongAnswer("activation_stds: per-unit std over the batch, averaged", cell="activation_stds",
                old="float(np.std(h))", new="float(np.mean(np.std(h, axis=0)))", loses=["test_activation_stds"]),
    WrongAnswer("activation_stds: variance instead of standard deviation", cell="activation_stds",
                old="float(np.std(h))", new="float(np.var(h))", loses=["test_activation_stds"]),
    WrongAnswer("activation_stds: sample std (ddof=1)", cell="activation_stds",
                old="float(np.std(h))", new="float(np.std(h, ddof=1))", loses=["test_activation_stds"]),
    WrongAnswer("activation_stds: no activation after the last layer", cell="activation_stds",
                new="def activation_stds(X, weights, activation):\n    h, stds = X, []\n"
                    "    for i, W in enumerate(weights):\n        h = h @ W\n"
                    "        if i < len(weights) - 1:\n            h = activation(h)\n"
                    "        stds.append(float(np.std(h)))\n    return stds\n",
                loses=["test_activation_stds"]),
    # Task 5: clip_by_global_norm
    WrongAnswer("clip_by_global_norm: each array clipped to max_norm separately", cell="clip_by_global_norm",
                new="def clip_by_global_norm(grads, max_norm):\n"
                    "    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))\n"
                    "    clipped = [g * min(1.0, max_norm / max(np.linalg.norm(g), 1e-12)) for g in grads]\n"
                    "    return clipped, norm\n",
                loses=["test_clip_by_global_norm"]),
    WrongAnswer("clip_by_global_norm: rescales to max_norm even when below", cell="clip_by_global_norm",
                old="    if norm > max_norm:\n", new="    if norm > 0:\n", loses=["test_clip_by_global_norm"]),
    WrongAnswer("clip_by_global_norm: returns the norm after clipping", cell="clip_by_global_norm",
                old="return [g * scale for g in grads], norm", new="return [g * scale for g in grads], max_norm",
                loses=["test_clip_by_global_norm"]),
    WrongAnswer("clip_by_global_norm: scales the arrays in place", cell="clip_by_global_norm",
                old="        return [g * scale for g in grads], norm",
                new="        for g in grads:\n            g *= scale\n        return grads, norm",
                loses=["test_clip_by_global_norm"]),
    WrongAnswer("clip_by_global_norm: replaces the caller's list items in place", cell="clip_by_global_norm",
                old="        return [g * scale for g in grads], norm",
                new="        for i in range(len(grads)):\n            grads[i] = grads[i] * scale\n"
                    "        return grads, norm",
                loses=["test_clip_by_global_norm"]),
    WrongAnswer("clip_by_global_norm: scale inverted (norm / max_norm)", cell="clip_by_global_norm",
                old="scale = max_norm / norm", new="scale = norm / max_norm", loses=["test_clip_by_global_norm"]),
    WrongAnswer("clip_by_global_norm: global norm as the sum of the arrays' norms", cell="clip_by_global_norm",
                old="norm = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads)))",
                new="norm = float(sum(np.linalg.norm(g) for g in grads))", loses=["test_clip_by_global_norm"]),
    WrongAnswer("clip_by_global_norm: clips each element by value", cell="clip_by_global_norm",
                old="return [g * scale for g in grads], norm",
                new="return [np.clip(g, -max_norm, max_norm) for g in grads], norm",
                loses=["test_clip_by_global_norm"]),
    WrongAnswer("clip_by_global_norm: divides by zero on all-zero gradients", cell="clip_by_global_norm",
                new="def clip_by_global_norm(grads, max_norm):\n"
                    "    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))\n"
                    "    scale = min(1.0, max_norm / norm)\n"
                    "    return [g * scale for g in grads], norm\n",
                loses=["test_clip_by_global_norm"]),
]
