"""The learning-rate range test (Smith 2017, "Cyclical learning rates"; fastai's ``lr_find``).

Train for ``num_iter`` steps while the learning rate grows exponentially from ``start_lr`` to ``end_lr``,
``lr_i = start_lr (end_lr / start_lr)^(i / (num_iter - 1))``, and record the loss, smoothed by
``s_i = f l_i + (1 - f) s_{i-1}``. The loss falls slowly at tiny rates, fastest at good ones and blows up
past the largest stable rate; the suggestion is the rate of the steepest descent of the smoothed loss
against ``log lr``. The model's and optimizer's states are restored afterwards.
"""
from __future__ import annotations

import copy
import math

import numpy as np

from .fit import _split_batch

__all__ = ["lr_find", "LRFinderResult"]


class LRFinderResult:
    """The sweep: ``lrs``, smoothed ``losses``, ``raw_losses`` (lists), ``suggestion`` (the steepest-descent
    rate, or None when the sweep was too short) and :meth:`plot`."""

    def __init__(self, lrs, losses, raw_losses, suggestion, diverged):
        self.lrs, self.losses, self.raw_losses = lrs, losses, raw_losses
        self.suggestion, self.diverged = suggestion, diverged

    def __repr__(self):
        s = "None" if self.suggestion is None else f"{self.suggestion:.3g}"
        return f"LRFinderResult({len(self.lrs)} steps, suggestion={s}, diverged={self.diverged})"

    def plot(self, path=None, ax=None):
        """The loss against the learning rate (log x axis), the suggestion marked; saved to ``path`` when given.
        Returns the Figure (None when drawing into ``ax``)."""
        fig = None
        if ax is None:
            try:
                from matplotlib.figure import Figure
            except ImportError:  # pragma: no cover - matplotlib is optional
                raise ImportError("LRFinderResult.plot needs matplotlib: pip install matplotlib") from None
            fig = Figure(figsize=(5, 3.5))
            ax = fig.subplots()
        ax.plot(self.lrs, self.losses, label="smoothed loss")
        ax.plot(self.lrs, self.raw_losses, alpha=0.3, lw=0.7, label="loss")
        if self.suggestion is not None:
            ax.axvline(self.suggestion, color="red", ls="--", lw=1, label=f"suggestion {self.suggestion:.2g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.set_title("learning-rate finder")
        ax.legend(fontsize=7)
        if fig is not None:
            fig.tight_layout()
            if path is not None:
                fig.savefig(path)
        return fig


def _batches(data):
    while True:
        empty = True
        for b in data:
            empty = False
            yield b
        if empty:
            raise ValueError("lr_find: train_data yielded no batches")


def lr_find(model, train_data, optimizer=None, loss_fn=None, start_lr=1e-7, end_lr=10.0, num_iter=100,
            step_mode="exp", smooth_f=0.05, diverge_th=5.0, skip_start=10, skip_end=5, restore=True):
    """Run the learning-rate range test (module docstring) and return an :class:`LRFinderResult`.

    Args:
        model: the ``nn.Module``.
        train_data: an iterable of ``(inputs, target)`` batches (re-iterated when exhausted).
        optimizer: default ``SGD(model.parameters(), lr=start_lr, momentum=0.9)``; every param group's lr is
            driven by the sweep.
        loss_fn: ``loss_fn(output, target)`` (default ``F.cross_entropy``).
        start_lr, end_lr, num_iter: the sweep.
        step_mode: ``"exp"`` (geometric) or ``"linear"``.
        smooth_f: the smoothing factor of the loss (0 keeps the raw loss).
        diverge_th: stop when the smoothed loss exceeds this many times its best.
        skip_start, skip_end: steps left out at both ends when looking for the steepest descent.
        restore: put the model's and optimizer's states back afterwards.
    """
    if not (0 < start_lr < end_lr):
        raise ValueError(f"lr_find: need 0 < start_lr < end_lr, got {start_lr} and {end_lr}")
    if step_mode not in ("exp", "linear"):
        raise ValueError(f"lr_find: step_mode must be 'exp' or 'linear', got {step_mode!r}")
    if not isinstance(num_iter, int) or num_iter < 2:
        raise ValueError(f"lr_find: num_iter must be an int >= 2, got {num_iter!r}")
    if optimizer is None:
        from ..optim import SGD

        optimizer = SGD(model.parameters(), lr=start_lr, momentum=0.9)
    if loss_fn is None:
        from ..nn.functional import cross_entropy as loss_fn
    saved_model = copy.deepcopy(model.state_dict()) if restore else None
    saved_opt = copy.deepcopy(optimizer.state_dict()) if restore else None
    was_training = model.training
    lrs, losses, raw = [], [], []
    best = math.inf
    diverged = False
    model.train()
    try:
        it = _batches(train_data)
        for i in range(num_iter):
            frac = i / (num_iter - 1)
            lr = start_lr * (end_lr / start_lr) ** frac if step_mode == "exp" else start_lr + frac * (end_lr - start_lr)
            for g in optimizer.param_groups:
                g["lr"] = lr
            x, y = _split_batch(next(it))
            optimizer.zero_grad()
            out = model(*x) if isinstance(x, tuple) else model(x)
            loss = loss_fn(out, y)
            loss.backward()
            optimizer.step()
            lv = float(loss.item())
            raw.append(lv)
            s = lv if not losses else smooth_f * lv + (1 - smooth_f) * losses[-1]
            lrs.append(lr)
            losses.append(s)
            if not math.isfinite(s) or s > diverge_th * best:
                diverged = True
                break
            best = min(best, s)
    finally:
        if restore:
            model.load_state_dict(saved_model)
            optimizer.load_state_dict(saved_opt)
        model.train(was_training)
    return LRFinderResult(lrs, losses, raw, _steepest(lrs, losses, skip_start, skip_end), diverged)


def _steepest(lrs, losses, skip_start, skip_end):
    """The rate where the smoothed loss falls fastest against log lr (None when too few points)."""
    lo, hi = skip_start, len(lrs) - skip_end
    if hi - lo < 3:
        lo, hi = 0, len(lrs)
    if hi - lo < 3:
        return None
    x = np.log10(np.asarray(lrs[lo:hi]))
    y = np.asarray(losses[lo:hi])
    ok = np.isfinite(y)
    if ok.sum() < 3:
        return None
    slope = np.gradient(y[ok], x[ok])
    return float(10 ** x[ok][int(np.argmin(slope))])
