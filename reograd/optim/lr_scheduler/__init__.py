"""``reograd.optim.lr_scheduler``: learning-rate schedules (``torch.optim.lr_scheduler``).

A scheduler rewrites ``group['lr']`` of each param group of an optimizer every time
``scheduler.step()`` is called (after ``optimizer.step()``, once per epoch or per batch)::

    sched = StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(); sched.step()

How a schedule is written here. Let ``t = last_epoch`` (0 right after construction, +1 per
``step()``) and ``b_i`` the base lr of group ``i`` (its ``'initial_lr'``). A schedule defines

* ``_next_lr(t, i, lr)``: the *chainable* rule that maps the group's current lr to the one for step
  ``t``. Because it only multiplies (or shifts) whatever lr the group has, several schedules can act
  on the same optimizer (``ChainedScheduler``, ``SequentialLR``). This is what ``step()`` uses, and it
  reproduces PyTorch's sequences.
* ``_lr_at(t, i)``: the closed form ``lr_t`` as a function of ``b_i`` (used by the deprecated
  ``step(epoch)``, which jumps straight to an epoch). Schedules without one set ``_closed_form = False``.

While the scheduler is being built, ``_is_initial`` is True: the construction step that brings
``last_epoch`` from -1 to 0 usually keeps the optimizer's lr unchanged.

``state_dict()`` holds every attribute except the optimizer; ``get_last_lr()`` the rates set by the
last step. This package is the namespace: the base class is in ``base.py``, the closed-form and composite
schedules in ``schedules.py``, the plateau, cyclic, warm-restart and one-cycle ones in ``cyclic.py``.
"""
from __future__ import annotations

from .base import EPOCH_DEPRECATION_WARNING, LRScheduler, _LRScheduler  # noqa: F401
from .cyclic import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, ReduceLROnPlateau  # noqa: F401
from .schedules import (ChainedScheduler, ConstantLR, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR,
                        MultiStepLR, MultiplicativeLR, PolynomialLR, SequentialLR, StepLR)

__all__ = [
    "LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
    "ExponentialLR", "SequentialLR", "PolynomialLR", "CosineAnnealingLR", "ChainedScheduler",
    "ReduceLROnPlateau", "CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR",
]
