"""``Function``: one differentiable operation — its forward, its backward (vjp) and its jvp.

An instance of a Function subclass is both the ``ctx`` its forward/backward see and the node of
the backward graph (``tensor.grad_fn``), as in PyTorch. Two flavours:

- ``Function`` (public, as ``torch.autograd.Function``): ``forward`` receives and returns Tensors,
  and runs with grad mode off.
- ``NativeFunction`` (reograd's own ops): ``forward`` receives raw arrays (NumPy/CuPy) for every
  Tensor argument and returns arrays; this skips wrapping on the hot path.

In both, ``backward`` receives the output gradients as Tensors and returns one gradient per
forward argument (``None`` where there is none), written with Tensor ops, so that running it
with ``create_graph=True`` records a graph and every op differentiates twice.
"""
from __future__ import annotations

import functools
import traceback

import numpy as np

from .. import backend
from .grad_mode import no_grad, state as _state, track_tangent
from .graph import Node, sequence
from .saved import FREED, SavedInput, SavedOther
from .tensor import Tensor, creation_meta, mark_view


class FunctionCtx:
    """What ``forward`` may tell ``backward``: saved tensors and flags (PyTorch's ``ctx`` API)."""

    _materialize_grads = True
    _keep = False        # save_for_backward keeps data only when a graph or a tangent needs it
    _inputs = ()
    _saved = None
    _non_diff = None
    _dirty = None

    def save_for_backward(self, *tensors):
        """Keep these inputs/outputs (arrays in a NativeFunction, Tensors in a Function) for backward.

        Saving an input or output, rather than a copy of it, lets backward rebuild it as a graph
        Tensor (so double backward flows through it) and lets in-place changes be detected.
        """
        if not self._keep:
            return
        inputs = self._inputs
        saved = []
        for t in tensors:
            entry = t
            if t is not None:
                raw = t._data if isinstance(t, Tensor) else t
                for x in inputs:
                    if isinstance(x, Tensor) and (x is t or x._data is raw):
                        entry = SavedInput(x)
                        break
                else:
                    entry = SavedOther(raw)  # an output or an intermediate: resolved after forward
            saved.append(entry)
        self._saved = saved

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors "
                "after they have already been freed). Saved intermediate values of the graph are freed "
                "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
                "backward through the graph a second time or if you need to access saved tensors after "
                "calling backward.")
        if saved is None:
            return ()
        return tuple(None if s is None else s.unpack(self) for s in saved)

    def mark_non_differentiable(self, *outputs):
        """Outputs that never get a gradient (e.g. the indices of ``max``)."""
        self._non_diff = {id(o._data if isinstance(o, Tensor) else o) for o in outputs}

    def mark_dirty(self, *tensors):
        """Inputs that forward modified in place (and returns): their history is rebased on this node."""
        self._dirty = {id(t._data if isinstance(t, Tensor) else t) for t in tensors}

    def set_materialize_grads(self, value):
        """When False, backward gets ``None`` instead of zero tensors for outputs that got no gradient."""
        self._materialize_grads = bool(value)


class Function(FunctionCtx, Node):
    """Base of differentiable operations; subclass it to write a custom op, as in PyTorch.

    >>> class Exp(reograd.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp()
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (y,) = ctx.saved_tensors
    ...         return g * y
    >>> Exp.apply(reograd.ones(3, requires_grad=True))
    """

    _array_forward = False   # NativeFunction: forward on raw arrays
    is_view = False          # output shares memory (and version counter) with input 0
    linear = False           # linear in its tensor inputs: the jvp is the forward applied to the tangents

    def __init__(self, *args, **kwargs):  # noqa: D107 (instances are made by apply)
        pass

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            f"{type(ctx).__name__}: this function has no backward; it is not differentiable.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *tangents):
        """Forward-mode rule: output tangent(s) from one tangent per forward argument.

        The default gets it from backward by the double-vjp trick: jvp(t) = d/du <vjp(u), t>.
        """
        return _jvp_by_double_vjp(ctx, tangents)

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError  # marker: forward takes ctx itself

    node_name = None  # a NativeFunction may name its node as PyTorch does (MulScalar -> "MulBackward0")

    def name(self):
        if self.node_name:
            return self.node_name
        n = type(self).__name__
        return n + "Backward0" if self._array_forward else n + "Backward"

    @property
    def needs_input_grad(self):
        return self._needs

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on ``args``; record a node when grad mode is on and an input requires grad."""
        ctx = cls.__new__(cls)
        requires = False
        fw = False
        arrays = []
        needs = []
        for a in args:
            if isinstance(a, Tensor):
                base = a._base
                if base is not None:
                    if a._view_version != a._version_counter[0]:
                        _sync_input(a)  # its base changed in place since: remake its node first
                    if base._requires_grad and not a._requires_grad:
                        # a view taken under no_grad of a base that requires grad: as in PyTorch, the
                        # result requires grad, but no gradient flows back through this input
                        requires = True
                if a._requires_grad:
                    requires = True
                    needs.append(True)
                else:
                    needs.append(False)
                if a._fw_grad is not None:
                    fw = True
                arrays.append(a._data)
            else:
                arrays.append(a)
                needs.append(False)
        record = requires and _state.grad_enabled
        if fw:
            fw = _state.fw_level >= 0
        if record:
            ctx._keep = True
            ctx._inputs = args
            ctx._needs = tuple(needs)
        else:
            if fw:
                ctx._keep = True
                ctx._inputs = args
            ctx._needs = (False,) * len(args)

        if cls._array_forward:
            raw = cls.forward(ctx, *arrays, **kwargs)
        else:
            prev = _state.grad_enabled
            _state.grad_enabled = False
            try:
                if cls.setup_context is not Function.setup_context:
                    raw = cls.forward(*args, **kwargs)
                    cls.setup_context(ctx, args, raw)
                else:
                    raw = cls.forward(ctx, *args, **kwargs)
            finally:
                _state.grad_enabled = prev
        if type(raw) is not tuple and ctx._dirty is None and not fw:
            if type(raw) is not np.ndarray:
                raw = _as_array(raw)
            if not record:  # the common no-graph case: wrap and go
                t = Tensor._make(raw)
                if cls.is_view and raw is not None:
                    src = args[0]
                    if isinstance(src, Tensor):
                        # (creation_meta inlined: views made in every backward pass come here)
                        mark_view(t, src, 0 if _state.grad_enabled else 3 if _state.inference else 1)
                return t
            if not cls.is_view and type(raw) is np.ndarray and ctx._non_diff is None and not _state.anomaly:
                return ctx._wrap_single(raw, args)
        return ctx._wrap_outputs(raw, args, record, fw, kwargs)

    def _wrap_single(self, arr, args):
        """The hot path of ``_wrap_outputs``: one recorded ndarray output, no views, hooks or tangents."""
        self._record_inputs(args, ((arr.shape, arr.dtype),))
        t = Tensor._make(arr, True, self, 0) if arr.dtype.kind in "fc" else Tensor._make(arr)
        if self._saved is not None:
            self._point_saved_outputs((t,))
        self._inputs = None
        return t

    def _record_inputs(self, args, out_meta):
        """The node's edges to the inputs that require grad, their (shape, dtype), the outputs' (shape,
        dtype) and its sequence number (apply has already brought stale views up to date)."""
        edges = []
        metas = []
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                edges.append((a._grad_fn, a._output_nr) if a._grad_fn is not None else a._edge())
                d = a._data
                metas.append((d.shape, d.dtype))
            else:
                edges.append(None)
                metas.append(None)
        self.next_functions = tuple(edges)
        self._input_meta = metas
        self._out_meta = out_meta
        self._seq = next(sequence)

    def _point_saved_outputs(self, results):
        """Saved outputs follow their output tensor's version counter (so an in-place change is caught)."""
        for s in self._saved:
            if type(s) is SavedOther:
                for i, t in enumerate(results):
                    if t is not None and s.data is t._data:
                        if t._grad_fn is self:
                            s.out_nr = i
                        s.version_counter, s.version = t._version_counter, t._version_counter[0]
                        break

    def _wrap_outputs(self, raw, args, record, fw, kwargs=None):
        multi = type(raw) is tuple
        outs = [_as_array(o) for o in raw] if multi else [raw if type(raw) is np.ndarray else _as_array(raw)]
        self._n_outputs = len(outs)
        if record:
            self._record_inputs(args, [None if o is None else (o.shape, o.dtype) for o in outs])
            if _state.anomaly:
                self._trace = traceback.format_stack()[:-3]
        non_diff = self._non_diff
        dirty = self._dirty
        dirty_views = None
        cm = None
        if self.is_view and isinstance(args[0], Tensor):  # every output is a view of input 0
            cm = creation_meta(multi)
        results = []
        for i, arr in enumerate(outs):
            if arr is None:
                results.append(None)
                continue
            diff = record and arr.dtype.kind in "fc" and (non_diff is None or id(arr) not in non_diff)
            t = None
            if dirty is not None and id(arr) in dirty:
                for a in args:  # the modified input itself is the output: rebase its history
                    if isinstance(a, Tensor) and a._data is arr:
                        t = a
                        if t._base is not None and record:  # a view: its base's graph changes too
                            from .views import check_inplace  # noqa: PLC0415  (views.py builds on Function)

                            check_inplace(t)
                            dirty_views = (dirty_views or []) + [(t, i)]
                        t._version_counter[0] += 1
                        if diff:
                            t._requires_grad, t._grad_fn, t._output_nr = True, self, i
                        break
            if t is None:
                t = Tensor._make(arr, True, self, i) if diff else Tensor._make(arr)
                if cm is not None:
                    mark_view(t, args[0], cm)
            results.append(t)
        if self._saved is not None:
            self._point_saved_outputs(results)
        self._inputs = None
        if fw:
            _attach_tangents(self, args, results, kwargs or {})
        if not record:
            self._saved = None
        if dirty_views:
            _rebase_dirty_views(self, dirty_views)
        return tuple(results) if multi else results[0]


def _rebase_dirty_views(node, dirty_views):
    """Views a custom Function modified in place (``mark_dirty``): as for any in-place op on a view,
    the base gets a CopySlices node taking the Function's output, and the view becomes a view of it."""
    from .views import rebase  # noqa: PLC0415  (views.py builds on Function)

    for t, i in dirty_views:
        if t._grad_fn is not node:
            continue
        res = Tensor._make(t._data, True, node, i, t._version_counter)
        res._fw_grad = t._fw_grad
        rebase(t, res, True)


def _sync_input(t):
    """A view used as an input whose base changed in place since its node was made (``views.sync_input``)."""
    from .views import sync_input  # noqa: PLC0415  (views.py builds on Function)

    sync_input(t)


def _as_array(o):
    """An op's output as a backend array (NumPy turns 0-d results into scalars; Functions return Tensors)."""
    if o is None:
        return None
    if isinstance(o, Tensor):
        return o._data
    if type(o) is np.ndarray or backend.is_array(o):
        return o
    return np.asarray(o)


class NativeFunction(Function):
    """reograd's own ops: ``forward(ctx, *arrays, **params)`` works on raw backend arrays."""

    _array_forward = True


def once_differentiable(fn):
    """Decorator for a custom ``backward`` that cannot itself be differentiated (runs it without a graph)."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)
    return wrapper


# --------------------------------------------------------------------------------------
# forward mode plumbing (the dual-number API lives in forward_ad.py)
# --------------------------------------------------------------------------------------
def _attach_tangents(ctx, args, results, kwargs):
    """Run the op's jvp rule and give each output its tangent."""
    tangents = []
    for a in args:
        if isinstance(a, Tensor) and a._data.dtype.kind in "fc":
            t = a._fw_grad
            if t is None:
                t = Tensor._make(backend.get_array_module(a._data).zeros_like(a._data))
            tangents.append(t)
        else:
            tangents.append(None)
    ctx._fw_out_meta = [(r._data.shape, r._data.dtype) if r is not None else None for r in results]
    level = _state.fw_level
    _state.fw_level = -1  # the rule's own ops compute tangents, not tangents of tangents
    cls = type(ctx)
    try:
        if cls.linear and cls.jvp is Function.jvp:  # J t of a linear map is the map applied to t
            out_t = cls.apply(*[a if t is None else t for a, t in zip(args, tangents)], **kwargs)
        else:
            out_t = cls.jvp(ctx, *tangents)
    finally:
        _state.fw_level = level
    if not isinstance(out_t, tuple):
        out_t = (out_t,)
    for r, t in zip(results, out_t):
        if r is not None and t is not None and r._data.dtype.kind in "fc":
            if t._data.shape != r._data.shape:
                t = t.expand(r._data.shape)
            if t._data.dtype != r._data.dtype:
                t = t.to(r.dtype)
            r._fw_grad = t
            track_tangent(r)
    if isinstance(ctx._saved, list):  # saved outputs keep their tangents (forward-over-reverse)
        for s in ctx._saved:
            if type(s) is SavedOther:
                for r in results:
                    if r is not None and s.data is r._data:
                        s.tangent = r._fw_grad


def _jvp_by_double_vjp(ctx, tangents):
    """jvp from vjp: u -> vjp(u) is linear in u, so <vjp(u), t> differentiated in u gives J t."""
    from .engine import grad as _grad  # noqa: PLC0415  (the engine builds on Function)

    prev = _state.grad_enabled
    _state.grad_enabled = True
    try:
        outs = ctx._fw_out_meta
        us = [Tensor._make(backend.get_array_module(None).zeros(m[0], dtype=m[1]), True) for m in outs]
        gin = type(ctx).backward(ctx, *us)
        if not isinstance(gin, tuple):
            gin = (gin,)
        total = None
        for g, t in zip(gin, tangents):
            if g is None or t is None:
                continue
            term = (g * t).sum()
            total = term if total is None else total + term
        if total is None:
            res = [Tensor._make(u._data.copy()) for u in us]
        else:
            res = _grad(total, us, allow_unused=True, materialize_grads=True)
    finally:
        _state.grad_enabled = prev
    return tuple(res) if len(res) > 1 else res[0]
