"""A small training loop: fit, predict, accuracy, and fit's History."""
import math
from dataclasses import dataclass, field

import numpy as np

from .checks import as_float
from .clip import clip_grad_norm, grad_norms
from .data import minibatches
from .losses import BCELoss, BCEWithLogitsLoss, SoftmaxCrossEntropyLoss


class TrainingDiverged(RuntimeError):
    """The loss became NaN or Inf during fit."""


@dataclass
class History:
    """What fit recorded, one entry per epoch (index 0 is the first epoch).
    train_loss, train_acc: means over the epoch's mini-batches, each measured
    before its update (as Keras does). val_loss, val_acc: on the validation
    set after the epoch (empty without one). Accuracies are NaN when the
    targets are not classes (see ``accuracy``). lr: the learning rate used.
    grad_norms (with record_grad_norms=True): the norm of each Dense layer's
    W.grad, averaged over the epoch's steps."""
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    grad_norms: list = field(default_factory=list)

    def best_epoch(self, metric="val_loss"):
        """The best epoch's index by metric: lowest loss, highest accuracy."""
        values = np.asarray(getattr(self, metric), dtype=float)
        if values.size == 0:
            raise ValueError("History.best_epoch: no values recorded for "
                             f"{metric!r}")
        best = np.nanargmax if metric.endswith("acc") else np.nanargmin
        return int(best(values))


def predict(model, X, *, batch_size=1024):
    """The model's outputs (scores, logits or probabilities), in batches.
    model: Module. X: (N, ...) float, e.g. (N, D), or images (N, C, H, W).
    Returns: ndarray (N, ...)."""
    X = as_float(X, "X", "predict")
    batches = [X[i:i + batch_size] for i in range(0, len(X), batch_size)]
    return np.concatenate([model.forward(Xb) for Xb in batches])


def accuracy(scores, y, *, threshold=0.5):
    """The fraction of correct predictions, a float in [0, 1].
    scores (N, C), C >= 2: the predicted class is each row's argmax; y: (N,)
    integer labels or (N, C) one-hot rows. scores (N,) or (N, 1): the
    predicted class is 1 where score > threshold (0.5 for probabilities, use
    0.0 for logits); y holds 0s and 1s."""
    scores, y = np.asarray(scores), np.asarray(y)
    if scores.ndim == 2 and scores.shape[1] >= 2:
        pred = scores.argmax(axis=1)
        y = y.argmax(axis=1) if y.ndim == 2 else y
    else:
        pred = (scores > threshold).reshape(-1)
        y = y.reshape(-1)
    if len(pred) != len(y):
        raise ValueError("accuracy: scores and y must have the same length, "
                         f"got {len(pred)} and {len(y)}")
    return float(np.mean(pred == y))


def _check_loss(value, epoch, epochs, optimizer, what):
    if not math.isfinite(value):
        raise TrainingDiverged(
            f"fit: training diverged in epoch {epoch + 1}/{epochs} (the "
            f"{what} became {value}); try a smaller learning rate "
            f"(now {optimizer.lr:g})")


def fit(model, loss, optimizer, X, y, *, epochs, batch_size, validation=None,
        rng=None, lr_schedule=None, record_grad_norms=False, clip_norm=None):
    """Train model by mini-batch gradient descent. Returns: History.
    model: Module. loss: a Loss, e.g. SoftmaxCrossEntropyLoss(). optimizer:
    e.g. SGD or Adam over model's parameters. X: (N, ...) float. y: the
    targets, (N,) or (N, K). epochs, batch_size: int.
    validation: (X_val, y_val) or None. rng: Generator, seed or None, for the
    shuffling. lr_schedule: epoch (0-based) -> lr, e.g.
    ``lambda e: cosine_lr(0.05, e, epochs)``, sets optimizer.lr each epoch.
    record_grad_norms: fill History.grad_norms. clip_norm: None, or the total
    gradient norm to clip to before each step. Raises TrainingDiverged,
    naming the epoch, if a loss becomes NaN or Inf."""
    X, y = as_float(X, "X", "fit"), np.asarray(y)
    rng = np.random.default_rng(rng)
    # accuracy only for class targets: a classification loss's, or 0s and 1s
    # (one-hot rows if there are several columns)
    one_hot = y.ndim == 1 or y.shape[1] == 1 or (y.sum(axis=1) == 1).all()
    class_losses = (SoftmaxCrossEntropyLoss, BCELoss, BCEWithLogitsLoss)
    classes = (isinstance(loss, class_losses)
               or (np.isin(y, (0, 1)).all() and one_hot))
    threshold = 0.0 if isinstance(loss, BCEWithLogitsLoss) else 0.5
    history = History()
    for epoch in range(epochs):
        if lr_schedule is not None:
            optimizer.lr = lr_schedule(epoch)
        history.lr.append(optimizer.lr)
        total_loss = total_correct = 0.0
        norms = []
        for Xb, yb in minibatches(X, y, batch_size, rng=rng):
            optimizer.zero_grad()
            out = model.forward(Xb)
            value = loss(out, yb)
            _check_loss(value, epoch, epochs, optimizer, "loss")
            model.backward(loss.backward())
            if record_grad_norms:
                norms.append(grad_norms(model))
            if clip_norm is not None:
                clip_grad_norm(model, clip_norm)
            optimizer.step()
            total_loss += value * len(Xb)
            correct = (accuracy(out, yb, threshold=threshold) if classes
                       else math.nan)
            total_correct += correct * len(Xb)
        history.train_loss.append(total_loss / len(X))  # batches cover X
        history.train_acc.append(total_correct / len(X))
        if record_grad_norms:
            history.grad_norms.append(np.mean(norms, axis=0).tolist())
        if validation is not None:
            X_val, y_val = validation
            scores = predict(model, X_val)
            history.val_loss.append(loss(scores, y_val))
            _check_loss(history.val_loss[-1], epoch, epochs, optimizer,
                        "validation loss")
            acc = (accuracy(scores, y_val, threshold=threshold) if classes
                   else math.nan)
            history.val_acc.append(acc)
    return history
