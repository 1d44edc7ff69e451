"""nnlib: the NumPy reference library of the course "Backpropagation:
training neural networks from scratch". Every operation is a pair:
``X_forward(...) -> (out, cache)``, ``X_backward(dout, cache) -> gradients``
(dout: d loss / d out); the Modules (``Dense``, ``Conv2d``, ``ReLU``,
``Sequential``, the losses...) are thin classes over the pairs.
As in PyTorch, backward adds to ``Parameter.grad``, ``zero_grad`` sets it to
None, losses take the mean over the batch and float32 stays float32; but a
Dense layer's W is (in_features, out_features), so out = x @ W + b (Linear
stores the transpose).
"""
from .activations import (LeakyReLU, ReLU, Sigmoid, Tanh, leaky_relu,
                          leaky_relu_backward, leaky_relu_forward, relu,
                          relu_backward, relu_forward, sigmoid,
                          sigmoid_backward, sigmoid_forward, tanh,
                          tanh_backward, tanh_forward)
from .checks import NonFiniteError, ShapeError, full_checks
from .clip import clip_grad_norm, clip_grad_value, grad_norms
from .conv import (Conv2d, MaxPool2d, conv2d_backward, conv2d_forward,
                   im2col, maxpool2d_backward, maxpool2d_forward)
from .data import (MinMaxScaler, StandardScaler, load_breast_cancer,
                   load_digits, minibatches, train_test_split)
from .gradcheck import (GradcheckResult, gradcheck, numerical_gradient,
                        numerical_gradient_wrt, rel_error)
from .init import he_normal, he_uniform, xavier_normal, xavier_uniform
from .layers import Dense, dense_backward, dense_forward, neuron_forward
from .losses import (BCELoss, BCEWithLogitsLoss, Loss, MSELoss,
                     SoftmaxCrossEntropyLoss, bce_backward, bce_forward,
                     bce_with_logits_backward, bce_with_logits_forward,
                     log_softmax, mse_backward, mse_forward, softmax,
                     softmax_cross_entropy_backward,
                     softmax_cross_entropy_forward)
from .module import Flatten, Module, Parameter, Sequential
from .optim import SGD, Adam, Optimizer, cosine_lr
from .regularization import l1_grad, l1_penalty, l2_grad, l2_penalty, weights
from .train import History, TrainingDiverged, accuracy, fit, predict

__version__ = "0.2.0"
