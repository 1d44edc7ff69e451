"""nnlib: the NumPy reference library of the course "Backpropagation: training neural networks from scratch".

Modules (everything below is importable from ``nnlib`` directly):

- ``_checks``: input validation; ``ShapeError``.
- ``gradcheck``: numerical gradients, ``rel_error``, ``gradcheck``/``assert_gradcheck``.
- ``activations``: sigmoid, tanh, relu, leaky_relu, their ``*_grad``, and their Modules.
- ``module``: ``Parameter``, ``Module``, ``Sequential``.
- ``layers``: ``dense_forward``/``dense_backward``, ``neuron_forward``, ``Dense``.
- ``init``: Xavier and He initialisers.
- ``losses``: ``softmax``, ``log_softmax``, MSE, BCE, BCE-with-logits, softmax cross-entropy.
- ``optim``: ``SGD``, ``Adam``, ``cosine_lr``.
- ``regularization``: L1/L2 penalties and gradients, ``weights``.
- ``clip``: gradient clipping, ``grad_norms``.
- ``data``: ``minibatches``, scalers, ``train_test_split``, ``load_digits``, ``load_breast_cancer``.
- ``train``: ``fit``, ``History``, ``predict``, ``accuracy``, ``TrainingDiverged``.

Conventions: a Dense layer's W is (in_features, out_features), so y = x @ W + b (PyTorch's Linear stores the
transpose); as in PyTorch, ``backward`` accumulates into ``Parameter.grad``, losses take the mean over the batch,
and float32 stays float32.
"""
from ._checks import ShapeError, as_float_array, as_labels, check_finite, check_shape
from .activations import (LeakyReLU, ReLU, Sigmoid, Tanh, leaky_relu, leaky_relu_grad, relu,
                          relu_grad, sigmoid, sigmoid_grad, tanh, tanh_grad)
from .clip import clip_grad_norm, clip_grad_value, grad_norms
from .data import (MinMaxScaler, StandardScaler, load_breast_cancer, load_digits, minibatches,
                   train_test_split)
from .gradcheck import (GradcheckResult, assert_gradcheck, gradcheck, numerical_gradient,
                        numerical_gradient_wrt, rel_error)
from .init import he_normal, he_uniform, xavier_normal, xavier_uniform
from .layers import Dense, dense_backward, dense_forward, neuron_forward
from .losses import (BCELoss, BCEWithLogitsLoss, Loss, MSELoss, SoftmaxCrossEntropyLoss,
                     log_softmax, softmax)
from .module import Module, Parameter, Sequential
from .optim import SGD, Adam, Optimizer, cosine_lr
from .regularization import l1_grad, l1_penalty, l2_grad, l2_penalty, weights
from .train import History, TrainingDiverged, accuracy, fit, predict

__version__ = "0.1.0"
