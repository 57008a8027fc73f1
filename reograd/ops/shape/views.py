"""Shape operations that are views: reshape, permute, expand, squeeze, narrow, unfold...

Views share memory with their input (NumPy views) and its version counter, as in PyTorch: an
in-place change through a view is seen by backward passes that saved the base. Each view's
backward is another view or its adjoint (narrow <-> embed in zeros, unfold <-> fold), written
as Tensor ops, so every op differentiates twice.

Ops that copy (cat, stack, split, flip, roll, repeat...) live in ``shape_join.py`` and
``shape_copy.py`` and are re-exported here.
"""
from __future__ import annotations

from ... import backend
from ...autograd.broadcast import Expand
from ...autograd.function import NativeFunction
from ...autograd.grad_mode import state as _state
from ...autograd.tensor import Size, Tensor, wrap_dim
from ..arguments import xp_of
from ..registry import register


def _size_args(shape):
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])``, ``f(Size)``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _check(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")


# --------------------------------------------------------------------------- reshape
class Reshape(NativeFunction):
    """The same elements in a new shape (a view when the layout allows);  backward: reshape back"""

    is_view = True
    linear = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape, ctx.out_shape = a.shape, shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return Reshape.apply(g, ctx.in_shape), None


class ReshapeCopy(Reshape):
    """A reshape that needs a copy (non-contiguous input): not a view, so no shared version counter."""

    is_view = False
    node_name = "ReshapeBackward0"


def _viewable(a, shape):
    """Whether ``a`` can take ``shape`` without a copy."""
    if a.flags.c_contiguous or a.size <= 1:
        return True
    v = a.view()
    try:
        v.shape = shape
    except AttributeError:
        return False
    return True


def _reshape(input, shape):
    a = input._data
    cls = Reshape if _viewable(a, shape) else ReshapeCopy
    return cls.apply(input, shape)


def _infer_shape(op, numel, shape, in_shape):
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (got shape {list(shape)})")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}: invalid shape dimension {s} in {list(shape)}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} "
                               f"(input shape {list(in_shape)})")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} "
                           f"(input shape {list(in_shape)})")
    return shape


def reshape(input, *shape):
    """The same elements, in row-major order, in a new ``shape`` (one entry may be -1: inferred).

    A view of ``input`` when its layout allows, else a copy. ``reshape(x, (2, -1))``.
    """
    _check("reshape", input)
    shape = _size_args(shape)
    if shape != input._data.shape:
        shape = _infer_shape("reshape", input._data.size, shape, input._data.shape)
    return _reshape(input, shape)


def view(input, *shape):
    """Like reshape, but only for shapes that need no copy (as in PyTorch); ``view(dtype)`` reinterprets."""
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)) and not hasattr(shape[0], "__index__"):
        dt = backend.as_dtype(shape[0])
        return Tensor._make(input._data.view(dt.np))
    shape = _infer_shape("view", input._data.size, _size_args(shape), input._data.shape)
    if not _viewable(input._data, shape):
        raise RuntimeError(f"view size is not compatible with input tensor's size and stride (at least one dimension "
                           f"spans across two contiguous subspaces) (input shape {list(input.shape)}, requested "
                           f"{list(shape)}). Use .reshape(...) instead.")
    return Reshape.apply(input, shape)


def view_as(input, other):
    """A view of ``input`` with ``other``'s shape: ``input.view(other.shape)`` (numel must match).

    Example: ``torch.arange(6).view_as(torch.zeros(2, 3))`` has shape (2, 3).
    """
    return view(input, other.shape)


def reshape_as(input, other):
    """``input`` reshaped to ``other``'s shape: ``input.reshape(other.shape)`` (a view when possible)."""
    return reshape(input, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one: (2, 3, 4) -> flatten(1) -> (2, 12). 0-d gives shape (1,)."""
    _check("flatten", input)
    shape = input._data.shape
    n = len(shape)
    if n == 0:
        return _reshape(input, (1,))
    s, e = wrap_dim(start_dim, n, "flatten"), wrap_dim(end_dim, n, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    m = 1
    for d in shape[s:e + 1]:
        m *= d
    return _reshape(input, shape[:s] + (m,) + shape[e + 1:])


def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one may be -1): unflatten(x of (2, 12), 1, (3, 4)) -> (2, 3, 4)."""
    _check("unflatten", input)
    shape = input._data.shape
    d = wrap_dim(dim, len(shape), "unflatten")
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        new = _infer_shape("unflatten", shape[d], sizes, shape)
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({shape[d]}) in the input tensor") from None
    return _reshape(input, shape[:d] + tuple(new) + shape[d + 1:])


def ravel(input):
    """The elements as a 1-D tensor (a view when possible)."""
    return reshape(input, -1)


# --------------------------------------------------------------------------- permute / transpose
class Permute(NativeFunction):
    """Output dim i is input dim dims[i] (a view);  backward: the inverse permutation"""

    is_view = True
    linear = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        inv = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inv[d] = i
        return Permute.apply(g, tuple(inv)), None


def permute(input, *dims):
    """Reorder the dimensions: output dim i is input dim ``dims[i]`` (a view)."""
    _check("permute", input)
    dims = _size_args(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(): number of dimensions in the tensor input does not match the length of the "
                           f"desired ordering of dimensions i.e. input.dim() = {n} is not equal to len(dims) = "
                           f"{len(dims)}")
    dims = tuple(wrap_dim(d, n, "permute") for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError(f"permute(): duplicate dims are not allowed (got {list(dims)})")
    return Permute.apply(input, dims)


def transpose(input, dim0, dim1):
    """Swap dimensions ``dim0`` and ``dim1`` (a view)."""
    _check("transpose", input)
    n = input._data.ndim
    d0, d1 = wrap_dim(dim0, n, "transpose"), wrap_dim(dim1, n, "transpose")
    if n == 0:
        return Reshape.apply(input, ())
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(input, tuple(dims))


def swapaxes(input, axis0, axis1):
    """Alias of :func:`transpose` (NumPy's name)."""
    return transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    """Alias of :func:`transpose`."""
    return transpose(input, dim0, dim1)


def movedim(input, source, destination):
    """Move dims ``source`` (int or sequence) to positions ``destination``; the others keep their order."""
    _check("movedim", input)
    n = input._data.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
                           f"the same number of dims as destination ({list(dst)} dims)")
    src = [wrap_dim(d, n, "movedim") for d in src]
    dst = [wrap_dim(d, n, "movedim") for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(source)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(destination)})")
    if n == 0:
        return Reshape.apply(input, ())
    perm = [-1] * n
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(d for d in range(n) if d not in src)
    perm = tuple(p if p >= 0 else next(rest) for p in perm)
    return Permute.apply(input, perm)


moveaxis = movedim


def t(input):
    """Transpose of a matrix (0-d and 1-d tensors are returned as they are, as views)."""
    _check("t", input)
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    if input._data.ndim < 2:
        return Reshape.apply(input, input._data.shape)
    return Permute.apply(input, (1, 0))


def _T(self):
    """``tensor.T``: all dims reversed, x.permute(n-1, ..., 0) (0-d and 1-d tensors returned as they are)."""
    n = self._data.ndim
    return Permute.apply(self, tuple(range(n - 1, -1, -1))) if n >= 2 else Reshape.apply(self, self._data.shape)


def _mT(self):
    """``tensor.mT``: the last two dims swapped, x.transpose(-2, -1), for a batch (..., m, n) -> (..., n, m)."""
    if self._data.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self._data.ndim}-D "
                           "tensor.")
    return transpose(self, -2, -1)


def _mH(self):
    """``tensor.mH``: conjugate transpose of the last two dims, conj(x.transpose(-2, -1)) (= mT for reals)."""
    r = _mT(self)
    return r.conj() if r.is_complex() else r


def _H(self):
    """``tensor.H``: conjugate transpose of a matrix, conj(x.T) (2-D or less; = T for reals)."""
    if self._data.ndim > 2:
        raise RuntimeError("tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self._data.ndim}-D tensor.")
    r = _T(self)
    return r.conj() if r.is_complex() else r


# --------------------------------------------------------------------------- squeeze / unsqueeze
def unsqueeze(input, dim):
    """Insert a dimension of size 1 at ``dim`` (-1: at the end) (a view)."""
    _check("unsqueeze", input)
    n = input._data.ndim
    d = wrap_dim(dim, n + 1, "unsqueeze")
    shape = input._data.shape[:d] + (1,) + input._data.shape[d:]
    return Reshape.apply(input, shape)


def squeeze(input, dim=None):
    """Remove dimensions of size 1: all, or those among ``dim`` (an int or a tuple) (a view)."""
    _check("squeeze", input)
    shape = input._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        wrapped = [wrap_dim(d, len(shape), "squeeze") for d in dims]
        dims = set(wrapped)
        if len(dims) != len(wrapped):
            raise RuntimeError(f"squeeze: dim {sorted(d for d in dims if wrapped.count(d) > 1)[0]} appears multiple "
                               f"times in the list of dims (dim {dim}, input shape {list(shape)})")
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return Reshape.apply(input, new)


# --------------------------------------------------------------------------- expand / broadcast
def _expand_shape(shape, sizes, op="expand"):
    if len(sizes) < len(shape):
        raise RuntimeError(f"{op}: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"{op}: the expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            out.append(s)
        else:
            cur = shape[i - lead]
            if s == -1:
                s = cur
            elif cur != 1 and s != cur:
                raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                                   f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                                   f"{list(shape)}")
            out.append(s)
    return tuple(out)


def expand(input, *sizes):
    """A broadcast view of ``input`` with the given sizes (-1 keeps a dim; new dims go in front).

    No memory is copied; writing to an expanded tensor in place is refused.
    """
    _check("expand", input)
    return Expand.apply(input, _expand_shape(input._data.shape, _size_args(sizes)))


def expand_as(input, other):
    """A broadcast view of ``input`` with ``other``'s shape: ``input.expand(other.shape)``.

    Example: a (3, 1) tensor expanded as a (3, 4) one repeats its column 4 times (no copy).
    """
    return expand(input, other.shape)


def broadcast_to(input, size):
    """A broadcast view of ``input`` with shape ``size``: ``input.expand(size)`` (no copy; -1 keeps a dim).

    Example: ``torch.broadcast_to(torch.tensor([1, 2, 3]), (2, 3))`` has shape (2, 3).
    """
    return expand(input, tuple(size))


def broadcast_shapes(*shapes):
    """The shape that tensors of these shapes broadcast to (ints count as 1-D shapes)."""
    out = []
    for s in shapes:
        s = (s,) if isinstance(s, int) else tuple(int(x) for x in s)
        for x in s:
            if x < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {x}: {list(s)}")
        if len(s) > len(out):
            out = [1] * (len(s) - len(out)) + out
        for i in range(1, len(s) + 1):
            a, b = out[-i], s[-i]
            if a == b or b == 1:
                continue
            if a == 1:
                out[-i] = b
            else:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is "
                                   f"between arg 0 and arg {shapes.index(s) if s in shapes else '?'}: {a} vs {b} "
                                   f"(shapes {[list(x) if not isinstance(x, int) else [x] for x in shapes]})")
    return Size(out)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views), as a tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    try:
        shape = tuple(broadcast_shapes(*(tuple(x.shape) for x in tensors)))
    except RuntimeError:
        raise RuntimeError("broadcast_tensors: shapes " + ", ".join(str(list(x.shape)) for x in tensors) +
                           " cannot be broadcast together") from None
    return tuple(Expand.apply(x, shape) for x in tensors)


# --------------------------------------------------------------------------- narrow (a strided slice view)
class Slice(NativeFunction):
    """input[..., start:stop:step, ...] along ``dim`` (a view);  backward: g put into zeros (Embed)"""

    is_view = True
    linear = True

    @staticmethod
    def forward(ctx, a, dim, start, stop, step):
        ctx.in_shape, ctx.dim, ctx.sl = a.shape, dim, (start, stop, step)
        idx = (slice(None),) * dim + (slice(start, stop, step),)
        return a[idx]

    @staticmethod
    def backward(ctx, g):
        return Embed.apply(g, ctx.in_shape, ctx.dim, *ctx.sl), None, None, None, None


class Embed(NativeFunction):
    """zeros(shape) with g written at [..., start:stop:step, ...] along ``dim`` (adjoint of Slice)"""

    node_name = "SliceBackwardBackward0"
    linear = True

    @staticmethod
    def forward(ctx, g, shape, dim, start, stop, step):
        ctx.dim, ctx.sl = dim, (start, stop, step)
        out = xp_of(g).zeros(shape, dtype=g.dtype)
        out[(slice(None),) * dim + (slice(start, stop, step),)] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return Slice.apply(gg, ctx.dim, *ctx.sl), None, None, None, None, None


def narrow(input, dim, start, length):
    """input[..., start:start+length, ...] along ``dim`` (a view). ``start`` may be negative or a 0-d tensor."""
    _check("narrow", input)
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input._data.ndim, "narrow")
    size = input._data.shape[d]
    start, length = int(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if start > size - length:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return Slice.apply(input, d, start, start + length, 1)


# --------------------------------------------------------------------------- unfold (sliding windows)
class Unfold(NativeFunction):
    """All windows of ``size`` along ``dim`` every ``step`` (a view; windows in a new last dim);
    backward: fold (sum the overlapping windows back)"""

    is_view = True
    linear = True

    @staticmethod
    def forward(ctx, a, dim, size, step):
        ctx.in_shape, ctx.args = a.shape, (dim, size, step)
        w = backend.np.lib.stride_tricks.sliding_window_view(a, size, axis=dim) if xp_of(a) is backend.np else \
            xp_of(a).lib.stride_tricks.sliding_window_view(a, size, axis=dim)
        return w[(slice(None),) * dim + (slice(None, None, step),)] if step != 1 else w

    @staticmethod
    def backward(ctx, g):
        return Fold.apply(g, ctx.in_shape, *ctx.args), None, None, None


class Fold(NativeFunction):
    """The adjoint of Unfold: out[..., i*step + k, ...] += g[..., i, ..., k], one strided add per offset k"""

    node_name = "UnfoldBackwardBackward0"
    linear = True

    @staticmethod
    def forward(ctx, g, shape, dim, size, step):
        ctx.args = (dim, size, step)
        out = xp_of(g).zeros(shape, dtype=g.dtype)
        n = g.shape[dim]
        if n:
            pre = (slice(None),) * dim
            for k in range(size):
                out[pre + (slice(k, k + step * (n - 1) + 1, step),)] += g[..., k]
        return out

    @staticmethod
    def backward(ctx, gg):
        return Unfold.apply(gg, *ctx.args), None, None, None, None


def _unfold(self, dimension, size, step):
    """Windows of ``size`` elements along ``dimension``, every ``step``: dim ``dimension`` becomes the window
    count (n - size) // step + 1 and a last dim of ``size`` is added. A view (no copy)."""
    a = self._data
    d = wrap_dim(dimension, a.ndim, "unfold")
    n = a.shape[d] if a.ndim else 1
    size, step = int(size), int(step)
    if size < 0 or size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if a.ndim == 0:
        return Reshape.apply(self, (1,))
    return Unfold.apply(self, d, size, step)


# --------------------------------------------------------------------------- atleast_nd
def _atleast(op, shape_fn, tensors):
    if len(tensors) == 1:
        x = tensors[0]
        if isinstance(x, (list, tuple)):
            return tuple(_atleast(op, shape_fn, (y,)) for y in x)
        _check(op, x)
        new = shape_fn(x._data.shape)
        return x if new == x._data.shape else Reshape.apply(x, new)
    return tuple(_atleast(op, shape_fn, (y,)) for y in tensors)


def atleast_1d(*tensors):
    """The tensor(s) with at least 1 dim: a 0-d tensor becomes shape (1,)."""
    return _atleast("atleast_1d", lambda s: s if len(s) >= 1 else (1,), tensors)


def atleast_2d(*tensors):
    """The tensor(s) with at least 2 dims: () -> (1, 1), (n,) -> (1, n)."""
    return _atleast("atleast_2d", lambda s: s if len(s) >= 2 else (1,) * (2 - len(s)) + s, tensors)


def atleast_3d(*tensors):
    """The tensor(s) with at least 3 dims: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    def shape(s):
        return {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}.get(len(s), s)
    return _atleast("atleast_3d", shape, tensors)


# --------------------------------------------------------------------------- in-place view ops
def _inplace_view(fn):
    """``squeeze_`` from ``squeeze``: self takes the view's shape (and its graph node)."""
    def method(self, *args, **kwargs):
        if _state.grad_enabled and self._requires_grad and self.grad_fn is None:
            raise RuntimeError(f"{fn.__name__}_: a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        res = fn(self, *args, **kwargs)
        self._data = res._data
        if res.grad_fn is not None and res.grad_fn is not self.grad_fn:
            self.grad_fn, self._output_nr = res.grad_fn, res._output_nr
        if self._fw_grad is not None:
            self._fw_grad = res._fw_grad
        return self
    method.__name__ = fn.__name__ + "_"
    method.__qualname__ = "Tensor." + method.__name__
    method.__doc__ = f"In-place version of :func:`{fn.__name__}` (changes the tensor's shape)."
    return method

register(reshape, view, view_as, reshape_as, flatten, unflatten, ravel, permute, transpose, swapaxes, swapdims,
         movedim, t, unsqueeze, squeeze, expand, expand_as, broadcast_to, narrow)
register(moveaxis=movedim, unfold=_unfold, squeeze_=_inplace_view(squeeze), unsqueeze_=_inplace_view(unsqueeze),
         t_=_inplace_view(t), transpose_=_inplace_view(transpose), swapaxes_=_inplace_view(swapaxes),
         swapdims_=_inplace_view(swapdims), T=property(_T), mT=property(_mT), H=property(_H), mH=property(_mH))
