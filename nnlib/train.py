"""A small training loop: fit, predict, accuracy, and the History it records."""
import math
from dataclasses import dataclass, field

import numpy as np

from .checks import as_float
from .clip import clip_grad_norm, grad_norms
from .data import minibatches
from .losses import BCELoss, BCEWithLogitsLoss, SoftmaxCrossEntropyLoss


class TrainingDiverged(RuntimeError):
    """The loss (or the network's output) became NaN or Inf during fit."""


@dataclass
class History:
    """What fit recorded, one entry per epoch (index 0 = first epoch).

    train_loss, train_acc: running means over the epoch's mini-batches (measured before each
    update, as Keras does). val_loss, val_acc: on the validation set after the epoch (empty
    without validation). lr: the learning rate used. grad_norms: per epoch, the per-Dense-layer
    norms of W.grad averaged over the epoch's steps (only with record_grad_norms=True).
    Accuracies are NaN when the task is not classification (see ``accuracy``).
    """
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    grad_norms: list = field(default_factory=list)

    def best_epoch(self, metric="val_loss"):
        """Index of the best epoch by ``metric`` (lowest for a loss, highest for an accuracy)."""
        values = np.asarray(getattr(self, metric), dtype=float)
        if values.size == 0:
            raise ValueError(f"History.best_epoch: no values recorded for {metric!r}")
        return int(np.nanargmax(values) if metric.endswith("acc") else np.nanargmin(values))


def predict(model, X, *, batch_size=1024):
    """The model's raw outputs (scores, logits or probabilities), computed in batches.

    model: Module. X: (N, D) float. batch_size: int. Returns: ndarray (N, ...), the outputs.
    """
    X = as_float(X, "X", "predict")
    return np.concatenate([model.forward(X[i:i + batch_size]) for i in range(0, len(X), batch_size)])


def accuracy(scores, y, *, threshold=0.5):
    """Fraction of correct predictions.

    scores: (N, C) with C >= 2: the predicted class is the argmax of each row; y is (N,)
        integer labels, or (N, C) one-hot rows (their argmax is used).
        (N,) or (N, 1): a single output; predicted class is 1 where score > threshold
        (0.5 for probabilities, use 0.0 for logits); y is (N,) or (N, 1) of 0/1.
    Returns: float in [0, 1].
    """
    scores, y = np.asarray(scores), np.asarray(y)
    if scores.ndim == 2 and scores.shape[1] >= 2:
        pred = scores.argmax(axis=1)
        y = y.argmax(axis=1) if y.ndim == 2 else y
    else:
        pred = (scores > threshold).reshape(-1)
        y = y.reshape(-1)
    if len(pred) != len(y):
        raise ValueError(f"accuracy: scores and y must have the same length, got {len(pred)} and {len(y)}")
    return float(np.mean(pred == y))


def _accuracy_fn(loss, y):
    """accuracy(scores, yb) suited to the loss, or None when the targets are not classes."""
    threshold = 0.0 if isinstance(loss, BCEWithLogitsLoss) else 0.5
    classes = isinstance(loss, (SoftmaxCrossEntropyLoss, BCELoss, BCEWithLogitsLoss)) or (
        np.isin(y, (0, 1)).all() and (y.ndim == 1 or y.shape[1] == 1 or (y.sum(axis=1) == 1).all()))
    return (lambda scores, yb: accuracy(scores, yb, threshold=threshold)) if classes else None


def _check_loss(value, epoch, epochs, optimizer, where):
    if not math.isfinite(value):
        raise TrainingDiverged(f"fit: training diverged in epoch {epoch + 1}/{epochs} (the {where} became "
                               f"{value}); try a smaller learning rate (now {optimizer.lr:g})")


def fit(model, loss, optimizer, X, y, *, epochs, batch_size, validation=None, rng=None,
        lr_schedule=None, record_grad_norms=False, clip_norm=None, progress=False):
    """Train ``model`` with mini-batch gradient descent.

    model: Module. loss: a Loss (e.g. SoftmaxCrossEntropyLoss()). optimizer: SGD/Adam over
    model's parameters. X: (N, D) float. y: targets for ``loss`` (N,) or (N, K).
    epochs: int. batch_size: int. validation: (X_val, y_val) or None.
    rng: Generator, int seed or None, for the shuffling. lr_schedule: callable epoch -> lr
    (epoch 0-based), e.g. ``lambda e: cosine_lr(0.05, e, epochs)``; sets optimizer.lr.
    record_grad_norms: bool, fill History.grad_norms. clip_norm: float or None, clip the
    total gradient norm before each step. progress: bool, print one line per epoch.
    Accuracy: argmax for (N, C) outputs; for one output, threshold 0 with BCEWithLogitsLoss,
    else 0.5; NaN for regression targets.
    Returns: History. Raises TrainingDiverged, naming the epoch, if the loss becomes NaN or Inf.
    """
    X, y = as_float(X, "X", "fit"), np.asarray(y)
    rng = np.random.default_rng(rng)
    acc_fn = _accuracy_fn(loss, y)
    history = History()
    for epoch in range(epochs):
        if lr_schedule is not None:
            optimizer.lr = lr_schedule(epoch)
        history.lr.append(optimizer.lr)
        total_loss = total_correct = seen = 0.0
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
            total_correct += acc_fn(out, yb) * len(Xb) if acc_fn else math.nan
            seen += len(Xb)
        history.train_loss.append(total_loss / seen)
        history.train_acc.append(total_correct / seen)
        if record_grad_norms:
            history.grad_norms.append(np.mean(norms, axis=0).tolist())
        if validation is not None:
            scores = predict(model, validation[0])
            history.val_loss.append(loss(scores, validation[1]))
            _check_loss(history.val_loss[-1], epoch, epochs, optimizer, "validation loss")
            history.val_acc.append(acc_fn(scores, validation[1]) if acc_fn else math.nan)
        if progress:
            line = (f"epoch {epoch + 1:>{len(str(epochs))}}/{epochs}  loss {history.train_loss[-1]:.4f}"
                    f"  acc {history.train_acc[-1]:.4f}")
            if validation is not None:
                line += f"  val_loss {history.val_loss[-1]:.4f}  val_acc {history.val_acc[-1]:.4f}"
            print(line + f"  lr {optimizer.lr:.4g}", flush=True)
    return history
