"""Joining and splitting tensors: cat, stack (and h/v/d/column_stack), split, chunk, tensor_split, unbind.

``Cat`` and ``SplitFn`` are each other's adjoints: cat's backward splits the gradient, split's
backward concatenates the gradients of its pieces (zeros for pieces that got none), so both
differentiate any number of times. The pieces of a split are views of the input.
"""
from __future__ import annotations

from ... import backend
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor, wrap_dim
from ..arguments import xp_of
from ..registry import register
from .views import Reshape, _check, atleast_1d, atleast_2d, atleast_3d, unsqueeze


def _skipped(a):
    """PyTorch's legacy rule: 1-D empty tensors are ignored by cat, whatever the other shapes."""
    return a.ndim == 1 and a.shape[0] == 0


# --------------------------------------------------------------------------- cat
class Cat(NativeFunction):
    """Concatenation along ``dim``;  backward: the gradient split back into the inputs' sizes"""

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        ctx.shapes = [a.shape for a in arrays]
        kept = [a for a in arrays if not _skipped(a)]
        if not kept:
            return arrays[0].copy()
        if len(kept) == 1:
            return kept[0].copy()
        return xp_of(kept[0]).concatenate(kept, axis=dim)

    @staticmethod
    def backward(ctx, g):
        shapes = ctx.shapes
        kept = [i for i, s in enumerate(shapes) if not (len(s) == 1 and s[0] == 0)]
        grads = [None] * len(shapes)
        needs = ctx.needs_input_grad
        if len(kept) < len(shapes):
            zero = Tensor._make(xp_of(g._data).zeros((0,), dtype=g._data.dtype))
            for i in range(len(shapes)):
                if i not in kept and needs[i]:
                    grads[i] = zero
        if not kept:
            return tuple(grads)
        bounds, pos = [], 0
        for i in kept:
            n = shapes[i][ctx.dim]
            bounds.append((pos, pos + n))
            pos += n
        pieces = SplitFn.apply(g, ctx.dim, tuple(bounds), False)
        for i, p in zip(kept, pieces):
            if needs[i]:
                grads[i] = p
        return tuple(grads)

    @staticmethod
    def jvp(ctx, *tangents):
        ts = [t if t is not None else Tensor._make(xp_of(None).zeros(s, dtype=ctx._fw_out_meta[0][1]))
              for t, s in zip(tangents, ctx.shapes)]
        return Cat.apply(*ts, dim=ctx.dim)


def _as_seq(op, tensors):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(x).__name__}")
    return tensors


def _promote_all(tensors):
    dt = tensors[0]._data.dtype
    if all(x._data.dtype == dt for x in tensors):
        return tensors
    rt = backend._BY_NP[dt]
    for x in tensors[1:]:
        rt = backend.promote_types(rt, backend._BY_NP[x._data.dtype])
    return [x if x._data.dtype == rt.np else x.to(rt) for x in tensors]


def cat(tensors, dim=0, *, out=None):
    """Concatenate ``tensors`` along ``dim``. All must have the same shape except in ``dim``; the result
    has their promoted dtype. 1-D empty tensors are skipped (as in PyTorch).

    >>> cat([ones(2, 3), zeros(1, 3)]).shape
    reograd.Size([3, 3])
    """
    tensors = _as_seq("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    ref = None
    for i, x in enumerate(tensors):
        if x._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
        if ref is None and not _skipped(x._data):
            ref = i
    tensors = _promote_all(tensors)
    if ref is None:  # all are skipped empty 1-D tensors: PyTorch checks no dim
        return Cat.apply(*tensors, dim=0)
    shape = tensors[ref]._data.shape
    d = wrap_dim(dim, len(shape), "cat")
    for i, x in enumerate(tensors):
        s = x._data.shape
        if _skipped(x._data):
            continue
        if len(s) != len(shape):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(shape)} and {len(s)}")
        for k in range(len(s)):
            if k != d and s[k] != shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size {shape[k]} "
                                   f"but got size {s[k]} for tensor number {i} in the list.")
    res = Cat.apply(*tensors, dim=d)
    if out is not None:
        from ..inplace import write_out  # noqa: PLC0415

        return write_out(res, out)
    return res


def concat(tensors, dim=0, *, out=None):
    """Alias of :func:`cat`."""
    return cat(tensors, dim, out=out)


def concatenate(tensors, axis=0, out=None):
    """Alias of :func:`cat` (NumPy's name; the dim is called ``axis``)."""
    return cat(tensors, axis, out=out)


def stack(tensors, dim=0, *, out=None):
    """Join equal-shaped tensors along a new dim ``dim``: n tensors of shape S give shape S[:dim] + (n,) + S[dim:]."""
    tensors = _as_seq("stack", tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, x in enumerate(tensors[1:], 1):
        if x._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                               f"{list(x._data.shape)} at entry {i}")
    d = wrap_dim(dim, len(shape) + 1, "stack")
    return cat([unsqueeze(x, d) for x in tensors], d, out=out)


def hstack(tensors, *, out=None):
    """Stack horizontally: cat along dim 1 (dim 0 for 1-D tensors); 0-d tensors count as 1-D."""
    tensors = atleast_1d(_as_seq("hstack", tensors))
    if not tensors:
        raise RuntimeError("hstack expects a non-empty TensorList")
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """Stack vertically: cat along dim 0 of the tensors made at least 2-D ((n,) -> (1, n))."""
    tensors = atleast_2d(_as_seq("vstack", tensors))
    if not tensors:
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat(tensors, 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """Stack depthwise: cat along dim 2 of the tensors made at least 3-D."""
    tensors = atleast_3d(_as_seq("dstack", tensors))
    if not tensors:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat(tensors, 2, out=out)


def column_stack(tensors, *, out=None):
    """Stack as columns: 0-d and 1-d tensors become columns (n, 1), then cat along dim 1."""
    tensors = _as_seq("column_stack", tensors)
    if not tensors:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    cols = [Reshape.apply(x, (x._data.size, 1)) if x._data.ndim <= 1 else x for x in tensors]
    return cat(cols, 1, out=out)


# --------------------------------------------------------------------------- split
class SplitFn(NativeFunction):
    """Pieces input[..., b0:b1, ...] along ``dim`` (views; ``squeeze``: single indices, for unbind);
    backward: the pieces' gradients concatenated (or stacked)"""

    is_view = True
    node_name = "SplitBackward0"
    linear = True

    @staticmethod
    def forward(ctx, a, dim, bounds, squeeze, name=None):
        ctx.dim, ctx.bounds, ctx.squeeze, ctx.in_shape = dim, bounds, squeeze, a.shape
        pre = (slice(None),) * dim
        if squeeze and len(bounds) == a.shape[dim]:
            name = "UnbindBackward0"
        if name:  # PyTorch's names (errors on in-place use of the pieces cite them)
            ctx.node_name = name
        if squeeze:  # (the Ellipsis keeps a 0-d piece a view, not a NumPy scalar copy)
            return tuple(a[pre + (i, Ellipsis)] for i in bounds)
        return tuple(a[pre + (slice(s, e),)] for s, e in bounds)

    @staticmethod
    def backward(ctx, *grads):
        d, bounds = ctx.dim, ctx.bounds
        if ctx.squeeze:
            if len(bounds) == ctx.in_shape[d]:  # unbind: every index once, in order
                return Cat.apply(*[Reshape.apply(g, _unsq(g.shape, d)) for g in grads], dim=d), None, None, None, None
            bounds = [(i, i + 1) for i in bounds]
            grads = [Reshape.apply(g, _unsq(g.shape, d)) for g in grads]
        pos, tiled = 0, True
        for s, e in bounds:
            tiled = tiled and s == pos
            pos = e
        if tiled and pos == ctx.in_shape[d]:  # the pieces tile the dim: concatenate their grads
            return Cat.apply(*grads, dim=d), None, None, None, None
        from .views import Embed  # noqa: PLC0415  (overlapping or partial pieces: add each one back)

        total = None
        for g, (s, e) in zip(grads, bounds):
            part = Embed.apply(g, ctx.in_shape, d, s, e, 1)
            total = part if total is None else total + part
        return total, None, None, None, None


def _unsq(shape, d):
    shape = tuple(shape)
    return shape[:d] + (1,) + shape[d:]


def _split_at(input, d, bounds, squeeze=False, sizes=False):
    """Apply SplitFn: every piece is a view of input (sharing its version counter). As in PyTorch, the
    pieces of this one multi-output op can't be modified in place while they need a graph."""
    if not bounds:
        return ()
    return SplitFn.apply(input, d, tuple(bounds), squeeze, "SplitWithSizesBackward0" if sizes else None)


def _slices_at(input, d, bounds):
    """Pieces as separate slice views (tensor_split, which PyTorch composes of slices: each piece may be
    modified in place like any slice)."""
    from .views import Slice  # noqa: PLC0415  (shape imports this module)

    return tuple(Slice.apply(input, d, s, e, 1) for s, e in bounds)


def _split_dim(op, input, dim):
    _check(op, input)
    if input._data.ndim == 0:
        raise RuntimeError(f"{op} expects at least a 1-dimensional tensor")
    return wrap_dim(dim, input._data.ndim, op)


def split(tensor, split_size_or_sections, dim=0):
    """Split into pieces along ``dim``: of ``split_size`` each (the last may be smaller), or of the sizes in a
    list (which must sum to the dim's size). Returns a tuple of views."""
    d = _split_dim("split", tensor, dim)
    n = tensor._data.shape[d]
    s = split_size_or_sections
    if isinstance(s, Tensor) and s._data.ndim == 0:
        s = int(s.item())
    if isinstance(s, int):
        if s < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
        if s == 0:
            if n:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
            return _split_at(tensor, d, [(0, 0)])
        bounds = [(i, min(i + s, n)) for i in range(0, n, s)] or [(0, 0)]
        return _split_at(tensor, d, bounds)
    sizes = [int(x) for x in s]
    if any(x < 0 for x in sizes) or sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                           f"dimension {d}), but got split_sizes={sizes}")
    bounds, pos = [], 0
    for x in sizes:
        bounds.append((pos, pos + x))
        pos += x
    return _split_at(tensor, d, bounds, sizes=True)


def _split_method(self, split_size, dim=0):
    """``self.split(split_size, dim=0)``: views of ``split_size`` along ``dim`` (last may be smaller), or of the
    given sizes when ``split_size`` is a list (see :func:`split`)."""
    return split(self, split_size, dim)


def chunk(input, chunks, dim=0):
    """Split into ``chunks`` pieces of size ceil(n / chunks) along ``dim`` (fewer pieces if n is small)."""
    d = _split_dim("chunk", input, dim)
    chunks = int(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input._data.shape[d]
    if n == 0:
        return _split_at(input, d, [(0, 0)] * chunks)
    size = -(-n // chunks)
    return _split_at(input, d, [(i, min(i + size, n)) for i in range(0, n, size)])


def tensor_split(input, indices_or_sections, dim=0):
    """Split along ``dim``: into ``sections`` nearly equal pieces (the first n % sections one longer), or at
    the ``indices`` given (input[:i0], input[i0:i1], ..., input[ik:]). Returns a tuple of views."""
    d = _split_dim("tensor_split", input, dim)
    n = input._data.shape[d]
    s = indices_or_sections
    if isinstance(s, Tensor):
        if s._data.dtype.kind not in "iu":
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have integer dtype, but got "
                               f"{s.dtype}")
        if s._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {s._data.ndim} dims")
        s = int(s.item()) if s._data.ndim == 0 else [int(v) for v in s.tolist()]
    if isinstance(s, int):
        if s <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {s}")
        q, r = divmod(n, s)
        bounds, pos = [], 0
        for i in range(s):
            m = q + (1 if i < r else 0)
            bounds.append((pos, pos + m))
            pos += m
        return _slices_at(input, d, bounds)
    pts = [0] + [int(v) for v in s] + [n]
    pts = [max(0, min(p + n if p < 0 else p, n)) for p in pts]
    pts[0], pts[-1] = 0, n
    return _slices_at(input, d, [(a, max(a, b)) for a, b in zip(pts[:-1], pts[1:])])


def _dir_split(op, input, s, dim, need):
    if input._data.ndim < need:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {need} dimension, but got a tensor with "
                           f"{input._data.ndim} dimensions!")
    if isinstance(s, int) and input._data.shape[dim] % s:
        raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input._data.shape[dim]} is not divisible by the split_size {s}!")
    return tensor_split(input, s, dim)


def hsplit(input, indices_or_sections):
    """tensor_split along dim 1 (dim 0 for 1-D); an int must divide the size exactly."""
    return _dir_split("hsplit", input, indices_or_sections, 0 if input._data.ndim == 1 else 1, 1)


def vsplit(input, indices_or_sections):
    """tensor_split along dim 0 of a tensor with at least 2 dims; an int must divide the size exactly."""
    return _dir_split("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """tensor_split along dim 2 of a tensor with at least 3 dims; an int must divide the size exactly."""
    return _dir_split("dsplit", input, indices_or_sections, 2, 3)


def unbind(input, dim=0):
    """The slices along ``dim`` as a tuple of views, with that dim removed: unbind(x of (3, 4)) -> three (4,)."""
    if input._data.ndim == 0:
        raise IndexError(f"unbind: Dimension specified as {dim} but tensor has no dimensions (input shape [])")
    d = _split_dim("unbind", input, dim)
    return _split_at(input, d, list(range(input._data.shape[d])), squeeze=True)


def split_with_sizes(input, split_sizes, dim=0):
    """Split ``input`` along ``dim`` into pieces of the given sizes (they must sum to the dim's size).

    >>> reograd.arange(5).split_with_sizes([2, 3])   # (tensor([0, 1]), tensor([2, 3, 4]))
    """
    return split(input, list(split_sizes), dim)

register(chunk, tensor_split, hsplit, vsplit, dsplit, unbind, split_with_sizes)
register(split=_split_method)
