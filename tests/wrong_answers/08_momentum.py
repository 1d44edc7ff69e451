"""Plausible wrong answers for exercise 08_momentum; each must lose the points of the tasks in `loses`.

Loaded by tests/grading_harness.py (WrongAnswer is provided there).
"""
_MOMENTUM_LOOP = """        for p, g, v in zip(params, grads, self.velocity):
            v *= self.mu
            v += g
            p -= self.lr * v"""

_NESTEROV_LOOP = """        for p, g, v in zip(params, grads, self.velocity):
            v *= self.mu
            v += g
            p -= self.lr * (g + self.mu * v)"""

WRONG_ANSWERS = [
    # Task 1: Momentum
    WrongAnswer("Momentum: velocity reset at every step (plain gradient descent)", cell="momentum",
                old="        if self.velocity is None:\n            self.velocity = [np.zeros_like(p) for p in params]",
                new="        self.velocity = [np.zeros_like(p) for p in params]", loses=["test_momentum"]),
    WrongAnswer("Momentum: learning rate inside the velocity, v <- mu*v + lr*g; p <- p - v", cell="momentum",
                old=_MOMENTUM_LOOP,
                new="""        for p, g, v in zip(params, grads, self.velocity):
            v *= self.mu
            v += self.lr * g
            p -= v""", loses=["test_momentum"]),
    WrongAnswer("Momentum: learning rate applied twice, v <- mu*v + lr*g; p <- p - lr*v", cell="momentum",
                old="            v += g\n", new="            v += self.lr * g\n", loses=["test_momentum"]),
    WrongAnswer("Momentum: sign error, p <- p + lr*v", cell="momentum",
                old="            p -= self.lr * v", new="            p += self.lr * v", loses=["test_momentum"]),
    WrongAnswer("Momentum: moving-average velocity v <- mu*v + (1-mu)*g with PyTorch's learning rate", cell="momentum",
                old="            v += g\n", new="            v += (1 - self.mu) * g\n", loses=["test_momentum"]),
    WrongAnswer("Momentum: one velocity shared by all parameters", cell="momentum",
                old=_MOMENTUM_LOOP,
                new="""        if not isinstance(self.velocity, np.ndarray):
            self.velocity = np.zeros_like(params[0])
        for p, g in zip(params, grads):
            self.velocity = self.mu * self.velocity + g
            p -= self.lr * self.velocity""", loses=["test_momentum"]),
    WrongAnswer("Momentum: velocity list is a class attribute, shared by every optimiser", cell="momentum",
                new="""class Momentum:
    velocity = []

    def __init__(self, lr, mu):
        self.lr = lr
        self.mu = mu

    def step(self, params, grads):
        if not self.velocity:
            for p in params:
                self.velocity.append(np.zeros_like(p))
        for p, g, v in zip(params, grads, self.velocity):
            v *= self.mu
            v += g
            p -= self.lr * v
""", loses=["test_momentum"]),
    WrongAnswer("Momentum: first velocity is the gradient array itself (no copy), then updated in place",
                cell="momentum",
                old="""        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
""" + _MOMENTUM_LOOP,
                new="""        if self.velocity is None:
            self.velocity = list(grads)
        else:
            for g, v in zip(grads, self.velocity):
                v *= self.mu
                v += g
        for p, v in zip(params, self.velocity):
            p -= self.lr * v""", loses=["test_momentum"]),
    WrongAnswer("Momentum: learning rate copied in __init__, a schedule setting opt.lr is ignored", cell="momentum",
                new="""class Momentum:
    def __init__(self, lr, mu):
        self.lr = lr
        self.mu = mu
        self.step_size = lr
        self.velocity = None

    def step(self, params, grads):
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.velocity):
            v *= self.mu
            v += g
            p -= self.step_size * v
""", loses=["test_momentum"]),
    WrongAnswer("Momentum: returns new arrays instead of updating params in place", cell="momentum",
                old=_MOMENTUM_LOOP,
                new="""        new = []
        for p, g, v in zip(params, grads, self.velocity):
            v *= self.mu
            v += g
            new.append(p - self.lr * v)
        return new""", loses=["test_momentum"]),
    WrongAnswer("Momentum: p = p - lr*v rebinds the loop variable, the parameters never change", cell="momentum",
                old="            p -= self.lr * v", new="            p = p - self.lr * v", loses=["test_momentum"]),
    WrongAnswer("Momentum: params[i] = ... replaces the arrays instead of updating them", cell="momentum",
                old=_MOMENTUM_LOOP,
                new="""        for i, (g, v) in enumerate(zip(grads, self.velocity)):
            v *= self.mu
            v += g
            params[i] = params[i] - self.lr * v""", loses=["test_momentum"]),
    # Task 2: Nesterov
    WrongAnswer("Nesterov: the classical momentum step p <- p - lr*v", cell="nesterov",
                old="            p -= self.lr * (g + self.mu * v)", new="            p -= self.lr * v",
                loses=["test_nesterov"]),
    WrongAnswer("Nesterov: look-ahead with the old velocity (step computed before updating v)", cell="nesterov",
                old=_NESTEROV_LOOP,
                new="""        for p, g, v in zip(params, grads, self.velocity):
            p -= self.lr * (g + self.mu * v)
            v *= self.mu
            v += g""", loses=["test_nesterov"]),
    WrongAnswer("Nesterov: gradient term forgotten, p <- p - lr*mu*v", cell="nesterov",
                old="            p -= self.lr * (g + self.mu * v)", new="            p -= self.lr * self.mu * v",
                loses=["test_nesterov"]),
    WrongAnswer("Nesterov: mu forgotten in the step, p <- p - lr*(g + v)", cell="nesterov",
                old="            p -= self.lr * (g + self.mu * v)", new="            p -= self.lr * (g + v)",
                loses=["test_nesterov"]),
    WrongAnswer("Nesterov: sign error on the gradient term", cell="nesterov",
                old="            p -= self.lr * (g + self.mu * v)", new="            p -= self.lr * (self.mu * v - g)",
                loses=["test_nesterov"]),
    WrongAnswer("Nesterov: velocity reset at every step", cell="nesterov",
                old="        if self.velocity is None:\n            self.velocity = [np.zeros_like(p) for p in params]",
                new="        self.velocity = [np.zeros_like(p) for p in params]", loses=["test_nesterov"]),
    WrongAnswer("Nesterov: the look-ahead term added to the velocity, v <- mu*v + g + mu*v_old", cell="nesterov",
                old=_NESTEROV_LOOP,
                new="""        for p, g, v in zip(params, grads, self.velocity):
            v *= 2 * self.mu
            v += g
            p -= self.lr * v""", loses=["test_nesterov"]),
    WrongAnswer("Nesterov: the look-ahead added to the gradient in place, g += mu*v", cell="nesterov",
                old="            p -= self.lr * (g + self.mu * v)",
                new="            g += self.mu * v\n            p -= self.lr * g", loses=["test_nesterov"]),
    # Task 3: Adam
    WrongAnswer("Adam: no bias correction", cell="adam",
                old="            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)",
                new="            p -= self.lr * m / (np.sqrt(v) + self.eps)", loses=["test_adam"]),
    WrongAnswer("Adam: bias correction of m only", cell="adam",
                old="            v_hat = v / correction2", new="            v_hat = v", loses=["test_adam"]),
    WrongAnswer("Adam: step count starts at 1 in __init__ (first step uses t = 2)", cell="adam",
                old="        self.t = 0\n", new="        self.t = 1\n", loses=["test_adam"]),
    WrongAnswer("Adam: step count off by one, used by the corrections (first step uses t = 2)", cell="adam",
                old="        correction1 = 1 - self.beta1 ** self.t\n        correction2 = 1 - self.beta2 ** self.t",
                new="        correction1 = 1 - self.beta1 ** (self.t + 1)\n"
                    "        correction2 = 1 - self.beta2 ** (self.t + 1)", loses=["test_adam"]),
    WrongAnswer("Adam: t incremented once per parameter instead of once per step", cell="adam",
                new="""class Adam:
    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m = None
        self.v = None

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        for p, g, m, v in zip(params, grads, self.m, self.v):
            self.t += 1
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            m_hat = m / (1 - self.beta1 ** self.t)
            v_hat = v / (1 - self.beta2 ** self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
""", loses=["test_adam"]),
    WrongAnswer("Adam: eps inside the square root", cell="adam",
                old="(np.sqrt(v_hat) + self.eps)", new="np.sqrt(v_hat + self.eps)", loses=["test_adam"]),
    WrongAnswer("Adam: (1 - beta2) factor forgotten, v <- beta2*v + g^2", cell="adam",
                old="            v += (1 - self.beta2) * g * g", new="            v += g * g", loses=["test_adam"]),
    WrongAnswer("Adam: the betas swapped between m and v", cell="adam",
                old="""            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g""",
                new="""            m *= self.beta2
            m += (1 - self.beta2) * g
            v *= self.beta1
            v += (1 - self.beta1) * g * g""", loses=["test_adam"]),
    WrongAnswer("Adam: g squared in place (g **= 2) modifies the gradients", cell="adam",
                old="            v += (1 - self.beta2) * g * g",
                new="            g **= 2\n            v += (1 - self.beta2) * g", loses=["test_adam"]),
    WrongAnswer("Adam: m and v stored bias-corrected", cell="adam",
                old="            m_hat = m / correction1\n            v_hat = v / correction2\n",
                new="            m /= correction1\n            v /= correction2\n            m_hat, v_hat = m, v\n",
                loses=["test_adam"]),
    # Task 4: momentum_rate
    WrongAnswer("momentum_rate: largest real part instead of the largest modulus", cell="momentum_rate",
                old="np.max(np.abs(np.linalg.eigvals(M)))", new="np.max(np.linalg.eigvals(M).real)",
                loses=["test_momentum_rate"]),
    WrongAnswer("momentum_rate: smallest modulus instead of the largest", cell="momentum_rate",
                old="np.max(np.abs(np.linalg.eigvals(M)))", new="np.min(np.abs(np.linalg.eigvals(M)))",
                loses=["test_momentum_rate"]),
    WrongAnswer("momentum_rate: mu left out of the diagonal, c_{t+1} = (1 - lr*lam) c_t - mu c_{t-1}",
                cell="momentum_rate", old="[[1.0 + mu - lr * lam, -mu]", new="[[1.0 - lr * lam, -mu]",
                loses=["test_momentum_rate"]),
    WrongAnswer("momentum_rate: (theta, v) matrix stepping with the old velocity", cell="momentum_rate",
                old="np.array([[1.0 + mu - lr * lam, -mu], [1.0, 0.0]])", new="np.array([[mu, lam], [-lr, 1.0]])",
                loses=["test_momentum_rate"]),
    WrongAnswer("momentum_rate: always sqrt(mu), the rate inside the band", cell="momentum_rate",
                new="def momentum_rate(lr, mu, lam):\n    return float(np.sqrt(mu))\n", loses=["test_momentum_rate"]),
    WrongAnswer("momentum_rate: gradient descent's |1 - lr*lam|, momentum ignored", cell="momentum_rate",
                new="def momentum_rate(lr, mu, lam):\n    return abs(1.0 - lr * lam)\n", loses=["test_momentum_rate"]),
    WrongAnswer("momentum_rate: returns the complex eigenvalue of largest modulus, not its modulus",
                cell="momentum_rate", old="    return float(np.max(np.abs(np.linalg.eigvals(M))))",
                new="    z = np.linalg.eigvals(M)\n    return z[np.argmax(np.abs(z))]", loses=["test_momentum_rate"]),
    WrongAnswer("momentum_rate: eigenvalues of the matrix with +mu in the corner", cell="momentum_rate",
                old="[[1.0 + mu - lr * lam, -mu]", new="[[1.0 + mu - lr * lam, mu]", loses=["test_momentum_rate"]),
]
