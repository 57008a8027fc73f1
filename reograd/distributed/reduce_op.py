"""``ReduceOp``: how a reduction combines the ranks' values (``SUM``, ``AVG``, ``PRODUCT``, ``MIN``,
``MAX``, ``BAND``, ``BOR``, ``BXOR``), and its MPI counterpart for a given dtype."""
from __future__ import annotations

import enum

import numpy as np

from ._mpi import mpi

__all__ = ["ReduceOp", "reduce_op"]


class RedOpType(enum.IntEnum):
    """The reduction kinds, numbered as PyTorch's ``ReduceOp.RedOpType``."""

    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8
    UNUSED = 9

    def __repr__(self):
        return f"<RedOpType.{self.name}: {self.value}>"

    def __str__(self):
        return f"RedOpType.{self.name}"


class ReduceOp:
    """The reduction of ``all_reduce``, ``reduce``, ``reduce_scatter``: ``ReduceOp.SUM`` (default),
    ``AVG`` (the sum divided by the group size; floating-point tensors), ``PRODUCT``, ``MIN``, ``MAX``,
    and the bitwise ``BAND``, ``BOR``, ``BXOR`` (integer and bool tensors). On bool tensors SUM and
    MAX are logical or, PRODUCT and MIN logical and."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM

    def __init__(self, op=RedOpType.SUM):
        self.op = _as_red_op(op, "ReduceOp")

    def __eq__(self, other):
        other = other.op if isinstance(other, ReduceOp) else other
        return self.op == other

    def __hash__(self):
        return hash(self.op)

    def __repr__(self):
        return f"ReduceOp({self.op.name})"


reduce_op = ReduceOp  # PyTorch's deprecated alias


def _as_red_op(op, who):
    if isinstance(op, ReduceOp):
        return op.op
    try:
        return RedOpType(op)
    except ValueError:
        raise ValueError(f"{who}: op must be a ReduceOp (SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR), "
                         f"got {op!r}") from None


_BOOL_OPS = {RedOpType.SUM: "LOR", RedOpType.MAX: "LOR", RedOpType.BOR: "LOR", RedOpType.PRODUCT: "LAND",
             RedOpType.MIN: "LAND", RedOpType.BAND: "LAND", RedOpType.BXOR: "LXOR"}
_NUMERIC_OPS = {RedOpType.SUM: "SUM", RedOpType.AVG: "SUM", RedOpType.PRODUCT: "PROD", RedOpType.MIN: "MIN",
                RedOpType.MAX: "MAX", RedOpType.BAND: "BAND", RedOpType.BOR: "BOR", RedOpType.BXOR: "BXOR"}


def mpi_op(op, np_dtype, who):
    """``(MPI.Op, average)`` for reducing arrays of ``np_dtype`` with ``op``; ``average``: divide the
    sum by the group size afterwards (MPI has no AVG). A ValueError names unsupported pairs."""
    op = _as_red_op(op, who)
    kind = np.dtype(np_dtype).kind
    if op in (RedOpType.PREMUL_SUM, RedOpType.UNUSED):
        raise ValueError(f"{who}: ReduceOp.{op.name} is not supported by the MPI backend")
    if kind == "b":
        if op == RedOpType.AVG:
            raise ValueError(f"{who}: ReduceOp.AVG needs a floating-point tensor, got a bool tensor")
        return getattr(mpi(), _BOOL_OPS[op]), False
    if op == RedOpType.AVG and kind not in "fc":
        raise ValueError(f"{who}: ReduceOp.AVG needs a floating-point tensor, got {np.dtype(np_dtype)} "
                         "(reduce with SUM and divide)")
    if op in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR) and kind not in "iu":
        raise ValueError(f"{who}: ReduceOp.{op.name} needs an integer or bool tensor, got {np.dtype(np_dtype)}")
    if op in (RedOpType.MIN, RedOpType.MAX) and kind == "c":
        raise ValueError(f"{who}: ReduceOp.{op.name} is not defined for complex tensors ({np.dtype(np_dtype)})")
    return getattr(mpi(), _NUMERIC_OPS[op]), op == RedOpType.AVG


def op_name(op):
    """``"SUM"``, ``"AVG"``...: the name of a reduction, for messages and cross-rank checks."""
    return _as_red_op(op, "reduce").name
