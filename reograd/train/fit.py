"""The training loop: :class:`Trainer` and the one-call :func:`fit`.

    from reograd.train import fit, EarlyStopping
    history = fit(model, train_loader, epochs=10, optimizer=reograd.optim.Adam(model.parameters()),
                  val_data=val_loader, metrics=["accuracy"], callbacks=[EarlyStopping(patience=3)])
    history.plot("convergence.png")

Each epoch runs the textbook loop (``model.train()``; per batch ``zero_grad``, forward, loss,
``backward``, ``step``), then evaluates on the validation data under ``no_grad`` in ``eval()``
mode, then calls the callbacks' ``on_epoch_end`` with the epoch's logs.

Data: any iterable of batches, re-iterable once per epoch (a ``DataLoader``, a list of
``(x, y)`` tuples...). A batch is ``(inputs, target)``; ``inputs`` may be a tuple/list of tensors,
passed to the model as ``model(*inputs)``.
"""
from __future__ import annotations

import math
import time

from .callbacks import CallbackList, History, LRSchedulerCallback, ProgressBar
from .metrics import Mean, _np, get_metric

__all__ = ["Trainer", "fit", "evaluate"]

_EPOCH_LEVEL = {"precision", "recall", "f1", "f1_score"}  # not means of per-batch values


def _to_device(x, device):
    if device is None:
        return x
    if isinstance(x, (tuple, list)):
        return type(x)(_to_device(v, device) for v in x)
    return x.to(device) if hasattr(x, "to") else x


def _split_batch(batch):
    if isinstance(batch, dict):
        raise TypeError("Trainer: dict batches are not supported; yield (inputs, target) tuples")
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise TypeError(f"Trainer: a batch must be an (inputs, target) pair, got {type(batch).__name__}"
                        + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else ""))
    if len(batch) == 2:
        return batch[0], batch[1]
    return tuple(batch[:-1]), batch[-1]


def _batch_size(x, y):
    t = y if hasattr(y, "shape") and len(y.shape) else (x[0] if isinstance(x, (tuple, list)) else x)
    try:
        return int(t.shape[0])
    except (AttributeError, IndexError, TypeError):
        return 1


def _len_or_none(data):
    try:
        return len(data)
    except TypeError:
        return None


def _default_loss():
    from ..nn import functional as F

    return F.cross_entropy


class Trainer:
    """Trains ``model`` with ``optimizer`` on ``loss_fn``, with metrics and callbacks.

    Args:
        model: a ``reograd.nn.Module``.
        optimizer: a ``reograd.optim`` optimizer (default ``Adam(model.parameters(), lr=1e-3)``).
        loss_fn: ``loss_fn(output, target) -> 0-d tensor`` (default ``F.cross_entropy``).
        metrics: names (``"accuracy"``, ``"top5"``, ``"precision"``, ``"recall"``, ``"f1"``), callables
            ``fn(output, target)``, or a dict ``{name: fn}``; logged per epoch for training and
            validation data.
        callbacks: a list of :class:`~reograd.train.callbacks.Callback`.
        scheduler: an LR scheduler, stepped per ``scheduler_interval`` (``"epoch"`` or ``"batch"``);
            a ``ReduceLROnPlateau`` gets ``val_loss``.
        regularizer: ``fn(model) -> 0-d tensor`` added to the loss for the gradient step (e.g.
            ``lambda m: 1e-4 * l2_penalty(m)``); the logged ``loss`` is the data loss alone.
        constraint: ``fn(model)`` run after every optimizer step (e.g. ``lambda m: max_norm_(m, 3.0)``).
        max_grad_norm: clip the total gradient norm to this (``clip_grad_norm_``) before each step.
        device: move batches (and the model) to this device.
        verbose: 1 shows a :class:`ProgressBar` (unless one is given), 0 is silent.
        distributed: train data-parallel across the processes of an MPI job: True, or a dict of
            ``DistributedDataParallel`` options (see :mod:`reograd.train.distributed`).
    """

    def __init__(self, model, optimizer=None, loss_fn=None, *, metrics=None, callbacks=None, scheduler=None,
                 scheduler_interval="epoch", regularizer=None, constraint=None, max_grad_norm=None, device=None,
                 verbose=1, distributed=False):
        if optimizer is None:
            from ..optim import Adam

            optimizer = Adam(model.parameters(), lr=1e-3)
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn if loss_fn is not None else _default_loss()
        self.metrics = self._metric_table(metrics)
        self.regularizer = regularizer
        self.constraint = constraint
        self.max_grad_norm = max_grad_norm
        self.device = device
        if device is not None:
            model.to(device)
        self.history = History()
        cbs = []
        if scheduler is not None:
            cbs.append(LRSchedulerCallback(scheduler, interval=scheduler_interval))
        cbs.extend(callbacks or [])
        if verbose and not any(isinstance(c, ProgressBar) for c in cbs):
            cbs.append(ProgressBar())
        cbs.append(self.history)  # last: records what the other callbacks put in the logs
        self._net, self._dist = model, None
        if distributed:
            from .distributed import DistributedMode

            self._dist = DistributedMode(model, distributed if isinstance(distributed, dict) else None)
            self.model, self._net, cbs = self._dist.module, self._dist.net, self._dist.callbacks(cbs)
            self.history.rank_zero = self._dist.rank == 0
        self.callbacks = CallbackList(cbs)
        self.stop_training = False
        self.stop_epoch_now = False
        self.epochs = 0
        self.epoch = 0
        self.steps_per_epoch = None
        self._closure_opt = type(optimizer).__name__ == "LBFGS"

    @staticmethod
    def _metric_table(metrics):
        if metrics is None:
            return {}
        if isinstance(metrics, dict):
            return {k: get_metric(v) for k, v in metrics.items()}
        if isinstance(metrics, str) or callable(metrics):
            metrics = [metrics]
        table = {}
        for m in metrics:
            name = m if isinstance(m, str) else getattr(m, "__name__", f"metric{len(table)}")
            table[name] = get_metric(m)
        return table

    # ----------------------------------------------------------------------------------
    def _lr(self):
        groups = getattr(self.optimizer, "param_groups", None)
        return float(groups[0]["lr"]) if groups else math.nan

    def _forward(self, x):
        return self._net(*x) if isinstance(x, tuple) else self._net(x)

    def _train_step(self, x, y):
        opt = self.optimizer
        if self._closure_opt:
            def closure():
                opt.zero_grad()
                out_ = self._forward(x)
                loss_ = self.loss_fn(out_, y)
                obj = loss_ + self.regularizer(self.model) if self.regularizer is not None else loss_
                obj.backward()
                closure.last = (out_, loss_)
                return obj
            opt.step(closure)
            out, loss = closure.last
        else:
            opt.zero_grad()
            out = self._forward(x)
            loss = self.loss_fn(out, y)
            obj = loss + self.regularizer(self.model) if self.regularizer is not None else loss
            obj.backward()
            if self.max_grad_norm is not None:
                from ..nn.utils import clip_grad_norm_

                clip_grad_norm_(self.model.parameters(), self.max_grad_norm)
            opt.step()
        if self.constraint is not None:
            self.constraint(self.model)
        return out, loss

    def _run_epoch(self, data, train):
        """One pass over ``data``; returns ``{"loss": ..., metric: ...}`` (means over samples)."""
        import reograd

        meters = {"loss": Mean(), **{k: Mean() for k in self.metrics if k not in _EPOCH_LEVEL}}
        collected = ([], []) if any(k in _EPOCH_LEVEL for k in self.metrics) else None
        self.model.train(train)
        for i, batch in enumerate(data):
            if train:
                self.callbacks.on_batch_begin(self, i)
            x, y = _split_batch(batch)
            x, y = _to_device(x, self.device), _to_device(y, self.device)
            n = _batch_size(x, y)
            if train:
                out, loss = self._train_step(x, y)
            else:
                out = self._forward(x)
                loss = self.loss_fn(out, y)
            loss_v = float(loss.item())
            meters["loss"].update(loss_v, n)
            if self._dist is not None:  # every rank logs (and its callbacks decide on) the mean over ranks
                loss_v = self._dist.batch_mean(loss_v, n)
            logs = {"loss": loss_v, "size": n}
            if self.metrics:
                with reograd.no_grad():
                    od = out.detach()
                    for k, fn in self.metrics.items():
                        if k in _EPOCH_LEVEL:
                            continue
                        v = float(fn(od, y))
                        meters[k].update(v, n)
                        logs[k] = v
                    if collected is not None:
                        o = _np(od)
                        collected[0].append(o.argmax(axis=1) if o.ndim == 2 else o)
                        collected[1].append(_np(y))
            if train:
                for k, m in meters.items():
                    logs["mean_" + k] = m.compute()
                self.callbacks.on_batch_end(self, i, logs)
                if self.stop_epoch_now:
                    break
        if self._dist is not None:
            collected = self._dist.gather_epoch(meters, collected)
        result = {k: m.compute() for k, m in meters.items()}
        if collected is not None and collected[0]:
            import numpy as np

            p, t = np.concatenate(collected[0]), np.concatenate(collected[1])
            for k, fn in self.metrics.items():
                if k in _EPOCH_LEVEL:
                    result[k] = float(fn(p, t))
        return result

    # ----------------------------------------------------------------------------------
    def fit(self, train_data, val_data=None, epochs=1, initial_epoch=0):
        """Train for ``epochs`` epochs (or until a callback stops training). Returns the History."""
        if epochs < initial_epoch:
            raise ValueError(f"Trainer.fit: epochs ({epochs}) < initial_epoch ({initial_epoch})")
        self.epochs = epochs
        self.steps_per_epoch = _len_or_none(train_data)
        self.stop_training = False
        self.callbacks.on_train_begin(self)
        logs = {}
        try:
            for epoch in range(initial_epoch, epochs):
                self.epoch = epoch
                self.stop_epoch_now = False
                if self._dist is not None:
                    self._dist.set_epoch(train_data, epoch)
                t0 = time.perf_counter()
                self.callbacks.on_epoch_begin(self, epoch)
                lr = self._lr()
                logs = self._run_epoch(train_data, train=True)
                if val_data is not None:
                    logs.update({"val_" + k: v for k, v in self.evaluate(val_data).items()})
                logs["lr"] = lr
                logs["time"] = time.perf_counter() - t0
                self.callbacks.on_epoch_end(self, epoch, logs)
                if self.stop_training:
                    break
        finally:
            self.callbacks.on_train_end(self, logs)
        return self.history

    def evaluate(self, data):
        """Mean loss and metrics of the model on ``data`` (``eval()`` mode, no gradients).

        Returns ``{"loss": ..., "<metric>": ...}``; the model's train/eval mode is restored.
        """
        import reograd

        was_training = self.model.training
        try:
            with reograd.no_grad():
                return self._run_epoch(data, train=False)
        finally:
            self.model.train(was_training)

    def predict(self, data):
        """The model's outputs on ``data`` (batches of inputs, or ``(inputs, target)`` pairs),
        concatenated along dim 0, computed in ``eval()`` mode without gradients."""
        import reograd

        was_training = self.model.training
        self.model.eval()
        outs = []
        try:
            with reograd.no_grad():
                for batch in data:
                    x = _split_batch(batch)[0] if isinstance(batch, (tuple, list)) else batch
                    outs.append(self._forward(_to_device(x, self.device)))
        finally:
            self.model.train(was_training)
        return reograd.cat(outs, dim=0)


def fit(model, train_data, *, epochs=1, optimizer=None, loss_fn=None, val_data=None, metrics=None, callbacks=None,
        scheduler=None, scheduler_interval="epoch", regularizer=None, constraint=None, max_grad_norm=None,
        device=None, verbose=1, initial_epoch=0, distributed=False):
    """Train ``model`` on ``train_data`` for ``epochs`` epochs; returns the :class:`History`.

    The arguments are those of :class:`Trainer` and :meth:`Trainer.fit`; the trainer is available as
    ``history.trainer``.
    """
    trainer = Trainer(model, optimizer, loss_fn, metrics=metrics, callbacks=callbacks, scheduler=scheduler,
                      scheduler_interval=scheduler_interval, regularizer=regularizer, constraint=constraint,
                      max_grad_norm=max_grad_norm, device=device, verbose=verbose, distributed=distributed)
    history = trainer.fit(train_data, val_data=val_data, epochs=epochs, initial_epoch=initial_epoch)
    history.trainer = trainer
    return history


def evaluate(model, data, *, loss_fn=None, metrics=None, device=None):
    """Mean loss and metrics of ``model`` on ``data`` (see :meth:`Trainer.evaluate`)."""
    trainer = Trainer(model, optimizer=_NoOptimizer(), loss_fn=loss_fn, metrics=metrics, device=device, verbose=0)
    return trainer.evaluate(data)


class _NoOptimizer:
    param_groups = ()
