"""Shape operations: views (reshape, permute, expand...) and copies that rearrange elements.

Views share memory with their input (NumPy views) and its version counter, as in PyTorch: an
in-place change through a view is seen by backward passes that saved the base.
"""
from __future__ import annotations

from ..autograd.function import NativeFunction
from ..autograd.tensor import Tensor, attach_methods

__all__ = ["reshape", "permute", "transpose", "swapaxes", "swapdims", "unsqueeze", "squeeze", "expand",
           "broadcast_to", "t", "sum_to_shape"]


def _wrap(dim, ndim, op="op"):
    m = max(ndim, 1)
    if not isinstance(dim, int):
        dim = int(dim)
    if not -m <= dim < m:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-m}, {m - 1}], but got {dim})")
    return dim % m


def _size_args(shape):
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])``, ``f(Size)``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


# --------------------------------------------------------------------------- sum_to_shape
def sum_to_shape(g, shape):
    """Sum ``g`` over the dimensions that broadcasting added or stretched, giving ``shape``.

    The backward of every broadcasting op: if x of shape (3, 1) was broadcast to (2, 3, 4), its
    gradient is g summed over dims 0 and 2 (keeping dim 2 as size 1).
    """
    gs = g.shape
    if tuple(gs) == tuple(shape):
        return g
    lead = len(gs) - len(shape)
    dims = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and gs[i + lead] != 1)
    if dims:
        g = g.sum(dims, keepdim=True)
    if lead or tuple(g.shape) != tuple(shape):
        g = g.reshape(shape)
    return g


# --------------------------------------------------------------------------- reshape
class Reshape(NativeFunction):
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None

    @staticmethod
    def jvp(ctx, t, _shape):
        return t.reshape(ctx.out_shape if hasattr(ctx, "out_shape") else ctx._fw_out_meta[0][0])


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
    """The same elements in a new shape (one dim may be -1: inferred). A view when possible."""
    shape = _size_args(shape)
    if shape == input._data.shape:
        return Reshape.apply(input, shape)
    return Reshape.apply(input, _infer_shape("reshape", input._data.size, shape, input._data.shape))


def view(input, *shape):
    """Like reshape, but only for shapes that need no copy (as in PyTorch); ``view(dtype)`` reinterprets."""
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)) and not hasattr(shape[0], "__index__"):
        from .. import backend  # noqa: PLC0415

        dt = backend.as_dtype(shape[0])
        return Tensor._make(input._data.view(dt.np))
    shape = _infer_shape("view", input._data.size, _size_args(shape), input._data.shape)
    if not input._data.flags.c_contiguous and input._data.size > 1:
        try:
            v = input._data.view()
            v.shape = shape  # raises if a copy would be needed
        except AttributeError:
            raise RuntimeError(f"view size is not compatible with input tensor's size and stride (input shape "
                               f"{list(input.shape)}, requested {list(shape)}); use .reshape(...) instead.") from None
    return Reshape.apply(input, shape)


def view_as(input, other):
    return view(input, other.shape)


def reshape_as(input, other):
    return reshape(input, other.shape)


# --------------------------------------------------------------------------- permute / transpose
class Permute(NativeFunction):
    is_view = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        inv = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inv[d] = i
        return g.permute(inv), None

    @staticmethod
    def jvp(ctx, t, _dims):
        return t.permute(ctx.dims)


def permute(input, *dims):
    """Reorder the dimensions: output dim i is input dim ``dims[i]``."""
    dims = _size_args(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal to "
                           f"len(dims) = {len(dims)}".replace("(sparse_coo)", ""))
    dims = tuple(_wrap(d, n, "permute") for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError(f"permute: repeated dim in {list(dims)}")
    return Permute.apply(input, dims)


def transpose(input, dim0, dim1):
    """Swap dimensions ``dim0`` and ``dim1``."""
    n = input._data.ndim
    if n == 0:
        return input.view(())
    d0, d1 = _wrap(dim0, n, "transpose"), _wrap(dim1, n, "transpose")
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(input, tuple(dims))


swapaxes = swapdims = transpose


def t(input):
    """Transpose of a matrix (0-d and 1-d tensors are returned as is)."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    if input._data.ndim < 2:
        return Reshape.apply(input, input._data.shape)
    return Permute.apply(input, (1, 0))


def _T(self):
    n = self._data.ndim
    return Permute.apply(self, tuple(range(n - 1, -1, -1))) if n >= 2 else self


def _mT(self):
    if self._data.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self._data.ndim}-D "
                           "tensor.")
    return transpose(self, -2, -1)


# --------------------------------------------------------------------------- squeeze / unsqueeze
def unsqueeze(input, dim):
    """Insert a dimension of size 1 at ``dim``."""
    n = input._data.ndim
    d = _wrap(dim, n + 1, "unsqueeze")
    shape = input._data.shape[:d] + (1,) + input._data.shape[d:]
    return Reshape.apply(input, shape)


def squeeze(input, dim=None):
    """Remove dimensions of size 1 (all, or those in ``dim``, an int or tuple)."""
    shape = input._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {_wrap(d, len(shape), "squeeze") for d in dims}
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return Reshape.apply(input, new)


# --------------------------------------------------------------------------- expand
class Expand(NativeFunction):
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        from .. import backend  # noqa: PLC0415

        return backend.get_array_module(a).broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return sum_to_shape(g, ctx.in_shape), None

    @staticmethod
    def jvp(ctx, t, _shape):
        return t.expand(ctx._fw_out_meta[0][0])


def expand(input, *sizes):
    """A broadcast view of ``input`` with the given sizes (-1 keeps a dim). Writes to it are refused."""
    sizes = _size_args(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"expand: the expanded size {s} is not allowed in a leading, non-existing "
                                   "dimension")
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
    out = tuple(out)
    if out == shape:
        return input
    return Expand.apply(input, out)


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, size):
    return expand(input, tuple(size))


attach_methods(
    reshape=reshape, view=view, view_as=view_as, reshape_as=reshape_as, permute=permute, transpose=transpose,
    swapaxes=transpose, swapdims=transpose, t=t, unsqueeze=unsqueeze, squeeze=squeeze, expand=expand,
    expand_as=expand_as, broadcast_to=broadcast_to,
    T=property(_T), mT=property(_mT), H=property(_T), mH=property(_mT),
)
