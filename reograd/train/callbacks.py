"""Callbacks for :class:`reograd.train.Trainer` / :func:`reograd.train.fit`.

A callback overrides any of the hooks below; each gets the trainer (``trainer.model``,
``trainer.optimizer``, ``trainer.epochs``, ``trainer.stop_training``) and a ``logs`` dict:

- ``on_train_begin(trainer)`` / ``on_train_end(trainer, logs)``
- ``on_epoch_begin(trainer, epoch)`` / ``on_epoch_end(trainer, epoch, logs)``: ``epoch`` counts
  from 0; the end-of-epoch logs hold ``loss`` and each metric on the training set, ``val_loss``
  and ``val_<metric>`` when there is validation data, ``lr`` and ``time`` (seconds).
- ``on_batch_begin(trainer, batch)`` / ``on_batch_end(trainer, batch, logs)``: logs hold the
  batch's ``loss``, ``size`` and the running epoch means so far (``mean_loss``, ``mean_<metric>``).

Setting ``trainer.stop_training = True`` ends training after the current epoch. In
``Trainer(distributed=True)``, a callback with ``rank_zero_only = True`` runs on rank 0 only.
"""
from __future__ import annotations

import copy
import math
import os
import sys
import tempfile
import time
import warnings

__all__ = ["Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint", "LRSchedulerCallback",
           "ProgressBar", "TerminateOnNaN", "LambdaCallback", "atomic_save"]


class Callback:
    """Base class: every hook does nothing."""

    rank_zero_only = False  # True: in distributed training, only rank 0 runs it (output, files)

    def on_train_begin(self, trainer):
        pass

    def on_train_end(self, trainer, logs=None):
        pass

    def on_epoch_begin(self, trainer, epoch):
        pass

    def on_epoch_end(self, trainer, epoch, logs):
        pass

    def on_batch_begin(self, trainer, batch):
        pass

    def on_batch_end(self, trainer, batch, logs):
        pass


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda trainer, epoch, logs: ...)``."""

    def __init__(self, **hooks):
        for name, fn in hooks.items():
            if not hasattr(Callback, name):
                raise ValueError(f"LambdaCallback: unknown hook {name!r}")
            setattr(self, name, fn)


class CallbackList(Callback):
    """Calls each hook on every callback, in order."""

    def __init__(self, callbacks=()):
        self.callbacks = list(callbacks)

    def _call(self, name, *args):
        for cb in self.callbacks:
            getattr(cb, name)(*args)

    def on_train_begin(self, trainer):
        self._call("on_train_begin", trainer)

    def on_train_end(self, trainer, logs=None):
        self._call("on_train_end", trainer, logs)

    def on_epoch_begin(self, trainer, epoch):
        self._call("on_epoch_begin", trainer, epoch)

    def on_epoch_end(self, trainer, epoch, logs):
        self._call("on_epoch_end", trainer, epoch, logs)

    def on_batch_begin(self, trainer, batch):
        self._call("on_batch_begin", trainer, batch)

    def on_batch_end(self, trainer, batch, logs):
        self._call("on_batch_end", trainer, batch, logs)


# --------------------------------------------------------------------------------------
# monitoring helpers
# --------------------------------------------------------------------------------------
_MAX_WORDS = ("acc", "f1", "precision", "recall", "auc", "score")


def _resolve_mode(mode, monitor, who):
    if mode == "auto":
        name = monitor.lower()
        return "max" if any(w in name for w in _MAX_WORDS) else "min"
    if mode not in ("min", "max"):
        raise ValueError(f"{who}: mode must be 'min', 'max' or 'auto', got {mode!r}")
    return mode


def _improved(current, best, mode, min_delta):
    if best is None:
        return True
    if mode == "min":
        return current < best - min_delta
    return current > best + min_delta


def _copy_state(model):
    state = model.state_dict()
    out = {}
    for k, v in state.items():
        out[k] = v.detach().clone() if hasattr(v, "detach") else copy.deepcopy(v)
    return out


# --------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------
class History(Callback):
    """Records the end-of-epoch logs: ``history.history["loss"]``, ``["val_loss"]``, ... (one value
    per epoch, Keras-style), ``history.epoch`` (0-based epoch numbers). :meth:`plot` draws the
    convergence plot. ``fit`` always adds one and returns it.
    """

    def __init__(self):
        self.history = {}
        self.epoch = []

    def on_epoch_end(self, trainer, epoch, logs):
        self.epoch.append(epoch)
        n = len(self.epoch)
        for k, v in logs.items():
            if isinstance(v, (int, float)) or hasattr(v, "item"):
                col = self.history.setdefault(k, [math.nan] * (n - 1))
                col.extend([math.nan] * (n - 1 - len(col)))
                col.append(float(v))

    def __getitem__(self, key):
        return self.history[key]

    def __contains__(self, key):
        return key in self.history

    def __len__(self):
        return len(self.epoch)

    @property
    def train_loss(self):
        return list(self.history.get("loss", []))

    @property
    def val_loss(self):
        return list(self.history.get("val_loss", []))

    def __repr__(self):
        keys = ", ".join(self.history)
        return f"History(epochs={len(self.epoch)}, keys=[{keys}])"

    def plot(self, path="convergence.png", *, metrics=True, title=None, dpi=100):
        """Save the convergence plot as an image (PNG by the extension) and return ``path``.

        Left panel: training and validation loss per epoch. With ``metrics=True`` and metrics
        recorded, a right panel shows each metric (training and validation). Needs matplotlib
        (``pip install matplotlib``); raises ImportError saying so where it is absent. After
        ``fit(..., distributed=True)``, only rank 0 writes it (the others return None).
        """
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError as e:
            raise ImportError("History.plot needs matplotlib, which is not installed "
                              "(pip install matplotlib, or pip install 'reograd[plot]')") from e
        if not self.epoch:
            raise ValueError("History.plot: nothing to plot, no epoch has been recorded")
        if not getattr(self, "rank_zero", True):
            return None  # distributed training: rank 0 writes the plot
        x = [e + 1 for e in self.epoch]
        skip = {"loss", "val_loss", "lr", "time"}
        names = [k for k in self.history if not k.startswith("val_") and k not in skip]
        names += [k[4:] for k in self.history if k.startswith("val_") and k != "val_loss" and k[4:] not in names]
        panels = 2 if metrics and names else 1
        fig = Figure(figsize=(5.5 * panels, 4.0))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, panels, 1)
        if "loss" in self.history:
            ax.plot(x, self.history["loss"], "o-", label="training loss")
        if "val_loss" in self.history:
            ax.plot(x, self.history["val_loss"], "s-", label="validation loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.set_title(title or "Convergence")
        ax.grid(True, alpha=0.3)
        ax.legend()
        if panels == 2:
            ax2 = fig.add_subplot(1, 2, 2)
            for k in names:
                if k in self.history:
                    ax2.plot(x, self.history[k], "o-", label=f"training {k}")
                if "val_" + k in self.history:
                    ax2.plot(x, self.history["val_" + k], "s-", label=f"validation {k}")
            ax2.set_xlabel("epoch")
            ax2.set_ylabel("metric")
            ax2.grid(True, alpha=0.3)
            ax2.legend()
        fig.tight_layout()
        path = os.fspath(path)
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, exist_ok=True)
        fig.savefig(path, dpi=dpi)
        return path


# --------------------------------------------------------------------------------------
# EarlyStopping
# --------------------------------------------------------------------------------------
class EarlyStopping(Callback):
    """Stop when the monitored quantity has not improved for ``patience`` epochs; restore the best
    weights (the notes' early-stopping meta-algorithm, Goodfellow et al. Alg. 7.1).

    After each epoch, ``v' = logs[monitor]``. If ``v'`` beats the best ``v`` by more than
    ``min_delta`` (``v' < v - min_delta`` in ``"min"`` mode), then ``v <- v'``, the weights are copied
    (``theta* <- theta``) and the counter ``j <- 0``; otherwise ``j <- j + 1``, and training stops when
    ``j == patience``. With ``restore_best_weights`` the model gets ``theta*`` back when training
    ends (whether it stopped early or ran out of epochs).

    Args:
        monitor: a key of the epoch logs (``"val_loss"``, ``"val_accuracy"``, ``"loss"``, ...).
        patience: epochs without improvement before stopping.
        min_delta: the smallest change that counts as an improvement.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for names with acc/f1/precision/recall/auc).
        restore_best_weights: load the best epoch's weights at the end.
        baseline: a value the monitored quantity must beat to count as improvement.
        start_from_epoch: epochs to wait before monitoring (warm-up).

    After training: ``best`` (value), ``best_epoch`` (0-based), ``stopped_epoch`` (None if not
    stopped early).
    """

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="auto", restore_best_weights=True,
                 baseline=None, start_from_epoch=0, verbose=False):
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = abs(float(min_delta))
        self.mode = _resolve_mode(mode, monitor, "EarlyStopping")
        self.restore_best_weights = restore_best_weights
        self.baseline = baseline
        self.start_from_epoch = start_from_epoch
        self.verbose = verbose
        self._reset()

    def _reset(self):
        self.wait = 0
        self.best = self.baseline
        self.best_epoch = None
        self.best_weights = None
        self.stopped_epoch = None
        self._warned = False

    def on_train_begin(self, trainer):
        self._reset()

    def on_epoch_end(self, trainer, epoch, logs):
        current = logs.get(self.monitor)
        if current is None:
            if not self._warned:
                warnings.warn(f"EarlyStopping: monitored value {self.monitor!r} is not in the epoch logs "
                              f"(available: {sorted(logs)}); pass validation data or change monitor",
                              RuntimeWarning, stacklevel=2)
                self._warned = True
            return
        current = float(current)
        if epoch < self.start_from_epoch or math.isnan(current):
            if math.isnan(current):
                self.wait += 1
        elif _improved(current, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = _copy_state(trainer.model)
            return
        else:
            self.wait += 1
        if self.wait >= self.patience and epoch >= self.start_from_epoch:
            self.stopped_epoch = epoch
            trainer.stop_training = True
            if self.verbose:
                print(f"Early stopping at epoch {epoch + 1}: {self.monitor} has not improved for "
                      f"{self.wait} epochs (best {self.best:.6g} at epoch "
                      f"{'-' if self.best_epoch is None else self.best_epoch + 1})")

    def on_train_end(self, trainer, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            trainer.model.load_state_dict(self.best_weights)
            if self.verbose:
                print(f"Restored the weights of epoch {self.best_epoch + 1} ({self.monitor} = {self.best:.6g})")


# --------------------------------------------------------------------------------------
# ModelCheckpoint
# --------------------------------------------------------------------------------------
def atomic_save(obj, path):
    """``reograd.save(obj, path)`` so that ``path`` is never left half-written: the data goes to a
    temporary file in the same folder, is flushed to disk, then renamed over ``path`` (``os.replace``
    is atomic). On any error the temporary file is removed and an existing ``path`` is untouched."""
    import reograd

    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            reograd.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


class ModelCheckpoint(Callback):
    """Save the model after each epoch (atomically, with :func:`atomic_save` / ``reograd.save``).

    Args:
        filepath: where to save; may hold format fields from the epoch logs and ``epoch``
            (1-based), e.g. ``"ckpt/mnist-{epoch:02d}-{val_loss:.3f}.pt"``.
        monitor: the logs key compared for ``save_best_only``.
        mode: ``"min"``, ``"max"`` or ``"auto"``.
        save_best_only: save only when ``monitor`` improves on the best so far.
        save_weights_only: save ``model.state_dict()`` (default) or, if False, a dict with the
            model's and the optimizer's state dicts, the epoch and the logs.
        min_delta: the smallest change that counts as an improvement.

    ``best`` / ``best_path`` / ``last_path`` tell what was saved.
    """

    rank_zero_only = True

    def __init__(self, filepath, monitor="val_loss", mode="auto", save_best_only=False, save_weights_only=True,
                 min_delta=0.0, verbose=False):
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.mode = _resolve_mode(mode, monitor, "ModelCheckpoint")
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.min_delta = abs(float(min_delta))
        self.verbose = verbose
        self.best = None
        self.best_path = None
        self.last_path = None
        self._warned = False

    def on_train_begin(self, trainer):
        self.best = None

    def on_epoch_end(self, trainer, epoch, logs):
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                if not self._warned:
                    warnings.warn(f"ModelCheckpoint: monitored value {self.monitor!r} is not in the epoch logs "
                                  f"(available: {sorted(logs)}); not saving", RuntimeWarning, stacklevel=2)
                    self._warned = True
                return
            if math.isnan(float(current)) or not _improved(float(current), self.best, self.mode, self.min_delta):
                return
            self.best = float(current)
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"ModelCheckpoint: cannot fill filepath {self.filepath!r} from the epoch logs "
                             f"{sorted(logs)}: {e}") from None
        if self.save_weights_only:
            obj = trainer.model.state_dict()
        else:
            obj = {"epoch": epoch + 1, "model_state_dict": trainer.model.state_dict(),
                   "optimizer_state_dict": trainer.optimizer.state_dict() if trainer.optimizer else None,
                   "logs": {k: float(v) for k, v in logs.items() if isinstance(v, (int, float))}}
        atomic_save(obj, path)
        self.last_path = path
        if self.save_best_only:
            self.best_path = path
        if self.verbose:
            print(f"Saved checkpoint {path}")


# --------------------------------------------------------------------------------------
# LR schedules
# --------------------------------------------------------------------------------------
def _is_plateau(scheduler):
    try:
        from ..optim.lr_scheduler import ReduceLROnPlateau
    except ImportError:  # pragma: no cover
        ReduceLROnPlateau = ()
    return isinstance(scheduler, ReduceLROnPlateau) or type(scheduler).__name__ == "ReduceLROnPlateau"


class LRSchedulerCallback(Callback):
    """Step a ``reograd.optim.lr_scheduler`` scheduler once per epoch (``interval="epoch"``) or once
    per batch (``"batch"``, e.g. ``OneCycleLR``). A ``ReduceLROnPlateau`` is stepped per epoch with the
    monitored value (``monitor``, default ``"val_loss"``, falling back to ``"loss"``).
    """

    def __init__(self, scheduler, interval="epoch", monitor="val_loss"):
        if interval not in ("epoch", "batch"):
            raise ValueError(f"LRSchedulerCallback: interval must be 'epoch' or 'batch', got {interval!r}")
        self.scheduler = scheduler
        self.plateau = _is_plateau(scheduler)
        self.interval = "epoch" if self.plateau else interval
        self.monitor = monitor

    def on_batch_end(self, trainer, batch, logs):
        if self.interval == "batch":
            self.scheduler.step()

    def on_epoch_end(self, trainer, epoch, logs):
        if self.interval != "epoch":
            return
        if self.plateau:
            value = logs.get(self.monitor, logs.get("loss"))
            if value is None:
                raise KeyError(f"LRSchedulerCallback: ReduceLROnPlateau needs {self.monitor!r} in the epoch logs "
                               f"(available: {sorted(logs)})")
            self.scheduler.step(float(value))
        else:
            self.scheduler.step()


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite."""

    def on_batch_end(self, trainer, batch, logs):
        loss = logs.get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"TerminateOnNaN: batch {batch} has loss {loss}; stopping", file=sys.stderr)
            trainer.stop_training = True
            trainer.stop_epoch_now = True


# --------------------------------------------------------------------------------------
# ProgressBar
# --------------------------------------------------------------------------------------
def _fmt_logs(logs, keys=None):
    parts = []
    for k, v in logs.items():
        if keys is not None and k not in keys:
            continue
        if k in ("time", "size") or not isinstance(v, (int, float)):
            continue
        parts.append(f"{k} {v:.4g}" if k == "lr" else f"{k} {v:.4f}")
    return " - ".join(parts)


class ProgressBar(Callback):
    """A tqdm progress bar per epoch, with the running loss and metrics as postfix and the
    validation results at the end. Without tqdm (an optional dependency) or with
    ``use_tqdm=False``, prints one line per epoch instead.

    Args:
        file: where to write (default: stderr for the bar, stdout for lines).
        use_tqdm: None (tqdm if importable), True or False.
        leave: keep each epoch's bar on screen.
    """

    rank_zero_only = True

    def __init__(self, file=None, use_tqdm=None, leave=True):
        self.file = file
        self.leave = leave
        if use_tqdm is None or use_tqdm:
            try:
                from tqdm.auto import tqdm  # noqa: F401
                self._tqdm = tqdm
            except ImportError:
                if use_tqdm:
                    raise ImportError("ProgressBar(use_tqdm=True) needs tqdm (pip install tqdm)") from None
                self._tqdm = None
        else:
            self._tqdm = None
        self.bar = None

    def on_epoch_begin(self, trainer, epoch):
        self._t0 = time.perf_counter()
        self._epoch = epoch
        if self._tqdm is not None:
            total = trainer.steps_per_epoch
            self.bar = self._tqdm(total=total, desc=f"epoch {epoch + 1}/{trainer.epochs}", unit="batch",
                                  leave=self.leave, file=self.file, dynamic_ncols=True)

    def on_batch_end(self, trainer, batch, logs):
        if self.bar is not None:
            post = {k[5:]: f"{v:.4f}" for k, v in logs.items() if k.startswith("mean_")}
            self.bar.set_postfix(post, refresh=False)
            self.bar.update(1)

    def on_epoch_end(self, trainer, epoch, logs):
        if self.bar is not None:
            post = {k: f"{v:.4f}" for k, v in logs.items()
                    if isinstance(v, (int, float)) and k not in ("time", "lr")}
            self.bar.set_postfix(post, refresh=True)
            self.bar.close()
            self.bar = None
        else:
            line = f"epoch {epoch + 1}/{trainer.epochs} - {_fmt_logs(logs)} - {logs.get('time', 0.0):.1f}s"
            print(line, file=self.file or sys.stdout, flush=True)

    def on_train_end(self, trainer, logs=None):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
