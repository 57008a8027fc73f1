"""Segment reductions for message passing: rows of ``src`` reduced into the segments an index names.

Along ``dim`` (shown for dim = 0), with ``index`` of length E and ``dim_size`` = N segments:

    scatter:          out[s] = ⊕_{e : index[e] = s} src[e]        ⊕ ∈ {sum, mean, max, min, mul}
    segment_gather:   out[e] = src[index[e]]                        (src.index_select(0, index))
    scatter_softmax:  out[e] = exp(src[e]) / Σ_{e' : index[e'] = index[e]} exp(src[e'])

The rules are PyTorch Geometric's (``torch_geometric.utils.scatter`` on CPU): an empty segment is 0
for sum, mean, max and min and 1 for mul; max/min share the gradient evenly among the rows that
tie for the extreme (PyTorch's ``scatter_reduce`` rule; ``torch_scatter.scatter_max`` instead gives
it all to the first of them); NaN propagates. Backward passes are closed-form: sum <-> gather are
each other's adjoint, so gradients of every order work.

Speed: no ``np.add.at`` on the rows and no loop over segments. A :class:`SegmentPlan` groups the
rows by their rank inside their segment (the r-th row of each segment has rank r) and the segments
by size: rank r's rows then reduce into a contiguous prefix of an accumulator with one ufunc call.
The loop runs over ranks (up to the largest segment's size); the few rows of the rare high ranks go
to a single ``ufunc.at``.
"""
from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor

__all__ = ["SegmentPlan", "scatter", "segment_gather", "scatter_softmax", "REDUCES"]

#: accepted ``reduce`` names (PyG's spellings) -> the reduction they select
REDUCES = {"sum": "sum", "add": "sum", "mean": "mean", "max": "max", "amax": "max", "min": "min", "amin": "min",
           "mul": "mul", "prod": "mul"}
_UFUNC = {"sum": np.add, "max": np.maximum, "min": np.minimum, "mul": np.multiply}
_TAIL = 16  # ranks holding fewer rows than this are reduced together by one ufunc.at


def _small_key(a, bound):
    """``a`` as uint16 when its values are below ``bound`` <= 65536: NumPy's stable argsort is then a radix sort."""
    return a.astype(np.uint16) if bound <= 65536 else a


class SegmentPlan:
    """Which segment each row of a 1-D ``index`` belongs to, arranged for collision-free vectorised reduction.

    ``index``: int array (E,) with values in [0, num_segments). The arrangement is made on first use and
    reused by every reduction and gradient through the same plan: segments sorted by size (largest
    first), and the rows ordered by rank, then by their segment's place in that order. Rank k's rows then
    reduce into the first m_k entries of an accumulator (m_k = the number of segments with more than k
    rows) by one contiguous ufunc call. Made with stable sorts (radix sorts when the keys fit 16 bits)
    and no loop.
    """

    __slots__ = ("index", "num_segments", "_counts", "_order", "_segs", "_bounds", "_tail_pos")

    def __init__(self, index, num_segments):
        self.index = index
        self.num_segments = int(num_segments)
        self._counts = self._order = None

    @property
    def counts(self):
        """Rows per segment, int64 (num_segments,)."""
        if self._counts is None:
            self._counts = _xp(self.index).bincount(self.index, minlength=self.num_segments)
        return self._counts

    def _arrange(self):
        xp = _xp(self.index)
        idx, counts = self.index, self.counts
        e = idx.shape[0]
        biggest = int(counts.max()) if counts.size else 0
        by_segment = xp.argsort(_small_key(idx, self.num_segments), kind="stable")   # rows grouped by segment
        starts = xp.cumsum(counts) - counts
        segs = xp.argsort(_small_key(biggest - counts, biggest + 1), kind="stable")  # largest segment first
        per_rank = xp.bincount(counts, minlength=biggest + 1)[::-1].cumsum()[::-1][1:]  # m_k = #(counts > k)
        # the (rank k, place p) pairs in rank-major order, p < m_k; the row there is by_segment[starts[segs[p]] + k]
        block = xp.cumsum(per_rank) - per_rank
        k = xp.repeat(xp.arange(per_rank.shape[0]), per_rank)
        p = xp.arange(e) - xp.repeat(block, per_rank)
        self._order = by_segment[starts[segs[p]] + k]
        self._segs = segs[:int(per_rank[0])] if e else segs[:0]
        # rank 0 initialises the accumulator; ranks with fewer than _TAIL rows go to one ufunc.at at the end
        full = max(1, int((per_rank >= _TAIL).sum())) if e else 0
        self._bounds = [0] + [int(b) for b in xp.cumsum(per_rank[:full]).tolist()]
        self._tail_pos = p[self._bounds[-1]:]

    def reduce(self, kind, rows):
        """``out[s]`` = the ``kind`` ('sum', 'max', 'min', 'mul') reduction of ``rows[e]`` over the rows of segment s.

        ``rows``: array (E, ...). Empty segments hold 0 (1 for 'mul'). Returns (num_segments, ...).
        """
        xp = _xp(rows)
        out = xp.full((self.num_segments,) + rows.shape[1:], 1 if kind == "mul" else 0, dtype=rows.dtype)
        if rows.shape[0] == 0:
            return out
        if self._order is None:
            self._arrange()
        ufunc, b = _UFUNC[kind], self._bounds
        s = xp.take(rows, self._order, axis=0)
        acc = s[:b[1]]                     # rank 0: the first row of every non-empty segment, largest first
        for i in range(1, len(b) - 1):
            m = b[i + 1] - b[i]
            ufunc(acc[:m], s[b[i]:b[i + 1]], out=acc[:m])
        if self._tail_pos.shape[0]:
            ufunc.at(acc, self._tail_pos, s[b[-1]:])
        out[self._segs] = acc
        return out


def _xp(a):
    return backend.get_array_module(a)


def _const(arr):
    return Tensor._make(arr)


def _front(a, dim):
    """``a`` with ``dim`` moved to the front (a view)."""
    return a if dim == 0 else _xp(a).moveaxis(a, dim, 0)


def _back(a, dim):
    """Inverse of :func:`_front`, made contiguous."""
    return a if dim == 0 else _xp(a).ascontiguousarray(_xp(a).moveaxis(a, 0, dim))


def _along(v, ndim, dim):
    """A per-row vector (n,) shaped to broadcast along ``dim`` of an ``ndim``-D array."""
    shape = [1] * ndim
    shape[dim] = -1
    return v.reshape(shape)


# ============================================================================ the ops
class SegmentGather(NativeFunction):
    """out = src.take(index, dim);  d/dsrc = segment sum of g by index (through the same plan)"""

    node_name = "IndexSelectBackward0"

    @staticmethod
    def forward(ctx, src, plan, dim):
        ctx.plan, ctx.dim = plan, dim
        return _xp(src).take(src, plan.index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return SegmentReduce.apply(g, ctx.plan, ctx.dim, "sum"), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return SegmentGather.apply(t, ctx.plan, ctx.dim)


class SegmentReduce(NativeFunction):
    """out[s] = ⊕ of src rows with index s (sum, mean, max, min, mul); closed-form gradients (see the module)."""

    node_name = "ScatterReduceBackward0"

    @staticmethod
    def forward(ctx, src, plan, dim, reduce):
        ctx.plan, ctx.dim, ctx.reduce = plan, dim, reduce
        rows = _front(src, dim)
        if reduce == "mean":
            out = plan.reduce("sum", rows)
            n = _along(_xp(out).maximum(plan.counts, 1), out.ndim, 0)
            out = out / n.astype(out.dtype) if out.dtype.kind in "fc" else out / n
        else:
            out = plan.reduce(reduce, rows)
        out = _back(out, dim)
        if reduce in ("max", "min", "mul"):
            ctx.save_for_backward(src, out)
        return out

    @staticmethod
    def _coefficient(ctx, src, out):
        """d out[index[e]] / d src[e] for max/min (ties share) as a constant array, like src."""
        plan, dim = ctx.plan, ctx.dim
        hit = (src._array() == _xp(src._array()).take(out._array(), plan.index, axis=dim)).astype(src._array().dtype)
        ties = _back(plan.reduce("sum", _front(hit, dim)), dim)
        return hit / _xp(hit).take(_xp(hit).maximum(ties, 1), plan.index, axis=dim)

    @staticmethod
    def _mul_coefficient(ctx, src, out):
        """d out[index[e]] / d src[e] for mul: the product of the segment's other rows, as a Tensor of src."""
        plan, dim = ctx.plan, ctx.dim
        a = src._array()
        zero = a == 0
        zeros_in = _back(plan.reduce("sum", _front(zero.astype(np.int64), dim)), dim)
        lone_zero = zero & (_xp(a).take(zeros_in, plan.index, axis=dim) == 1)
        src_nz = src.masked_fill(_const(zero), 1)
        # a non-zero row: out / src (0 when the segment holds a zero); the one zero of a segment: the product
        # of the others (the segment's product with that zero replaced by 1); a segment with two zeros: 0
        others_nz = SegmentGather.apply(out, plan, dim) / src_nz
        prod_nz = SegmentGather.apply(SegmentReduce.apply(src_nz, plan, dim, "mul"), plan, dim)
        return others_nz.masked_fill(_const(zero), 0) + prod_nz.masked_fill(_const(~lone_zero), 0)

    @staticmethod
    def backward(ctx, g):
        plan, dim, reduce = ctx.plan, ctx.dim, ctx.reduce
        if reduce == "sum":
            return SegmentGather.apply(g, plan, dim), None, None, None
        if reduce == "mean":
            n = _along(_xp(plan.counts).maximum(plan.counts, 1), g.ndim, dim).astype(g._array().dtype)
            return SegmentGather.apply(g / _const(n), plan, dim), None, None, None
        src, out = ctx.saved_tensors
        if reduce == "mul":
            return SegmentGather.apply(g, plan, dim) * SegmentReduce._mul_coefficient(ctx, src, out), None, None, None
        return SegmentGather.apply(g, plan, dim) * _const(SegmentReduce._coefficient(ctx, src, out)), None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        plan, dim, reduce = ctx.plan, ctx.dim, ctx.reduce
        if reduce in ("sum", "mean"):
            return SegmentReduce.apply(t, plan, dim, reduce)
        src, out = ctx.saved_tensors
        if reduce == "mul":
            coef = SegmentReduce._mul_coefficient(ctx, src, out)
        else:
            coef = _const(SegmentReduce._coefficient(ctx, src, out))
        return SegmentReduce.apply(t * coef, plan, dim, "sum")


class SegmentSoftmax(NativeFunction):
    """y[e] = exp(x[e] - m[s]) / (Σ_{index[e'] = s} exp(x[e'] - m[s]) + 1e-16), s = index[e], m = segment max;
    vjp: y (g - Σ_segment g y)"""

    node_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, src, plan, dim):
        xp = _xp(src)
        ctx.plan, ctx.dim = plan, dim
        rows = _front(src, dim)
        peak = plan.reduce("max", rows)
        ex = xp.exp(rows - xp.take(peak, plan.index, axis=0))
        total = plan.reduce("sum", ex) + src.dtype.type(1e-16)   # PyG's guard against an all-underflow segment
        y = _back(ex / xp.take(total, plan.index, axis=0), dim)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        plan, dim = ctx.plan, ctx.dim
        return y * (g - SegmentGather.apply(SegmentReduce.apply(g * y, plan, dim, "sum"), plan, dim)), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        (y,) = ctx.saved_tensors
        plan, dim = ctx.plan, ctx.dim
        return y * (t - SegmentGather.apply(SegmentReduce.apply(t * y, plan, dim, "sum"), plan, dim))


# ============================================================================ argument checks
def _norm_dim(op, dim, ndim):
    d = dim + ndim if dim < 0 else dim
    if not 0 <= d < max(ndim, 1):
        raise ValueError(f"{op}: the `dim` argument must lie between {-max(ndim, 1)} and {max(ndim, 1) - 1} for a "
                         f"{ndim}-D src (got {dim})")
    return d


def index_array(op, index, what="index"):
    """The int64 array of a 1-D integer index Tensor, or a clear error naming ``op``."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}: `{what}` must be a Tensor of integers (got {type(index).__name__})")
    a = index._array()
    if a.dtype.kind not in "iu":
        raise ValueError(f"{op}: `{what}` must be an integer tensor (got dtype {index.dtype})")
    if a.ndim != 1:
        raise ValueError(f"{op}: the `{what}` argument must be one-dimensional (got {a.ndim} dimensions, shape "
                         f"{list(a.shape)})")
    return a.astype(np.int64, copy=False)


def _check_range(op, idx, size, what="index"):
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= size):
        bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
        raise IndexError(f"{op}: `{what}` holds {bad}, outside [0, {size}) (the number of segments / nodes is {size})")


def _plan_for(op, src, index, dim, dim_size):
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}: `src` must be a Tensor (got {type(src).__name__})")
    idx = index_array(op, index)
    d = _norm_dim(op, dim, src.ndim)
    if src.ndim == 0 or idx.shape[0] != src.shape[d]:
        raise ValueError(f"{op}: `index` has {idx.shape[0]} entries but `src` has "
                         f"{src.shape[d] if src.ndim else 'no'} rows along dim {d} (src shape {list(src.shape)})")
    if dim_size is None:
        dim_size = int(idx.max()) + 1 if idx.size else 0
    dim_size = int(dim_size)
    if dim_size < 0:
        raise ValueError(f"{op}: `dim_size` must be >= 0 (got {dim_size})")
    _check_range(op, idx, dim_size)
    return SegmentPlan(idx, dim_size), d


# ============================================================================ public functions
def scatter(src, index, dim=0, dim_size=None, reduce="sum"):
    """Reduce the slices of ``src`` along ``dim`` into the segments ``index`` names (PyG's ``utils.scatter``).

    ``out[..., s, ...] = ⊕_{e : index[e] = s} src[..., e, ...]`` with ⊕ = ``reduce``: 'sum' (or 'add'), 'mean',
    'max', 'min' or 'mul'.

    Args:
        src: Tensor with ``src.size(dim) == E``.
        index: 1-D integer Tensor (E,), values in [0, dim_size).
        dim: the dimension reduced (negative counts from the end).
        dim_size: the number of segments N (default ``index.max() + 1``).
    Returns: ``src``'s shape with size N at ``dim``. Empty segments hold 0 (1 for 'mul'); max/min share the
    gradient evenly among tied rows.

    >>> scatter(tensor([1., 2., 3.]), tensor([0, 0, 2]), dim_size=4)
    tensor([3., 0., 3., 0.])
    """
    kind = REDUCES.get(reduce) if isinstance(reduce, str) else None
    if kind is None:
        raise ValueError(f"scatter: invalid `reduce` argument {reduce!r} (expected one of 'sum', 'add', 'mean', "
                         f"'max', 'min', 'mul')")
    plan, d = _plan_for("scatter", src, index, dim, dim_size)
    return SegmentReduce.apply(src, plan, d, kind)


def segment_gather(src, index, dim=0):
    """``src.index_select(dim, index)`` (each row of a segment gets the segment's value), whose backward is the
    vectorised segment sum rather than ``np.add.at``: the lift of node features to edges in message passing.

    ``index``: 1-D integer Tensor with values in [0, src.size(dim)); out has size ``len(index)`` at ``dim``.
    """
    idx = index_array("segment_gather", index)
    d = _norm_dim("segment_gather", dim, src.ndim)
    _check_range("segment_gather", idx, src.shape[d])
    return SegmentGather.apply(src, SegmentPlan(idx, src.shape[d]), d)


def scatter_softmax(src, index, num_segments=None, dim=0):
    """Softmax over the rows of each segment: ``out[e] = exp(src[e]) / Σ_{e' : index[e'] = index[e]} exp(src[e'])``.

    Computed stably (the segment's max is subtracted) with PyG's 1e-16 added to the denominator; ``src`` may
    carry trailing dims (e.g. attention heads), each normalised on its own. Backward:
    ``y * (g - Σ_segment g y)``.
    """
    plan, d = _plan_for("scatter_softmax", src, index, dim, num_segments)
    if src._array().dtype.kind != "f":
        raise TypeError(f"scatter_softmax: `src` must be floating point (got {src.dtype})")
    return SegmentSoftmax.apply(src, plan, d)
