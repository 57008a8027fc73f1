"""The plumbing every attribution method shares, with Captum's conventions.

- ``inputs``: a Tensor or a tuple of Tensors, dim 0 the examples; the attributions come back in the
  same form (a tuple for a tuple).
- ``baselines``: None (zeros), a number, or a Tensor per input of the input's shape or with one example
  (``shape[0] == 1``), broadcast over the batch.
- ``target``: which output to explain. ``None`` (the output is already one number per example), an int
  (a column of a 2-D output), a tuple (an index into the dims after the batch dim), a 1-D Tensor or a
  list with one int (or tuple) per example.
- ``additional_forward_args``: extra arguments passed to the forward function after the inputs,
  ``forward_func(*inputs, *additional_forward_args)``; Tensors among them are repeated along dim 0
  whenever the method evaluates several perturbed copies of the batch at once.
"""
from __future__ import annotations

import numbers

import reograd
from reograd.autograd.tensor import Tensor

__all__ = ["Attribution", "GradientAttribution", "PerturbationAttribution"]


def is_tuple(x):
    return isinstance(x, tuple)


def format_inputs(inputs, name="inputs", method="attribute"):
    """``inputs`` as a tuple of Tensors (a lone Tensor becomes a 1-tuple)."""
    tup = inputs if isinstance(inputs, tuple) else (inputs,)
    for i, t in enumerate(tup):
        if not isinstance(t, Tensor):
            raise TypeError(f"{method}: {name} must be a Tensor or a tuple of Tensors, but element {i} is "
                            f"{type(t).__name__}")
    return tup


def format_output(was_tuple, tup):
    """A tuple back for tuple inputs, the lone Tensor otherwise."""
    tup = tuple(tup)
    return tup if was_tuple else tup[0]


def format_additional_args(args):
    if args is None:
        return None
    return args if isinstance(args, tuple) else (args,)


def format_baselines(baselines, inputs, method="attribute"):
    """One baseline per input: zeros when None; numbers stay numbers; Tensors are checked for shape."""
    if baselines is None:
        return tuple(0.0 for _ in inputs)
    tup = baselines if isinstance(baselines, tuple) else (baselines,)
    if len(tup) != len(inputs):
        raise ValueError(f"{method}: {len(inputs)} input tensor(s) but {len(tup)} baseline(s)")
    for i, (b, x) in enumerate(zip(tup, inputs)):
        if isinstance(b, Tensor):
            if tuple(b.shape[1:]) != tuple(x.shape[1:]) or b.shape[0] not in (1, x.shape[0]):
                raise ValueError(f"{method}: baseline {i} has shape {tuple(b.shape)}, expected {tuple(x.shape)} "
                                 f"or (1, {', '.join(map(str, x.shape[1:]))})")
        elif not isinstance(b, numbers.Number):
            raise TypeError(f"{method}: a baseline must be a Tensor or a number, got {type(b).__name__}")
    return tup


def tensorize_baselines(inputs, baselines):
    """Baselines as Tensors of each input's full shape."""
    out = []
    for x, b in zip(inputs, baselines):
        if not isinstance(b, Tensor):
            out.append(reograd.full_like(x, b))
        elif b.shape[0] != x.shape[0]:
            out.append(b.expand(x.shape).contiguous())
        else:
            out.append(b)
    return tuple(out)


def _repeat_rows(t, n, interleave):
    if t.dim() == 0 or n == 1:
        return t
    return t.repeat_interleave(n, dim=0) if interleave else reograd.cat([t] * n, dim=0)


def expand_additional_args(args, n, interleave=False):
    """Tensors among the extra forward arguments repeated ``n`` times along dim 0 (whole batch repeated,
    or each row ``n`` times in a row with ``interleave``)."""
    if args is None:
        return None
    return tuple(_repeat_rows(a, n, interleave) if isinstance(a, Tensor) else a for a in args)


def expand_target(target, n, interleave=False):
    """The target for ``n`` stacked copies of the batch."""
    if isinstance(target, list):
        return [t for t in target for _ in range(n)] if interleave else target * n
    if isinstance(target, Tensor) and target.numel() > 1:
        return _repeat_rows(target, n, interleave)
    return target


def select_targets(output, target, method="attribute"):
    """The explained number(s) of ``output`` for ``target`` (see the module docstring)."""
    if target is None:
        return output
    n = output.shape[0] if output.dim() else 1
    if isinstance(target, (int, tuple)) and not isinstance(target, bool):
        idx = (target,) if isinstance(target, int) else target
        if len(idx) > output.dim() - 1:
            raise ValueError(f"{method}: target {target} indexes {len(idx)} dims but the output of shape "
                             f"{tuple(output.shape)} has {output.dim() - 1} after the batch dim")
        return output[(slice(None), *idx)]
    if isinstance(target, Tensor):
        if target.numel() == 1:
            return select_targets(output, int(target.item()), method)
        if target.dim() == 1 and target.numel() == n:
            if output.dim() != 2:
                raise ValueError(f"{method}: a target per example needs a 2-D output, got shape {tuple(output.shape)}")
            return output.gather(1, target.long().reshape(n, 1)).squeeze(-1)
        raise ValueError(f"{method}: target of shape {tuple(target.shape)} does not fit an output of shape "
                         f"{tuple(output.shape)} (expected one index per example)")
    if isinstance(target, list):
        if len(target) != n:
            raise ValueError(f"{method}: {len(target)} targets for {n} examples")
        if all(isinstance(t, int) for t in target):
            return select_targets(output, reograd.tensor(target), method)
        if all(isinstance(t, tuple) for t in target):
            return reograd.stack([output[(i, *t)] for i, t in enumerate(target)])
    raise TypeError(f"{method}: target must be None, an int, a tuple, a Tensor or a list, got {type(target).__name__}")


def run_forward(forward_func, inputs, target=None, additional_args=None, method="attribute"):
    """``forward_func(*inputs, *additional_args)`` with the target selected."""
    args = inputs if additional_args is None else (*inputs, *additional_args)
    out = forward_func(*args)
    if not isinstance(out, Tensor):
        out = reograd.tensor(out)
    return select_targets(out, target, method)


def leaf_copies(inputs):
    """Fresh leaves that require grad (the user's tensors are left alone)."""
    return tuple(x.detach().requires_grad_(True) for x in inputs)


def compute_gradients(forward_func, inputs, target=None, additional_args=None, method="attribute"):
    """d(sum of the selected outputs) / d inputs: since each example's output depends on that example
    only, this is each example's gradient. ``inputs`` must require grad."""
    with reograd.enable_grad():
        return output_gradients(run_forward(forward_func, inputs, target, additional_args, method), inputs, method)


def output_gradients(out, inputs, method="attribute"):
    """d(sum of ``out``) / d ``inputs`` (zeros for an input ``out`` does not depend on); ``out`` must hold one
    number per example."""
    if out.dim() > 1 and out[0].numel() != 1:
        raise ValueError(f"{method}: the output has shape {tuple(out.shape)}: pass a target to pick one number per "
                         "example")
    grads = reograd.autograd.grad(out, inputs, grad_outputs=reograd.ones_like(out), allow_unused=True)
    return tuple(reograd.zeros_like(x) if g is None else g for g, x in zip(grads, inputs))


def sum_rows(t):
    """The sum of each example's entries: shape (N,)."""
    return t.reshape(t.shape[0], -1).sum(1)


def attribution_sums(attributions):
    """The per-example total of the attributions over every input."""
    return sum(sum_rows(a) for a in attributions)


class Attribution:
    """Base class of the attribution methods: ``Method(forward_func).attribute(inputs, ...)``.

    ``forward_func`` is a model (any ``nn.Module``) or any function of the inputs (and the
    ``additional_forward_args``) returning a Tensor whose dim 0 is the batch.
    """

    def __init__(self, forward_func):
        if not callable(forward_func):
            raise TypeError(f"{type(self).__name__}: forward_func must be callable, got {type(forward_func).__name__}")
        self.forward_func = forward_func

    def attribute(self, inputs, *args, **kwargs):
        """The attributions of ``inputs`` (see each method)."""
        raise NotImplementedError

    def has_convergence_delta(self):
        """True where :meth:`attribute` can return a convergence (completeness) delta."""
        return False

    @property
    def multiplies_by_inputs(self):
        """True where the attributions are global (multiplied by ``input - baseline``)."""
        return False

    def compute_convergence_delta(self, attributions, start_point, end_point, target=None,
                                  additional_forward_args=None):
        """Completeness error per example: ``sum(attributions) - (f(end_point) - f(start_point))``.

        Args:
            attributions: a Tensor or tuple, as :meth:`attribute` returned them.
            start_point: the baselines (None, numbers or Tensors as for ``baselines``).
            end_point: the inputs.
        Returns: a Tensor of shape (N,).
        """
        ends = format_inputs(end_point, "end_point", "compute_convergence_delta")
        starts = tensorize_baselines(ends, format_baselines(start_point, ends, "compute_convergence_delta"))
        attrs = format_inputs(attributions, "attributions", "compute_convergence_delta")
        for a, e in zip(attrs, ends):
            if a.shape[0] != e.shape[0]:
                raise ValueError(f"compute_convergence_delta: attributions have {a.shape[0]} rows but the end "
                                 f"point has {e.shape[0]}")
        args = format_additional_args(additional_forward_args)
        with reograd.no_grad():
            f_end = sum_rows(run_forward(self.forward_func, ends, target, args).reshape(ends[0].shape[0], -1))
            f_start = sum_rows(run_forward(self.forward_func, starts, target, args).reshape(ends[0].shape[0], -1))
            return attribution_sums(attrs).detach() - (f_end - f_start)


class GradientAttribution(Attribution):
    """Attribution methods that read gradients of the model."""


class PerturbationAttribution(Attribution):
    """Attribution methods that only evaluate the model on perturbed inputs (no gradients)."""
