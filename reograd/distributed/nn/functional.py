"""Differentiable collectives, as ``torch.distributed.nn.functional``: each returns new tensors and
has a backward made of collectives, so gradients flow across the ranks (of every order).

- ``all_reduce``:  y = sum_j x_j on every rank; dL/dx_i = sum_k dL_k/dy (an all-reduce of the
  output gradients; AVG divides both by n).
- ``all_gather``:  y = (x_0, ..., x_{n-1}) on every rank; dL/dx_i = sum_k dL_k/dy_i (a reduce-scatter).
- ``reduce_scatter``: the transpose of ``all_gather``; its backward is an all-gather.
- ``broadcast``: y = x_src on every rank; dL/dx_src = sum_k dL_k/dy, zero on the other ranks.
"""
from __future__ import annotations

from ...autograd import Function
from ...ops.creation.factories import zeros_like
from .. import collectives as C
from ..process_group import get_rank, get_world_size
from ..reduce_op import ReduceOp, _as_red_op

__all__ = ["all_reduce", "all_gather", "reduce_scatter", "broadcast"]


class _AllReduce(Function):
    @staticmethod
    def forward(ctx, tensor, op, group):
        ctx.op, ctx.group = op, group
        out = tensor.clone()
        C.all_reduce(out, op=op, group=group)
        return out

    @staticmethod
    def backward(ctx, grad):
        if ctx.op not in (ReduceOp.SUM, ReduceOp.AVG):
            raise RuntimeError(f"all_reduce with ReduceOp.{ctx.op.name} has no gradient here (SUM and AVG do)")
        return _AllReduce.apply(grad, ctx.op, ctx.group), None, None


class _AllGather(Function):
    @staticmethod
    def forward(ctx, tensor, group):
        ctx.group = group
        outs = [tensor.new_empty(tuple(tensor.shape)) for _ in range(get_world_size(group))]
        C.all_gather(outs, tensor, group=group)
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        return _ReduceScatter.apply(ctx.group, *grads), None


class _ReduceScatter(Function):
    @staticmethod
    def forward(ctx, group, *inputs):
        ctx.group = group
        out = inputs[0].new_empty(tuple(inputs[0].shape))
        C.reduce_scatter(out, [t.contiguous() for t in inputs], group=group)
        return out

    @staticmethod
    def backward(ctx, grad):
        return (None,) + _AllGather.apply(grad, ctx.group)


class _Broadcast(Function):
    @staticmethod
    def forward(ctx, tensor, src, group):
        ctx.src, ctx.group = src, group
        out = tensor.clone()
        C.broadcast(out, src=src, group=group)
        return out

    @staticmethod
    def backward(ctx, grad):
        total = _AllReduce.apply(grad, ReduceOp.SUM, ctx.group)
        return (total if get_rank() == ctx.src else zeros_like(grad)), None, None


def all_reduce(tensor, op=ReduceOp.SUM, group=None):
    """The reduction of ``tensor`` over the ranks (a new tensor; ``tensor`` is unchanged), differentiable
    for SUM and AVG.

    >>> total = all_reduce(local_loss)      # backward sends every rank's gradient to every rank
    """
    return _AllReduce.apply(tensor, _as_red_op(op, "all_reduce"), group)


def all_gather(tensor, group=None):
    """Every rank's ``tensor``, as a tuple in rank order (differentiable: the gradient of entry i
    flows back to rank i)."""
    return _AllGather.apply(tensor, group)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None):
    """``sum_k input_list[i]`` of rank k, on rank i (a new tensor shaped as ``output``, which is only a
    template here); differentiable, SUM only."""
    if _as_red_op(op, "reduce_scatter") != ReduceOp.SUM:
        raise ValueError("reduce_scatter: only ReduceOp.SUM is differentiable")
    if tuple(output.shape) != tuple(input_list[0].shape):
        raise ValueError(f"reduce_scatter: output shape {tuple(output.shape)} differs from the inputs' "
                         f"{tuple(input_list[0].shape)}")
    return _ReduceScatter.apply(group, *input_list)


def broadcast(tensor, src, group=None):
    """Rank ``src``'s ``tensor`` on every rank (a new tensor); the gradient sums into ``src``."""
    return _Broadcast.apply(tensor, src, group)
