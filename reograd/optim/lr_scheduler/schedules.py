"""The closed-form schedules (step, multi-step, exponential, linear, polynomial, cosine, lambda) and the
composite ones (``SequentialLR``, ``ChainedScheduler``)."""
from __future__ import annotations

import math
import types
from bisect import bisect_right
from collections import Counter

from .base import LRScheduler, _group_values, _set_group_value
from .cyclic import ReduceLROnPlateau


class _LambdaState:
    """state_dict support for schedules holding user functions: plain functions/lambdas are not
    saved (``None``), callable objects contribute their ``__dict__``."""

    @staticmethod
    def _lambdas(optimizer, lr_lambda):
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            return list(lr_lambda)
        return [lr_lambda] * n

    def state_dict(self):
        sd = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        sd["lr_lambdas"] = [None if isinstance(f, types.FunctionType) else dict(f.__dict__) for f in self.lr_lambdas]
        return sd

    def load_state_dict(self, state_dict):
        sd = dict(state_dict)
        saved = sd.pop("lr_lambdas")
        self.__dict__.update(sd)
        for f, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                f.__dict__.update(attrs)


class LambdaLR(_LambdaState, LRScheduler):
    """``lr_t = base_lr * lr_lambda(t)``; ``lr_lambda`` is one function or a list (one per group)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        self.lr_lambdas = self._lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t, i):
        return self.base_lrs[i] * self.lr_lambdas[i](t)


class MultiplicativeLR(_LambdaState, LRScheduler):
    """``lr_t = lr_{t-1} * lr_lambda(t)`` for ``t >= 1`` (the lr at construction is kept)."""

    _closed_form = False

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        self.lr_lambdas = self._lambdas(optimizer, lr_lambda)
        for f in self.lr_lambdas:
            if not callable(f):
                raise TypeError(f"lr_lambda should be a function, but got {type(f).__name__}")
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, t, i, lr):
        return lr if self._is_initial else lr * self.lr_lambdas[i](t)


# ----------------------------------------------------------------------------- step-wise decays
class StepLR(LRScheduler):
    """Decay by ``gamma`` every ``step_size`` steps: ``lr_t = base_lr * gamma ** (t // step_size)``."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, t, i, lr):
        return lr * self.gamma if t > 0 and t % self.step_size == 0 else lr

    def _lr_at(self, t, i):
        return self.base_lrs[i] * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """Decay by ``gamma`` at each milestone: ``lr_t = base_lr * gamma ** #{m in milestones : m <= t}``
    (a milestone listed k times decays by ``gamma ** k``)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, t, i, lr):
        hits = self.milestones.get(t, 0)
        return lr * self.gamma ** hits if hits else lr

    def _lr_at(self, t, i):
        passed = bisect_right(sorted(self.milestones.elements()), t)
        return self.base_lrs[i] * self.gamma ** passed


class ConstantLR(LRScheduler):
    """``lr_t = base_lr * factor`` for ``t < total_iters``, then ``base_lr``."""

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if not 0 <= factor <= 1.0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, t, i, lr):
        if t == 0:
            return lr * self.factor
        if t == self.total_iters:
            return lr * (1.0 / self.factor)
        return lr

    def _lr_at(self, t, i):
        return self.base_lrs[i] * (1.0 if t >= self.total_iters else self.factor)


class LinearLR(LRScheduler):
    """Factor moving linearly from ``start_factor`` to ``end_factor`` over ``total_iters`` steps:
    ``lr_t = base_lr * (s + (e - s) * min(t, total_iters) / total_iters)``.

    Chainable form: ``lr_t = lr_{t-1} * f(t) / f(t-1)`` with ``f`` the factor above, i.e.
    ``1 + (e - s) / (total_iters * s + (t - 1) * (e - s))``."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        if not 0 < start_factor <= 1.0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        if not 0 <= end_factor <= 1.0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, t, i, lr):
        if t == 0:
            return lr * self.start_factor
        if self._is_initial or t > self.total_iters:
            return lr
        slope = self.end_factor - self.start_factor
        return lr * (1.0 + slope / (self.total_iters * self.start_factor + (t - 1) * slope))

    def _lr_at(self, t, i):
        frac = min(t, self.total_iters) / self.total_iters
        return self.base_lrs[i] * (self.start_factor + (self.end_factor - self.start_factor) * frac)


class ExponentialLR(LRScheduler):
    """``lr_t = base_lr * gamma ** t`` (chainable: ``lr_t = gamma * lr_{t-1}``)."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, t, i, lr):
        return lr if self._is_initial else lr * self.gamma

    def _lr_at(self, t, i):
        return self.base_lrs[i] * self.gamma ** t


class PolynomialLR(LRScheduler):
    """``lr_t = base_lr * (1 - min(t, total_iters) / total_iters) ** power``.

    Chainable: ``lr_t = lr_{t-1} * ((1 - t/T) / (1 - (t-1)/T)) ** power`` for ``t <= T``."""

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, t, i, lr):
        if self._is_initial or t > self.total_iters:
            return lr
        T = self.total_iters
        return lr * ((1.0 - t / T) / (1.0 - (t - 1) / T)) ** self.power

    def _lr_at(self, t, i):
        return self.base_lrs[i] * (1.0 - min(t, self.total_iters) / self.total_iters) ** self.power


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing (SGDR without restarts):
    ``lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``.

    ``step()`` uses the chainable form, which keeps following the cosine past ``T_max`` (it rises back
    to ``base_lr`` at ``2 T_max``, and so on):

    * ``lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi t / T)) / (1 + cos(pi (t-1) / T))``,
    * except when ``t - 1`` is an odd multiple of ``T`` (the previous lr sat at the minimum, the
      ratio is 0/0): ``lr_t = lr_{t-1} + (base_lr - eta_min) * (1 - cos(pi / T)) / 2``.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, t, i, lr):
        if self._is_initial:
            return lr
        T, lo = self.T_max, self.eta_min
        if (t - 1 - T) % (2 * T) == 0:
            return lr + (self.base_lrs[i] - lo) * (1 - math.cos(math.pi / T)) / 2
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return ratio * (lr - lo) + lo

    def _lr_at(self, t, i):
        lo = self.eta_min
        return lo + (self.base_lrs[i] - lo) * (1 + math.cos(math.pi * t / self.T_max)) / 2


# ----------------------------------------------------------------------------- combinators
class _Composite(LRScheduler):
    """Shared parts of the schedules made of child schedules (they share one optimizer)."""

    def _check_children(self, schedulers, optimizer):
        name = type(self).__name__
        for k, s in enumerate(schedulers):
            if not hasattr(s, "optimizer"):
                raise TypeError(f"{name} at index {k} should have `optimizer` as its attribute.")
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(f"{name} does not support `ReduceLROnPlateau` scheduler as it requires additional "
                                 f"kwargs to be specified when calling `step`, but got one at index {k} in the "
                                 "given schedulers sequence.")
            if s.optimizer is not optimizer:
                raise ValueError(f"{name} expects all schedulers to belong to the same optimizer, but got "
                                 f"scheduler {type(s).__name__} at index {k} with a different optimizer.")

    def state_dict(self):
        sd = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        sd["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return sd

    def load_state_dict(self, state_dict):
        sd = dict(state_dict)
        children = sd.pop("_schedulers")
        self.__dict__.update(sd)
        for s, child in zip(self._schedulers, children):
            s.load_state_dict(child)


def _rewind(sched):
    """Undo the construction step of ``sched`` (and of its children, for nested composites)."""
    if hasattr(sched, "_schedulers"):
        for s in sched._schedulers:
            _rewind(s)
    elif hasattr(sched, "last_epoch"):
        sched.last_epoch -= 1


class SequentialLR(_Composite):
    """Run ``schedulers`` one after another: ``schedulers[k]`` is active from ``milestones[k-1]`` on, and
    restarts from its own epoch 0 (closed form) when it takes over."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        name = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name} expects at least one scheduler, but got no scheduler.")
        self._check_children(schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("Sequential Schedulers expects number of schedulers provided to be one more than the "
                             f"number of milestone points, but got number of schedulers {len(schedulers)} and "
                             f"the number of milestones to be equal to {len(milestones)}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # every child took a construction step on the same groups: start over from the initial lrs
        for g in optimizer.param_groups:
            _set_group_value(g, "lr", g["initial_lr"])
        _rewind(self)
        first = self._schedulers[bisect_right(milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self):
        self.last_epoch += 1
        k = bisect_right(self._milestones, self.last_epoch)
        active = self._schedulers[k]
        if k > 0 and self._milestones[k - 1] == self.last_epoch:
            active._move_to(0)  # hand-over: the new child starts at its epoch 0
        else:
            active.step()
        self._last_lr = active.get_last_lr()


class ChainedScheduler(_Composite):
    """Step every scheduler of ``schedulers`` at each ``step()``: their chainable rules compose (e.g. a
    warm-up factor times an exponential decay)."""

    def __init__(self, schedulers, optimizer=None):
        if len(schedulers) < 1:
            raise ValueError(f"{type(self).__name__} expects at least one scheduler to be chained, "
                             "but got no scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        self._check_children(schedulers, optimizer)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = _group_values(schedulers[-1].optimizer, "lr")

    def step(self):
        for s in self._schedulers:
            s.step()
        self._last_lr = _group_values(self._schedulers[-1].optimizer, "lr")
