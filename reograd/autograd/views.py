"""In-place writes through views, and views that outlive an in-place change of their base.

A view (``x[1:]``, ``x.t()``, ``x.diagonal()``...) shares memory and the version counter with its
base (``view._base``, always the root tensor). Writing through the view changes the base too, so
the base's graph must learn about it; PyTorch's rules, which these follow:

- An in-place op on a view ``v`` gives the base a new node, ``CopySlices``, with two inputs: the
  base's previous value (which gets the incoming gradient with the view's elements zeroed, since
  they were overwritten) and the in-place result (which gets the gradient at the view's elements).
  ``v``'s own node becomes a view of the base's new value (``AsStridedBackward0``).
- Any other view of that base now has a stale node. Each view records the version counter value
  its node matches (``_view_version``); when it is next used (as an op input, as a root of backward, or when
  ``grad_fn`` is read) with a different version, its node is remade the same way. A plain
  (non-view) tensor pays one ``_base is not None`` test for this; an unchanged view, one more int
  comparison.
- Errors instead of wrong gradients: writing through a view of a leaf that requires grad, through
  one of several views returned by one op (``unbind``/``split``/``chunk``), or through a view made
  under ``no_grad`` while grad mode is on.

Where a view's elements sit in its base comes from the arrays themselves (byte offset and strides
of the view within the base's memory), so any chain of view ops maps to one int64 array of flat
positions, computed only when a backward needs it.
"""
from __future__ import annotations

import weakref

import numpy as np

from .. import backend
from .function import NativeFunction
from .grad_mode import state as _state, track_tangent
from .graph import sequence
from .tensor import DEFAULT, INFERENCE, MULTI_OUTPUT, NO_GRAD, Tensor


# --------------------------------------------------------------------------------------
# where a view's elements are in its base
# --------------------------------------------------------------------------------------
def _ptr(a):
    return a.__array_interface__["data"][0] if type(a) is np.ndarray else a.data.ptr


def _addresses(off, shape, strides):
    """Byte address (from ``off``) of every element of an array of this shape and strides, in C order."""
    addr = np.int64(off)
    for n, s in zip(shape, strides):
        addr = np.add.outer(addr, np.arange(n, dtype=np.int64) * s)
    return np.asarray(addr, dtype=np.int64).reshape(shape)


def _non_overlapping(shape, strides, itemsize):
    """A sufficient test that no two elements share memory (each stride clears all smaller ones)."""
    extent = 0
    for s, n in sorted((abs(s), n) for n, s in zip(shape, strides) if n > 1):
        if s < extent + itemsize:
            return False
        extent += (n - 1) * s
    return True


class Positions:
    """The flat (C-order) positions in the base of a view's elements, shaped like the view.

    Made from the geometry only (offset, shapes, strides) and computed on first use: an in-place
    op on a view costs O(1) until a backward or a tangent needs the positions.
    """

    __slots__ = ("off", "vshape", "vstrides", "bshape", "bstrides", "itemsize", "bcontig", "_idx", "_xp_idx",
                 "unique")

    def __init__(self, off, vshape, vstrides, bshape, bstrides, itemsize, bcontig):
        self.off, self.vshape, self.vstrides = off, vshape, vstrides
        self.bshape, self.bstrides, self.itemsize, self.bcontig = bshape, bstrides, itemsize, bcontig
        self._idx = self._xp_idx = None
        self.unique = _non_overlapping(vshape, vstrides, itemsize)

    @property
    def numel(self):
        n = 1
        for s in self.bshape:
            n *= s
        return n

    def idx(self, xp=np):
        """The positions as an int64 array of the view's shape (on ``xp``'s device)."""
        if self._idx is None:
            self._idx = self._compute()
        if xp is np:
            return self._idx
        if self._xp_idx is None:
            self._xp_idx = xp.asarray(self._idx)
        return self._xp_idx

    def _compute(self):
        isz = self.itemsize
        if self.bcontig:  # position = (offset + sum j_k stride_k) / itemsize
            return _addresses(self.off // isz, self.vshape, tuple(s // isz for s in self.vstrides))
        # a strided (transposed, sliced, flipped) base: match the view's byte addresses to the base's
        vaddr = _addresses(self.off, self.vshape, self.vstrides).ravel()
        baddr = _addresses(0, self.bshape, self.bstrides).ravel()
        order = np.argsort(baddr, kind="stable")
        sorted_addr = baddr[order]
        at = np.minimum(np.searchsorted(sorted_addr, vaddr), max(sorted_addr.size - 1, 0))
        return order[at].reshape(self.vshape)


def positions(view_arr, base_arr):
    """``Positions`` of ``view_arr``'s elements in ``base_arr``; None if the view isn't in the base's memory
    (its base's data was replaced, e.g. by ``base.data = ...``)."""
    isz = base_arr.itemsize
    if view_arr.itemsize != isz or type(view_arr) is not type(base_arr):
        return None
    off = _ptr(view_arr) - _ptr(base_arr)
    vshape, vstrides = view_arr.shape, view_arr.strides
    bcontig = bool(base_arr.flags.c_contiguous)
    if bcontig:
        if off % isz or any(s % isz for s in vstrides):
            return None
        if view_arr.size:  # all elements inside the base
            lo = hi = off
            for n, s in zip(vshape, vstrides):
                if s < 0:
                    lo += (n - 1) * s
                else:
                    hi += (n - 1) * s
            if lo < 0 or hi + isz > base_arr.nbytes:
                return None
        return Positions(off, vshape, vstrides, base_arr.shape, None, isz, True)
    pos = Positions(off, vshape, vstrides, base_arr.shape, base_arr.strides, isz, False)
    if view_arr.size:  # a strided base: check now that every element maps (rare; costs O(base))
        vaddr = _addresses(off, vshape, vstrides).ravel()
        baddr = _addresses(0, base_arr.shape, base_arr.strides).ravel()
        if not np.isin(vaddr, baddr).all():
            return None
    return pos


# --------------------------------------------------------------------------------------
# the ops: take at positions, put at positions, CopySlices, the regenerated view node
# --------------------------------------------------------------------------------------
class Alias(NativeFunction):
    """The same tensor as a new view (``forward_ad.make_dual``'s primal);  backward: the gradient as is"""

    is_view = True
    node_name = "AliasBackward0"

    @staticmethod
    def forward(ctx, a):
        return a.view()

    @staticmethod
    def backward(ctx, g):
        return g

    @staticmethod
    def jvp(ctx, t):
        return t


class TakeFlat(NativeFunction):
    """g.flatten()[positions] shaped like the view;  backward: PutFlat (its adjoint)"""

    node_name = "TakeBackward0"
    linear = True

    @staticmethod
    def forward(ctx, g, pos):
        ctx.pos, ctx.in_shape = pos, g.shape
        return g.reshape(-1)[pos.idx(backend.get_array_module(g))]

    @staticmethod
    def backward(ctx, gg):
        return PutFlat.apply(gg, ctx.pos, ctx.in_shape), None


class PutFlat(NativeFunction):
    """zeros(shape) with g added at the view's positions (adjoint of TakeFlat);  backward: TakeFlat"""

    node_name = "AsStridedScatterBackward0"
    linear = True

    @staticmethod
    def forward(ctx, g, pos, shape):
        ctx.pos, ctx.shape = pos, shape
        xp = backend.get_array_module(g)
        out = xp.zeros(pos.numel, dtype=g.dtype)
        idx = pos.idx(xp).ravel()
        vals = g.reshape(-1)
        if pos.unique:
            out[idx] = vals
        elif xp is np:
            np.add.at(out, idx, vals)  # an expanded view: its elements share positions, their grads add up
        else:
            import cupyx  # noqa: PLC0415

            cupyx.scatter_add(out, idx, vals)
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, gg):
        return TakeFlat.apply(gg, ctx.pos), None, None


class ZeroAt(NativeFunction):
    """g with the view's elements set to zero (what reaches the base's old value);  backward: itself"""

    linear = True

    @staticmethod
    def forward(ctx, g, pos):
        ctx.pos = pos
        out = g.copy()  # C order: its flat positions are the logical ones
        out.reshape(-1)[pos.idx(backend.get_array_module(g)).ravel()] = 0
        return out

    @staticmethod
    def backward(ctx, gg):
        return ZeroAt.apply(gg, ctx.pos), None


class CopySlices(NativeFunction):
    """The base after an in-place op on one of its views: the old base with the view's elements
    replaced by the op's result.  backward: g with those elements zeroed to the old base, g at
    those elements to the result"""

    node_name = "CopySlices"

    @staticmethod
    def forward(ctx, base, result, pos):
        ctx.pos = pos
        return base  # already written: the node is what matters

    @staticmethod
    def backward(ctx, g):
        needs = ctx.needs_input_grad
        return (ZeroAt.apply(g, ctx.pos) if needs[0] else None,
                TakeFlat.apply(g, ctx.pos) if needs[1] else None, None)

    @staticmethod
    def jvp(ctx, tb, tr, _pos):
        return ZeroAt.apply(tb, ctx.pos) + PutFlat.apply(tr, ctx.pos, ctx.pos.bshape)


class AsStrided(NativeFunction):
    """A view remade from its base's current graph (never applied: ``view_node`` builds the node);
    backward: the view's gradient put at its positions in zeros of the base's shape"""

    node_name = "AsStridedBackward0"

    @staticmethod
    def backward(ctx, g):
        return PutFlat.apply(g, ctx.pos, ctx.pos.bshape)


def attach_view_node(view, base, pos):
    """Make ``view`` a view of ``base``'s current graph: its grad_fn becomes an ``AsStridedBackward0``
    node taking its gradient to ``base`` (``retain_grad`` follows it to the new node)."""
    prev = view._grad_fn, view._output_nr
    view._grad_fn = _view_node(view, base, pos)
    view._requires_grad = True
    view._output_nr = 0
    move_retain(view, *prev)


def _view_node(view, base, pos):
    node = AsStrided.__new__(AsStrided)
    if base._requires_grad:
        node.next_functions = (base._edge(),)
        node._input_meta = [(base._data.shape, base._data.dtype)]
    else:
        node.next_functions = (None,)
        node._input_meta = [None]
    node._needs = (base._requires_grad,)
    node._out_meta = ((view._data.shape, view._data.dtype),)
    node._seq = next(sequence)
    node.pos = pos
    return node


# --------------------------------------------------------------------------------------
# keeping views in step with their base
# --------------------------------------------------------------------------------------
def sync_view(v):
    """Bring view ``v`` up to date after its base (or another view of it) was modified in place.

    As PyTorch's lazy ``grad_fn``: a view with no node whose base needs no grad stays as it is; else
    its node is remade as a view of the base's current node (an error for views that forbid it).
    """
    base = v._base
    if base._fw_grad is not None and _state.fw_level >= 0:
        refresh_tangent(v)
    if v._grad_fn is None and not base._requires_grad:
        return
    if v._view_creation != DEFAULT:
        raise RuntimeError(rebase_message(v, indirect=True))
    pos = positions(v._data, base._data)
    if pos is not None:
        attach_view_node(v, base, pos)
    v._view_version = v._version_counter[0]


def sync_input(v):
    """A stale view used as an op input: remake its node when the op may record a graph (only the
    tangent when it may not, as PyTorch reads a view's grad_fn only to record)."""
    if _state.grad_enabled:
        sync_view(v)
    elif _state.fw_level >= 0 and v._base._fw_grad is not None:
        refresh_tangent(v)


def refresh_tangent(v):
    """The view's forward-mode tangent: its elements of the base's tangent (always up to date)."""
    base = v._base
    pos = positions(v._data, base._data)
    if pos is not None:
        prev = _state.fw_level
        _state.fw_level = -1
        try:
            v._fw_grad = TakeFlat.apply(base._fw_grad, pos)
        finally:
            _state.fw_level = prev
        track_tangent(v)


def move_retain(t, old_node, old_nr):
    """``retain_grad`` follows a tensor to its new node (after an in-place op), as in PyTorch."""
    if not t._retains_grad or old_node is None or old_node is t._grad_fn:
        return
    ret = old_node.__dict__.get("_retain")
    if ret:
        ref = ret.get(old_nr)
        if ref is not None and ref() is t:
            del ret[old_nr]
    node = t._grad_fn
    if node is None:
        return
    if node.__dict__.get("_retain") is None:
        node._retain = {}
    node._retain[t._output_nr] = weakref.ref(t)


def _short_name(node):
    n = node.name()
    for suffix in ("Backward0", "Backward"):
        if n.endswith(suffix):
            return n[:-len(suffix)]
    return n


def rebase_message(v, indirect):
    """PyTorch's error for a view whose creation forbids in-place changes (handle_view_on_rebase)."""
    cm, fn = v._view_creation, v._grad_fn
    what = "its base or another view of its base has been" if indirect else "is being"
    if cm in (NO_GRAD, INFERENCE) or fn is None:
        prefix = (f"Output {v._output_nr} of {_short_name(fn)} is a view of a view which was created in"
                  if fn is not None else "A view was created in")
        if cm == INFERENCE:
            msg = f"{prefix} inference mode and {what} modified inplace in normal mode."
        else:
            msg = f"{prefix} no_grad mode and {what} modified inplace with grad mode enabled."
    else:
        msg = f"Output {v._output_nr} of {_short_name(fn)} is a view and {what} modified inplace."
    if cm == MULTI_OUTPUT:
        msg += (" This view is the output of a function that returns multiple views. Such functions do not "
                "allow the output views to be modified inplace. You should replace the inplace operation by an "
                "out-of-place one.")
    else:
        block = "inference_mode" if cm == INFERENCE else "no_grad"
        msg += (" Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
                f"code by moving both the view and the inplace either both inside the {block} block (if you "
                "don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked).")
    return msg


def check_inplace(v):
    """Before an in-place op on view ``v`` that records a graph: PyTorch's errors, then bring v up to date."""
    base = v._base
    if v._view_creation != DEFAULT:
        raise RuntimeError(rebase_message(v, indirect=False))
    requires = v._requires_grad or base._requires_grad
    if requires and base._grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    if requires and v._grad_fn is None:
        # a view made before its base required grad, whose node was never remade: PyTorch's check reads
        # the stored node (no remaking), so it sees a leaf
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if v._view_version != v._version_counter[0]:
        sync_view(v)


def rebase(v, res, record):
    """After ``res`` (the out-of-place result of an in-place op on view ``v``) was written into v:
    give v's base a ``CopySlices`` node (and tangent), and make v a view of the base's new value.

    Returns False when v no longer lies in its base's memory (the caller then treats v as a plain
    tensor).
    """
    base = v._base
    pos = positions(v._data, base._data)
    if pos is None:
        return False
    fw = _state.fw_level >= 0 and (res._fw_grad is not None or base._fw_grad is not None)
    if record or fw:
        old = Tensor._make(base._data, base._requires_grad, base._grad_fn, base._output_nr)
        old._fw_grad = base._fw_grad
        out = CopySlices.apply(old, res, pos)
        if out._grad_fn is not None:
            prev = base._grad_fn, base._output_nr
            base._grad_fn, base._requires_grad, base._output_nr = out._grad_fn, True, 0
            move_retain(base, *prev)
        if fw and out._fw_grad is not None:
            base._fw_grad = out._fw_grad
            track_tangent(base)
    if v._grad_fn is not None or base._requires_grad:
        attach_view_node(v, base, pos)
    v._view_version = v._version_counter[0]
    if fw and res._fw_grad is not None:
        v._fw_grad = res._fw_grad
        track_tangent(v)
    return True
