"""The scheduler base class (``LRScheduler``) and the helpers every schedule uses (see the package's docstring)."""
from __future__ import annotations

import warnings

from ...autograd.tensor import Tensor
from ..optimizer import Optimizer


EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. "
    "Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different "
    "from None, the closed form is used instead of the new chainable form, where available."
)
_ORDER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you "
    "should call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to "
    "do this will result in PyTorch skipping the first value of the learning rate schedule. See more "
    "details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"
)


# ----------------------------------------------------------------------------- small helpers
def _num(v):
    """A Python number from a float or a one-element Tensor."""
    return v.item() if isinstance(v, Tensor) else v


def _snapshot(v):
    """A copy of an lr value that later in-place updates of the group's lr cannot change."""
    return v.clone() if isinstance(v, Tensor) else v


def _group_values(optimizer, key):
    return [_snapshot(g[key]) for g in optimizer.param_groups]


def _set_group_value(group, key, value):
    """Write ``value`` into ``group[key]``; a Tensor lr is filled in place (the optimizer keeps it)."""
    if isinstance(group[key], Tensor):
        group[key].fill_(_num(value))
    else:
        group[key] = value


def _per_group(name, optimizer, value):
    """``value`` repeated for each param group, or checked to have one entry per group."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has {n}.")
        return [_snapshot(v) for v in value]
    return [_snapshot(value)] * n


def _require_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


# ----------------------------------------------------------------------------- base class
class LRScheduler:
    """Base class of the schedules (``torch.optim.lr_scheduler.LRScheduler``).

    On construction it stores each group's lr as ``'initial_lr'`` (when ``last_epoch == -1``; a resumed
    schedule, ``last_epoch >= 0``, needs it already there), keeps those as ``base_lrs`` and takes the
    first step (``last_epoch`` becomes ``last_epoch + 1``). Subclasses provide ``_next_lr`` (chainable
    rule) and/or ``_lr_at`` (closed form), see the module docstring; or override ``get_lr``.
    """

    _closed_form = True  # whether _lr_at exists, for step(epoch)

    def __init__(self, optimizer, last_epoch=-1):
        _require_optimizer(optimizer)
        self.optimizer = optimizer
        groups = optimizer.param_groups
        if last_epoch == -1:
            for g in groups:
                if "initial_lr" not in g:
                    g["initial_lr"] = _snapshot(g["lr"])
        else:
            for i, g in enumerate(groups):
                if "initial_lr" not in g:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a "
                                   "scheduler with last_epoch >= 0: load the optimizer's state_dict first "
                                   "(or start a fresh run with last_epoch=-1)")
        self.base_lrs = _group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """The construction step (also used by ``SequentialLR`` to restart a child)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    # ---- public API
    def get_last_lr(self):
        """The learning rates (one per param group) set by the last ``step``."""
        return self._last_lr

    def get_lr(self):
        """The lrs for the current ``last_epoch`` by the chainable rule (called by ``step``)."""
        self._warn_if_outside_step()
        return [self._next_lr(self.last_epoch, i, g["lr"]) for i, g in enumerate(self.optimizer.param_groups)]

    def step(self, epoch=None):
        """Advance one step (``epoch=None``) or, deprecated, jump to ``epoch`` using the closed form."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(_ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._move_to(epoch)

    def state_dict(self):
        """The scheduler's state: every attribute except the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore a state made by ``state_dict()``."""
        self.__dict__.update(state_dict)

    # ---- machinery
    def _move_to(self, epoch=None):
        """Set ``last_epoch`` (next one, or ``epoch``) and write the new lrs into the param groups."""
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                lrs = self.get_lr()
            else:
                self.last_epoch = epoch
                if self._closed_form:
                    lrs = [self._lr_at(epoch, i) for i in range(len(self.base_lrs))]
                else:
                    lrs = self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        groups = self.optimizer.param_groups
        if len(lrs) != len(groups):
            raise ValueError(f"{type(self).__name__}: got {len(lrs)} lrs for {len(groups)} param groups")
        for g, lr in zip(groups, lrs):
            _set_group_value(g, "lr", lr)
        self._last_lr = _group_values(self.optimizer, "lr")

    def _warn_if_outside_step(self):
        if not getattr(self, "_get_lr_called_within_step", False):
            warnings.warn("To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                          UserWarning, stacklevel=3)

    def _next_lr(self, t, i, lr):
        """Chainable rule (default: the closed form, which ignores the current lr)."""
        return self._lr_at(t, i)

    def _lr_at(self, t, i):
        raise NotImplementedError(f"{type(self).__name__} defines no learning-rate rule")


_LRScheduler = LRScheduler  # old name


# ----------------------------------------------------------------------------- lambda schedules
