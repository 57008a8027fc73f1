"""What a node keeps for its backward (``ctx.save_for_backward``), and the check that it is unchanged.

A saved input is kept as the Tensor itself, with the version its counter had, so that backward
sees it as a graph tensor (double backward flows through it) and an in-place change made after
saving raises PyTorch's error instead of giving a wrong gradient. A saved output is kept as its
array and rebuilt on unpack as a tensor whose node is the saving node (no reference cycle); it
follows the output tensor's version counter. Anything else saved is a constant.
"""
from __future__ import annotations

from .grad_mode import state as _state
from .tensor import Tensor

FREED = object()  # marks saved data released after backward


class SavedInput:
    """A saved input tensor, with the version it had when saved."""

    __slots__ = ("tensor", "version")

    def __init__(self, tensor):
        self.tensor = tensor
        self.version = tensor._version_counter[0]

    def unpack(self, node):
        t = self.tensor
        if t._version_counter[0] != self.version:
            raise_modified(node, t, self.version, owner=t._grad_fn, leaf=t._grad_fn is None)
        return t


class SavedOther:
    """A saved array that is not an input: an output of the node (rebuilt as a graph tensor on
    unpack) or an intermediate (a constant). ``out_nr``, ``version_counter`` and ``version`` are
    filled in once forward's outputs exist."""

    __slots__ = ("data", "out_nr", "version_counter", "version", "tangent")

    def __init__(self, data):
        self.data = data
        self.out_nr = -1
        self.version_counter = None
        self.version = 0
        self.tangent = None  # forward-mode tangent of a saved output, given back on unpack

    def unpack(self, node):
        if self.out_nr < 0:
            return Tensor._make(self.data)
        if self.version_counter[0] != self.version:
            raise_modified(node, Tensor._make(self.data), self.version, current=self.version_counter[0],
                           owner=node, nr=self.out_nr)
        t = Tensor._make(self.data, True, node, self.out_nr, self.version_counter)
        if self.tangent is not None and _state.fw_level >= 0:
            t._fw_grad = self.tangent
        return t


def raise_modified(node, t, expected, current=None, owner=None, nr=None, leaf=False):
    """The error for a saved tensor changed in place after it was saved (its version counter moved on)."""
    current = t._version_counter[0] if current is None else current
    if leaf:
        what = "a leaf tensor"
    elif owner is not None:
        what = f"output {t._output_nr if nr is None else nr} of {owner.name()}"
    else:
        what = "a tensor"
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{t.dtype} {list(t.shape)}], which is {what}, is at version {current}; expected "
        f"version {expected} instead. The backward that needed it was {node.name()}; make a .clone() "
        "of the tensor before changing it in place.")
