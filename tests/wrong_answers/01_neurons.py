"""Plausible wrong answers for exercise 01_neurons; each must lose the points of the tasks in `loses`.

Loaded by tests/grading_harness.py (WrongAnswer is provided there).
"""
WRONG_ANSWERS = [
    # Task 1: sigmoid
    WrongAnswer("sigmoid: exponent sign flipped, 1/(1+e^z)", cell="sigmoid",
                new="def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(z))\n", loses=["test_sigmoid"]),
    WrongAnswer("sigmoid: precedence, 1/1 + e^-z", cell="sigmoid",
                new="def sigmoid(z):\n    return 1.0 / 1.0 + np.exp(-z)\n", loses=["test_sigmoid"]),
    WrongAnswer("sigmoid: tanh instead of the logistic function", cell="sigmoid",
                new="def sigmoid(z):\n    return np.tanh(z)\n", loses=["test_sigmoid"]),
    WrongAnswer("sigmoid: stable branch with the wrong formula for z < 0", cell="sigmoid",
                old="e / (1.0 + e)", new="1.0 / (1.0 + e)", loses=["test_sigmoid"]),
    # Task 2: sigmoid_grad
    WrongAnswer("sigmoid_grad: s*(1+s)", cell="sigmoid_grad", old="s * (1.0 - s)", new="s * (1.0 + s)",
                loses=["test_sigmoid_grad"]),
    WrongAnswer("sigmoid_grad: z*(1-z), forgot to apply the sigmoid", cell="sigmoid_grad",
                new="def sigmoid_grad(z):\n    return z * (1.0 - z)\n", loses=["test_sigmoid_grad"]),
    WrongAnswer("sigmoid_grad: s*(1-z), mixed up s and z", cell="sigmoid_grad", old="s * (1.0 - s)",
                new="s * (1.0 - z)", loses=["test_sigmoid_grad"]),
    WrongAnswer("sigmoid_grad: returns the sigmoid itself", cell="sigmoid_grad", old="s * (1.0 - s)", new="s",
                loses=["test_sigmoid_grad"]),
    # Task 3: tanh_grad
    WrongAnswer("tanh_grad: 1 - tanh (forgot the square)", cell="tanh_grad", old="1.0 - t * t", new="1.0 - t",
                loses=["test_tanh_grad"]),
    WrongAnswer("tanh_grad: 1 - z^2, forgot to apply tanh", cell="tanh_grad",
                new="def tanh_grad(z):\n    return 1.0 - z ** 2\n", loses=["test_tanh_grad"]),
    WrongAnswer("tanh_grad: 1 + tanh^2, sign error", cell="tanh_grad", old="1.0 - t * t", new="1.0 + t * t",
                loses=["test_tanh_grad"]),
    # Task 4: relu, relu_grad
    WrongAnswer("relu: np.max(z, 0) reduces an axis instead of clipping", cell="relu",
                old="np.maximum(z, 0.0)", new="np.max(z, 0)", loses=["test_relu"]),
    WrongAnswer("relu: zeroes negatives in place (modifies the input)", cell="relu",
                old="    return np.maximum(z, 0.0)", new="    z[z < 0] = 0.0\n    return z", loses=["test_relu"]),
    WrongAnswer("relu_grad: 1 at negative inputs too", cell="relu",
                old="(np.asarray(z) > 0).astype(float)", new="np.ones_like(z)", loses=["test_relu"]),
    WrongAnswer("relu_grad: returns relu(z) instead of its slope", cell="relu",
                old="(np.asarray(z) > 0).astype(float)", new="np.maximum(z, 0.0)", loses=["test_relu"]),
    WrongAnswer("relu_grad: 1 at z == 0", cell="relu",
                old="(np.asarray(z) > 0).astype(float)", new="(np.asarray(z) >= 0).astype(float)",
                loses=["test_relu"]),
    # Task 5: neuron_forward
    WrongAnswer("neuron_forward: bias left out", cell="neuron_forward",
                old="activation(X @ w + b)", new="activation(X @ w)", loses=["test_neuron_forward"]),
    WrongAnswer("neuron_forward: bias added after the activation", cell="neuron_forward",
                old="activation(X @ w + b)", new="activation(X @ w) + b", loses=["test_neuron_forward"]),
    WrongAnswer("neuron_forward: activation not applied", cell="neuron_forward",
                old="activation(X @ w + b)", new="X @ w + b", loses=["test_neuron_forward"]),
    WrongAnswer("neuron_forward: sums over the batch axis", cell="neuron_forward",
                old="activation(X @ w + b)", new="activation(np.sum(X * w, axis=0) + b)",
                loses=["test_neuron_forward"]),
]
