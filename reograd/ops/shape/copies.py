"""Shape operations that copy: flip, roll, rot90, repeat, tile, repeat_interleave.

Each backward is the adjoint permutation or summation (flip <-> flip, roll <-> roll back,
repeat_interleave <-> segment sum), written as Tensor ops so every op differentiates twice.
"""
from __future__ import annotations

from ...autograd.broadcast import Expand
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor, wrap_dim
from ..arguments import check_tensor, xp_of
from ..registry import register
from .joins import chunk, split
from .views import Reshape, _check, _reshape, _size_args, transpose


def narrow_copy(input, dim, start, length):
    """Like :func:`narrow` (input[..., start:start+length, ...] along dim) but returns a copy, not a view."""
    check_tensor("narrow_copy", input)
    return input.narrow(dim, start, length).clone()


def unsafe_chunk(input, chunks, dim=0):
    """:func:`chunk` (``chunks`` pieces along dim); PyTorch's 'unsafe' variant skips view tracking, here it
    returns chunk's result."""
    return chunk(input, chunks, dim)


def unsafe_split(tensor, split_size_or_sections, dim=0):
    """:func:`split` along dim into pieces of ``split_size_or_sections``; PyTorch's 'unsafe' variant skips view
    tracking, here it returns split's result."""
    return split(tensor, split_size_or_sections, dim)

register(narrow_copy, unsafe_chunk, unsafe_split)


def _dims(op, dims, ndim):
    dims = (dims,) if isinstance(dims, int) else tuple(int(d) for d in dims)
    out = tuple(wrap_dim(d, ndim, op) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}: dims has duplicates, original flip dims size={len(dims)}, but unique flip dims "
                           f"size={len(set(out))}")
    return out


# --------------------------------------------------------------------------- flip
class FlipDims(NativeFunction):
    """input reversed along ``dims`` (a copy);  backward: flip the gradient the same way"""

    node_name = "FlipBackward0"
    linear = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        if not dims or a.ndim == 0:
            return a.copy()
        return xp_of(a).flip(a, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return FlipDims.apply(g, ctx.dims), None


def flip(input, *dims):
    """Reverse the order of elements along ``dims`` (a copy, as in PyTorch)."""
    _check("flip", input)
    dims = _size_args(dims)
    return FlipDims.apply(input, _dims("flip", dims, input._data.ndim))


def fliplr(input):
    """Flip left-right: reverse dim 1 (input must be at least 2-D)."""
    _check("fliplr", input)
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return FlipDims.apply(input, (1,))


def flipud(input):
    """Flip up-down: reverse dim 0 (input must be at least 1-D)."""
    _check("flipud", input)
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return FlipDims.apply(input, (0,))


# --------------------------------------------------------------------------- roll
class Roll(NativeFunction):
    """Elements shifted cyclically: out[(i + s) % n] = x[i] along each dim;  backward: roll by -s"""

    linear = True

    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return xp_of(a).roll(a, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        neg = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return Roll.apply(g, neg, ctx.dims), None, None


def roll(input, shifts, dims=None):
    """Roll elements along ``dims`` by ``shifts`` (ints or equal-length tuples); elements that fall off one
    end come back at the other. Without ``dims`` the flattened tensor is rolled and the shape restored."""
    _check("roll", input)
    sh = (shifts,) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(sh) != 1:
            raise RuntimeError(f"roll: `shifts` must be a single int when `dims` is not given (got {list(sh)})")
        return Roll.apply(input, sh[0], None)
    dm = (dims,) if isinstance(dims, int) else tuple(int(d) for d in dims)
    if len(sh) != len(dm):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:{len(dm)}")
    dm = tuple(wrap_dim(d, input._data.ndim, "roll") for d in dm)
    return Roll.apply(input, sh, dm)


# --------------------------------------------------------------------------- rot90
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first towards the second dim."""
    _check("rot90", input)
    dims = tuple(dims)
    n = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = wrap_dim(dims[0], n, "rot90"), wrap_dim(dims[1], n, "rot90")
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k = int(k) % 4
    if k == 1:
        return transpose(FlipDims.apply(input, (d1,)), d0, d1)
    if k == 2:
        return FlipDims.apply(input, (d0, d1))
    if k == 3:
        return transpose(FlipDims.apply(input, (d0,)), d0, d1)
    return FlipDims.apply(input, ())


# --------------------------------------------------------------------------- repeat / tile
def _repeat(self, *sizes):
    """Tile the tensor: ``x.repeat(r0, r1, ...)`` repeats dim i ``ri`` times (extra leading sizes add dims).

    Computed as reshape -> expand -> reshape, so the backward sums the copies."""
    _check("repeat", self)
    reps = _size_args(sizes)
    shape = self._data.shape
    if len(reps) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           f"tensor (repeat dims {list(reps)}, tensor shape {list(shape)})")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension: repeats {list(reps)}")
    shape = (1,) * (len(reps) - len(shape)) + shape
    inter, big, out = [], [], []
    for r, s in zip(reps, shape):
        inter += [1, s]
        big += [r, s]
        out.append(r * s)
    x = Reshape.apply(self, tuple(inter))
    x = Expand.apply(x, tuple(big))
    return _reshape(x, tuple(out))


def tile(input, dims):
    """Repeat the tensor ``dims[i]`` times along dim i; missing leading repeats count as 1 (unlike repeat)."""
    _check("tile", input)
    dims = tuple(int(d) for d in dims)
    n = input._data.ndim
    if len(dims) < n:
        dims = (1,) * (n - len(dims)) + dims
    return _repeat(input, dims)


# --------------------------------------------------------------------------- repeat_interleave
class RepeatInterleave(NativeFunction):
    """Each element along ``dim`` repeated ``repeats[i]`` times;  backward: sum each run (SegmentSum)"""

    linear = True

    @staticmethod
    def forward(ctx, a, repeats, dim):
        ctx.repeats, ctx.dim, ctx.n = repeats, dim, a.shape[dim]
        return xp_of(a).repeat(a, repeats, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return SegmentSum.apply(g, ctx.repeats, ctx.dim, ctx.n), None, None


class SegmentSum(NativeFunction):
    """out[i] = sum of the i-th run of ``repeats[i]`` elements along ``dim`` (adjoint of RepeatInterleave)"""

    linear = True

    @staticmethod
    def forward(ctx, g, repeats, dim, n):
        ctx.repeats, ctx.dim = repeats, dim
        xp = xp_of(g)
        if isinstance(repeats, int):
            shape = g.shape[:dim] + (n, repeats) + g.shape[dim + 1:]
            return g.reshape(shape).sum(axis=dim + 1)
        counts = xp.asarray(repeats)
        out_shape = g.shape[:dim] + (n,) + g.shape[dim + 1:]
        nz = xp.nonzero(counts)[0]
        if nz.size == 0:
            return xp.zeros(out_shape, dtype=g.dtype)
        starts = (xp.cumsum(counts) - counts)[nz]
        sums = xp.add.reduceat(g, starts, axis=dim)
        if nz.size == n:
            return sums
        out = xp.zeros(out_shape, dtype=g.dtype)
        out[(slice(None),) * dim + (nz,)] = sums
        return out

    @staticmethod
    def backward(ctx, gg):
        return RepeatInterleave.apply(gg, ctx.repeats, ctx.dim), None, None, None


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times along ``dim`` (an int, or a tensor with one count per element).

    Without ``dim`` the input is flattened first. ``repeat_interleave(repeats)`` (one tensor) gives
    ``arange(len(repeats))`` repeated: ``[2, 1] -> [0, 0, 1]``.
    """
    from ..creation.factories import arange  # noqa: PLC0415

    if repeats is None:
        reps = input
        if not isinstance(reps, Tensor) or reps._data.ndim > 1 or reps._data.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave: repeats must be a 0-dim or 1-dim integer tensor")
        reps = reps.reshape(-1)
        return repeat_interleave(arange(reps._data.shape[0]), reps, 0, output_size=output_size)
    _check("repeat_interleave", input)
    if dim is None:
        input = input.reshape(-1)
        d = 0
    else:
        d = wrap_dim(dim, input._data.ndim, "repeat_interleave")
        if input._data.ndim == 0:
            input = input.reshape(1)
    n = input._data.shape[d]
    if isinstance(repeats, Tensor):
        r = repeats._data
        if r.dtype.kind not in "iu":
            raise RuntimeError(f"repeat_interleave: repeats has to be Long or Int tensor, got {repeats.dtype}")
        if r.ndim > 1:
            raise RuntimeError("repeat_interleave: repeats must be 0-dim or 1-dim tensor")
        if r.ndim == 0 or r.shape[0] == 1:
            repeats = int(r.reshape(()))
        else:
            if r.shape[0] != n:
                raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim, but got "
                                   f"repeats.size(0) = {r.shape[0]} and input.size({d}) = {n}")
            if (r < 0).any():
                raise RuntimeError("repeat_interleave: repeats can not be negative")
            repeats = tuple(int(v) for v in r.tolist())
    else:
        repeats = int(repeats)
    if isinstance(repeats, int) and repeats < 0:
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    total = repeats * n if isinstance(repeats, int) else sum(repeats)
    if output_size is not None and int(output_size) != total:
        raise RuntimeError(f"repeat_interleave: allocated size does not match required size (output_size="
                           f"{output_size}, required {total})")
    return RepeatInterleave.apply(input, repeats, d)

register(flip, fliplr, flipud, roll, rot90, tile, repeat_interleave)
register(repeat=_repeat)
