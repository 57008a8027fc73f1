"""Plateau, cyclic, warm-restart and one-cycle schedules."""

from __future__ import annotations

import math
import types
import warnings

from .base import (EPOCH_DEPRECATION_WARNING, LRScheduler, _group_values, _per_group, _require_optimizer,
                   _set_group_value)

def _momentum_setup(sched, optimizer, base_momentum, max_momentum, write):
    """Check the optimizer has a momentum (SGD-like ``momentum`` or Adam-like ``betas[0]``); with
    ``write``, start every group at its max momentum and record both bounds in the group."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
    sched.use_beta1 = "betas" in optimizer.defaults
    lows = _per_group("base_momentum", optimizer, base_momentum)
    highs = _per_group("max_momentum", optimizer, max_momentum)
    if write:
        for g, lo, hi in zip(optimizer.param_groups, lows, highs):
            _set_momentum(sched, g, hi)
            g["max_momentum"], g["base_momentum"] = hi, lo
    return lows, highs


def _set_momentum(sched, group, m):
    if sched.use_beta1:
        group["betas"] = (m,) + tuple(group["betas"][1:])
    else:
        group["momentum"] = m


# ----------------------------------------------------------------------------- plateau
class ReduceLROnPlateau(LRScheduler):
    """Multiply each lr by ``factor`` once the metric passed to ``step(metrics)`` has not improved for
    more than ``patience`` steps, then pause for ``cooldown`` steps.

    Improvement over the best value so far, for ``mode='min'``: ``m < best * (1 - threshold)``
    (``threshold_mode='rel'``) or ``m < best - threshold`` (``'abs'``); mirrored for ``'max'``. A lr never
    goes below its ``min_lr``, and changes smaller than ``eps`` are skipped.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        _require_optimizer(optimizer)
        self.factor = factor
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr, self.min_lrs = None, list(min_lr)
        else:
            self.default_min_lr, self.min_lrs = min_lr, [min_lr] * n
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _group_values(optimizer, "lr")
        self._set_comparison(mode, threshold, threshold_mode)
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _set_comparison(self, mode, threshold, threshold_mode):
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown!")
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def is_better(self, a, best):
        """Whether metric ``a`` improves on ``best`` by more than the threshold."""
        sign = 1.0 if self.mode == "min" else -1.0  # 'max' is 'min' of the negated metric
        if self.threshold_mode == "rel":
            bar = best * (1.0 - sign * self.threshold)
        else:
            bar = best - sign * self.threshold
        return a < bar if sign > 0 else a > bar

    def step(self, metrics, epoch=None):
        current = float(metrics)
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:  # bad epochs during a cooldown do not count
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._decay()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = _group_values(self.optimizer, "lr")

    def _decay(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"The number of param groups in the `optimizer` ({len(groups)}) differs from "
                                   f"when `ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually due "
                                   "to a new param group being added to the optimizer. Please modify the "
                                   "`min_lrs` field to match the length of the `optimizer` param groups.")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for g, floor in zip(groups, self.min_lrs):
            old = float(g["lr"])
            new = max(old * self.factor, floor)
            if old - new > self.eps:
                _set_group_value(g, "lr", new)

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_comparison(self.mode, self.threshold, self.threshold_mode)


# ----------------------------------------------------------------------------- cyclic
class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith, 2017), stepped once per batch.

    One cycle lasts ``total = step_size_up + step_size_down`` steps. With ``c = floor(1 + t / total)`` the
    cycle number and ``x = 1 + t / total - c`` the position in it, the height rises linearly ``x / r``
    while ``x <= r = step_size_up / total`` and then falls ``(1 - x) / (1 - r)``:

        lr_t = base_lr + (max_lr - base_lr) * height * scale

    ``scale`` is ``1`` (``'triangular'``), ``1 / 2 ** (c - 1)`` (``'triangular2'``), ``gamma ** t``
    (``'exp_range'``), or ``scale_fn(c)`` / ``scale_fn(t)`` for a custom function (``scale_mode``
    ``'cycle'`` / ``'iterations'``). With ``cycle_momentum`` the momentum (or Adam's beta1) moves the other
    way: ``m_t = max_momentum - (max_momentum - base_momentum) * height * scale``.
    """

    _closed_form = False

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        _require_optimizer(optimizer)
        self.optimizer = optimizer
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for g, lr in zip(optimizer.param_groups, base_lrs):
                _set_group_value(g, "lr", lr)
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = up if step_size_down is None else float(step_size_down)
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        # the built-in policies fix how their scale is indexed
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.base_momentums, self.max_momentums = _momentum_setup(self, optimizer, base_momentum, max_momentum,
                                                                      write=last_epoch == -1)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x):
        """The amplitude scale at ``x`` (cycle number or step, per ``scale_mode``)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / 2.0 ** (x - 1)
        return self.gamma ** x

    def get_lr(self):
        self._warn_if_outside_step()
        t = self.last_epoch
        cycle = math.floor(1 + t / self.total_size)
        x = 1.0 + t / self.total_size - cycle
        r = self.step_ratio
        height = x / r if x <= r else (x - 1) / (r - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else t)
        lrs = [lo + (hi - lo) * height * scale for lo, hi in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for g, lo, hi in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(self, g, hi - (hi - lo) * height * scale)
        return lrs

    def state_dict(self):
        sd = super().state_dict()
        fn = sd.pop("_scale_fn_custom")
        sd["_scale_fn_custom"] = None if fn is None or isinstance(fn, types.FunctionType) else dict(fn.__dict__)
        return sd

    def load_state_dict(self, state_dict):
        sd = dict(state_dict)
        attrs = sd.pop("_scale_fn_custom")
        super().load_state_dict(sd)
        if attrs is not None:
            self._scale_fn_custom.__dict__.update(attrs)


# ----------------------------------------------------------------------------- warm restarts
class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter): cosine annealing restarted every ``T_i`` steps,
    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``, where ``T_cur`` counts the
    steps since the last restart and ``T_i`` starts at ``T_0`` and is multiplied by ``T_mult`` at each
    restart. ``step(epoch)`` accepts fractional epochs (e.g. ``epoch + batch / n_batches``)."""

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_outside_step()
        cos = 1 + math.cos(math.pi * self.T_cur / self.T_i)
        return [self.eta_min + (b - self.eta_min) * cos / 2 for b in self.base_lrs]

    def _locate(self, epoch):
        """(T_cur, T_i) at a given epoch: walk the restart periods T_0, T_0*T_mult, ..."""
        if epoch < 0:
            raise ValueError(f"Expected non-negative epoch, but got {epoch}")
        if self.T_mult == 1:
            return epoch % self.T_0, self.T_0
        start, period = 0, self.T_0
        while epoch >= start + period:
            start, period = start + period, period * self.T_mult
        return epoch - start, period

    def step(self, epoch=None):
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:  # restart
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        else:
            self.T_cur, self.T_i = self._locate(epoch)
        self.last_epoch = math.floor(epoch)
        self._get_lr_called_within_step = True
        try:
            lrs = self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for g, lr in zip(self.optimizer.param_groups, lrs):
            _set_group_value(g, "lr", lr)
        self._last_lr = _group_values(self.optimizer, "lr")


# ----------------------------------------------------------------------------- one cycle
def _cos_ramp(a, b, frac):
    """From ``a`` (frac=0) to ``b`` (frac=1) along half a cosine."""
    return b + (a - b) / 2.0 * (math.cos(math.pi * frac) + 1)


def _linear_ramp(a, b, frac):
    return a + (b - a) * frac


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2018), stepped once per batch for ``total_steps`` steps.

    Phases (each ramp ``'cos'`` or ``'linear'`` per ``anneal_strategy``), with ``p = pct_start`` and
    ``N = total_steps`` and ``initial_lr = max_lr / div_factor``, ``min_lr = initial_lr / final_div_factor``:

    * two phases: ``initial_lr -> max_lr`` until step ``p N - 1``, then ``max_lr -> min_lr`` until ``N - 1``;
    * ``three_phase``: ``initial_lr -> max_lr`` until ``p N - 1``, ``max_lr -> initial_lr`` until
      ``2 p N - 2``, then ``initial_lr -> min_lr`` until ``N - 1``.

    With ``cycle_momentum`` the momentum (or beta1) runs the opposite way between ``max_momentum`` and
    ``base_momentum``. The per-group values live in the param groups (``initial_lr``, ``max_lr``,
    ``min_lr``, ``max_momentum``, ``base_momentum``).
    """

    _closed_form = False

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        _require_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_func_type = anneal_strategy
        # each phase: (last step, (lr from, lr to), (momentum from, momentum to)); names are group keys
        rise = float(pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if three_phase:
            self._schedule_phases = [
                (rise, ("initial_lr", "max_lr"), ("max_momentum", "base_momentum")),
                (float(2 * pct_start * self.total_steps) - 2, ("max_lr", "initial_lr"),
                 ("base_momentum", "max_momentum")),
                (last, ("initial_lr", "min_lr"), ("max_momentum", "max_momentum")),
            ]
        else:
            self._schedule_phases = [
                (rise, ("initial_lr", "max_lr"), ("max_momentum", "base_momentum")),
                (last, ("max_lr", "min_lr"), ("base_momentum", "max_momentum")),
            ]
        if last_epoch == -1:
            for g, top in zip(optimizer.param_groups, _per_group("max_lr", optimizer, max_lr)):
                g["initial_lr"] = top / div_factor
                g["max_lr"] = top
                g["min_lr"] = g["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _momentum_setup(self, optimizer, base_momentum, max_momentum, write=last_epoch == -1)
        super().__init__(optimizer, last_epoch)

    def _phase_values(self, group, t):
        """(lr, momentum) of ``group`` at step ``t``."""
        ramp = _cos_ramp if self._anneal_func_type == "cos" else _linear_ramp
        begin = 0.0
        for k, (end, lr_keys, mom_keys) in enumerate(self._schedule_phases):
            if t <= end or k == len(self._schedule_phases) - 1:
                frac = (t - begin) / (end - begin)
                lr = ramp(group[lr_keys[0]], group[lr_keys[1]], frac)
                mom = ramp(group[mom_keys[0]], group[mom_keys[1]], frac) if self.cycle_momentum else None
                return lr, mom
            begin = end

    def get_lr(self):
        self._warn_if_outside_step()
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"Tried to step {t} times. The specified number of total steps is {self.total_steps}")
        lrs = []
        for g in self.optimizer.param_groups:
            lr, mom = self._phase_values(g, t)
            lrs.append(lr)
            if mom is not None:
                _set_momentum(self, g, mom)
        return lrs
