"""Linear algebra: matrix products (``matmul``/``@`` and friends), einsum, diagonals, triangles,
distances and the vector norm. Decompositions and solvers live in ``decomp.py``.

The products are where the time goes: they call BLAS through NumPy's ``@`` on C-contiguous
arrays. Gradients of C = A B:  dA = G B^T,  dB = A^T G  (with batch dims broadcast and summed).
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor, wrap_dim
from ..arguments import xp_of
from ..inplace import write_out
from ..promotion import promote
from ..registry import register
from ..shape.diagonals import diagonal


def _sz(shape):
    return "x".join(map(str, shape))


# =========================================================================== matmul
class MatMul(NativeFunction):
    """C = A @ B for 1-D, 2-D and batched (broadcast) operands, as ``numpy.matmul``."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        a_vec, b_vec = a.ndim == 1, b.ndim == 1
        a2 = a.unsqueeze(0) if a_vec else a
        b2 = b.unsqueeze(-1) if b_vec else b
        g2 = g
        if a_vec or b_vec:
            batch = np.broadcast_shapes(tuple(a2.shape[:-2]), tuple(b2.shape[:-2]))
            g2 = g.reshape(batch + (a2.shape[-2], b2.shape[-1]))
        ga = gb = None  # batch dims broadcast in forward: the engine sums them back to each input's shape
        if na:
            ga = g2 @ b2.mT                # (..., 1, n) for a vector a
        if nb:
            gb = a2.mT @ g2
            if b_vec:
                gb = gb.squeeze(-1)         # (..., n)
        return ga, gb

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.saved_tensors
        out = None if ta is None else ta @ b
        if tb is not None:
            out = a @ tb if out is None else out + a @ tb
        return out


def _matmul(op, input, other):
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected Tensors, got {type(input).__name__} and {type(other).__name__}")
    da, db = input._data.ndim, other._data.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"{op}: both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    ka = input._data.shape[-1]
    kb = other._data.shape[-2] if db > 1 else other._data.shape[0]
    if ka != kb:
        sa, sb = input._data.shape, other._data.shape
        if da <= 2 and db <= 2:
            raise RuntimeError(f"{op}: mat1 and mat2 shapes cannot be multiplied ({_sz(sa)} and {_sz(sb)}): "
                               f"input has {ka} columns, other has {kb} rows")
        raise RuntimeError(f"{op}: inner dimensions differ: input shape {list(sa)} (last dim {ka}) and other "
                           f"shape {list(sb)} (dim -2 is {kb})")
    a, b = input, other
    if a._data.dtype != b._data.dtype:
        a, b, _ = promote(a, b)
    try:
        return MatMul.apply(a, b)
    except ValueError as e:
        raise RuntimeError(f"{op}: batch dimensions of {list(input.shape)} and {list(other.shape)} cannot be "
                           f"broadcast ({e})") from None


def matmul(input, other, *, out=None):
    """Matrix product with NumPy/PyTorch semantics: 1-D operands are vectors, leading dims broadcast.

    Shapes: (n,) @ (n,) -> (); (m, n) @ (n,) -> (m,); (..., m, n) @ (..., n, p) -> (..., m, p).
    """
    return _matmul("matmul", input, other)


def _rmatmul(self, other):
    return matmul(other, self)


def _need_dim(op, name, t, nd):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: argument '{name}' must be Tensor, not {type(t).__name__}")
    if t._data.ndim != nd:
        what = {1: "a vector", 2: "a matrix", 3: "a 3D tensor"}[nd]
        raise RuntimeError(f"{op}: {name} must be {what}, got a {t._data.ndim}-D tensor of shape {list(t.shape)}")


def mm(input, mat2, *, out=None):
    """Product of two matrices: (n, m) @ (m, p) -> (n, p). No broadcasting (see ``matmul``)."""
    _need_dim("mm", "self", input, 2)
    _need_dim("mm", "mat2", mat2, 2)
    return _matmul("mm", input, mat2)


def bmm(input, mat2, *, out=None):
    """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p). Batch sizes must be equal."""
    _need_dim("bmm", "batch1", input, 3)
    _need_dim("bmm", "batch2", mat2, 3)
    if input._data.shape[0] != mat2._data.shape[0]:
        raise RuntimeError(f"bmm: batch1 and batch2 must have the same batch size, got shapes {list(input.shape)} "
                           f"and {list(mat2.shape)}")
    return _matmul("bmm", input, mat2)


def mv(input, vec, *, out=None):
    """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
    _need_dim("mv", "self", input, 2)
    _need_dim("mv", "vec", vec, 1)
    return _matmul("mv", input, vec)


def dot(input, tensor, *, out=None):
    """Dot product of two 1-D tensors of the same size: sum_i a_i b_i (a 0-d tensor)."""
    _need_dim("dot", "self", input, 1)
    _need_dim("dot", "tensor", tensor, 1)
    if input._data.shape[0] != tensor._data.shape[0]:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensor [{input._data.shape[0]}] and src "
                           f"[{tensor._data.shape[0]}] to have the same number of elements, but got "
                           f"{input._data.shape[0]} and {tensor._data.shape[0]} elements respectively")
    if input._data.dtype != tensor._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {input.dtype} and "
                           f"{tensor.dtype}")
    return _matmul("dot", input, tensor)


def vdot(input, other, *, out=None):
    """sum_i conj(a_i) b_i for 1-D tensors (equal to ``dot`` for real tensors)."""
    if isinstance(input, Tensor) and input.is_complex():
        input = input.conj()
    return dot(input, other)


def outer(input, vec2, *, out=None):
    """Outer product of two vectors: out[i, j] = a_i b_j, shape (n, m)."""
    _need_dim("outer", "self", input, 1)
    _need_dim("outer", "vec2", vec2, 1)
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def inner(input, other, *, out=None):
    """Sum of products over the last dims: out[i.., j..] = sum_k a[i.., k] b[j.., k].

    Shapes (*a, k) and (*b, k) give (*a, *b); a 0-d operand multiplies elementwise.
    """
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


class AddScaled(NativeFunction):
    """beta * c + alpha * p (c broadcast to p's shape; ignored when beta == 0): the 'add' of addmm & co."""

    @staticmethod
    def forward(ctx, c, p, beta, alpha):
        ctx.c_shape, ctx.beta, ctx.alpha = c.shape, beta, alpha
        out = p * alpha if alpha != 1 else p.copy()
        if beta != 0:
            out += c * beta if beta != 1 else c
        return out

    @staticmethod
    def backward(ctx, g):
        nc, np_ = ctx.needs_input_grad[:2]
        gc = g * ctx.beta if nc else None
        gp = (g * ctx.alpha if ctx.alpha != 1 else g) if np_ else None
        return gc, gp, None, None

    @staticmethod
    def jvp(ctx, tc, tp, *_):
        out = None if tp is None else tp * ctx.alpha
        if tc is not None and ctx.beta != 0:
            out = tc * ctx.beta if out is None else out + tc * ctx.beta
        return out


def _scaled_sum(op, input, prod, beta, alpha):
    """beta * input + alpha * prod, with ``input`` broadcast to prod's shape (ignored when beta == 0)."""
    shape = tuple(prod._data.shape)
    try:
        ok = np.broadcast_shapes(tuple(input._data.shape), shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"{op}: the input of shape {list(input.shape)} can't be broadcast to the product's "
                           f"shape {list(shape)}")
    if input._data.dtype != prod._data.dtype:
        input = input.to(prod.dtype)
    return AddScaled.apply(input, prod, beta, alpha)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2); mat1 (n, m), mat2 (m, p), input broadcastable to (n, p).

    With beta = 0 the input is ignored (nan and inf in it are not propagated), as in PyTorch.
    """
    _need_dim("addmm", "mat1", mat1, 2)
    _need_dim("addmm", "mat2", mat2, 2)
    return _scaled_sum("addmm", input, _matmul("addmm", mat1, mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec); mat (n, m), vec (m,), input broadcastable to (n,)."""
    _need_dim("addmv", "mat", mat, 2)
    _need_dim("addmv", "vec", vec, 1)
    return _scaled_sum("addmv", input, _matmul("addmv", mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2)."""
    return _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2); input broadcastable to (b, n, p)."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * sum_b batch1[b] @ batch2[b]; input broadcastable to (n, p)."""
    _need_dim("addbmm", "batch1", batch1, 3)
    _need_dim("addbmm", "batch2", batch2, 3)
    b, n, m = batch1._data.shape
    p = batch2._data.shape[2]
    if batch2._data.shape[:2] != (b, m):
        raise RuntimeError(f"addbmm: batch1 {list(batch1.shape)} and batch2 {list(batch2.shape)} are incompatible "
                           f"(expected batch2 of shape [{b}, {m}, *])")
    # sum_b A_b B_b = [A_0 ... A_{b-1}] (n, b*m) @ [B_0; ...; B_{b-1}] (b*m, p): one GEMM
    prod = _matmul("addbmm", batch1.permute(1, 0, 2).reshape(n, b * m), batch2.reshape(b * m, p))
    return _scaled_sum("addbmm", input, prod, beta, alpha)


def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices (``linalg.multi_dot`` picks the cheapest order)."""
    if len(matrices) == 1:
        return matrices[0]
    return multi_dot(list(matrices))


# =========================================================================== tensordot / kron / trace
def tensordot(a, b, dims=2, out=None):
    """Contract ``a`` and ``b`` over dims: an int n (last n of a with first n of b), or a pair of lists.

    out[free_a, free_b] = sum_{contracted} a[free_a, c] b[c, free_b]  (one GEMM after a permute).
    """
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError(f"tensordot: both dimension lists should have same length (got {da} and {db})")
    da = [wrap_dim(d, na, "tensordot") for d in da]
    db = [wrap_dim(d, nb, "tensordot") for d in db]
    for x, y in zip(da, db):
        if a._data.shape[x] != b._data.shape[y]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has size "
                               f"{a._data.shape[x]} in dim {x} and second has size {b._data.shape[y]} in dim {y} "
                               f"(shapes {list(a.shape)} and {list(b.shape)})")
    fa = [d for d in range(na) if d not in da]
    fb = [d for d in range(nb) if d not in db]
    k = int(np.prod([a._data.shape[d] for d in da]))
    sa = [a._data.shape[d] for d in fa]
    sb = [b._data.shape[d] for d in fb]
    pa = a if fa + da == list(range(na)) else a.permute(fa + da)
    pb = b if db + fb == list(range(nb)) else b.permute(db + fb)
    res = _matmul("tensordot", pa.reshape(int(np.prod(sa)), k), pb.reshape(k, int(np.prod(sb))))
    return res.reshape(tuple(sa + sb))


def kron(input, other, *, out=None):
    """Kronecker product: out[i*q + k, j*r + l] = a[i, j] b[k, l] (any number of dims)."""
    n = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (n - input._data.ndim) + tuple(input._data.shape)
    sb = (1,) * (n - other._data.ndim) + tuple(other._data.shape)
    a = input.reshape(tuple(x for s in sa for x in (s, 1)))
    b = other.reshape(tuple(x for s in sb for x in (1, s)))
    return (a * b).reshape(tuple(x * y for x, y in zip(sa, sb)))


def trace(input):
    """Sum of the main diagonal of a 2-D matrix."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim} "
                           f"(shape {list(input.shape)})")
    return diagonal(input).sum()


# =========================================================================== cross / cdist
class Cross(NativeFunction):
    """a x b along ``dim``;  grad_a = b x g,  grad_b = g x a."""

    @staticmethod
    def forward(ctx, a, b, dim):
        ctx.dim = dim
        ctx.save_for_backward(a, b)
        return xp_of(a).cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad[:2]
        ga = Cross.apply(b, g, ctx.dim) if na else None
        gb = Cross.apply(g, a, ctx.dim) if nb else None
        return ga, gb, None

    @staticmethod
    def jvp(ctx, ta, tb, _dim):
        a, b = ctx.saved_tensors
        out = None if ta is None else Cross.apply(ta, b, ctx.dim)
        if tb is not None:
            t = Cross.apply(a, tb, ctx.dim)
            out = t if out is None else out + t
        return out


def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along ``dim`` (default: the first dim of size 3), broadcast."""
    if input._data.ndim != other._data.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions (got shapes "
                           f"{list(input.shape)} and {list(other.shape)})")
    try:
        shape = np.broadcast_shapes(input._data.shape, other._data.shape)
    except ValueError:
        raise RuntimeError(f"linalg.cross: shapes {list(input.shape)} and {list(other.shape)} cannot be "
                           "broadcast") from None
    if dim is None:
        dims = [i for i, s in enumerate(shape) if s == 3]
        if not dims:
            raise RuntimeError(f"no dimension of size 3 in input (shapes {list(input.shape)} and "
                               f"{list(other.shape)})")
        dim = dims[0]
    d = wrap_dim(dim, len(shape), "cross")
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input._data.shape[d]} "
                           f"and {other._data.shape[d]}")
    a, b = input, other
    if a._data.dtype != b._data.dtype:
        a, b, _ = promote(a, b)
    return Cross.apply(a, b, d)


def multi_dot(tensors, *, out=None):
    """Product of a chain of matrices in the cheapest order (dynamic programming on the shapes).
    The first may be a 1-D row vector and the last a 1-D column vector."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    first_vec, last_vec = ts[0].ndim == 1, ts[-1].ndim == 1
    if first_vec:
        ts[0] = ts[0].unsqueeze(0)
    if last_vec:
        ts[-1] = ts[-1].unsqueeze(-1)
    for i, t in enumerate(ts):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    for i in range(len(ts) - 1):
        if ts[i].shape[1] != ts[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(ts[i].shape)} and "
                               f"{list(ts[i + 1].shape)} cannot be multiplied")
    n = len(ts)
    dims = [t.shape[0] for t in ts] + [ts[-1].shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def prod(i, j):
        if i == j:
            return ts[i]
        k = split[i][j]
        return matmul(prod(i, k), prod(k + 1, j))

    r = prod(0, n - 1)
    if first_vec:
        r = r.squeeze(0)
    if last_vec:
        r = r.squeeze(-1)
    return r


def vecdot(x, y, *, dim=-1, out=None):
    """sum_i conj(x_i) y_i over ``dim``, broadcast."""
    if x.is_complex():
        x = x.conj()
    return (x * y).sum(dim)


def linalg_cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along ``dim`` (default the last), broadcasting the other dims."""
    return write_out(cross(input, other, dim), out)


register(addmm, addmv, addr, addbmm, baddbmm, inplace=True)
register(matmul, mm, bmm, mv, dot, vdot, outer, inner, kron, trace, cross, ger=ger)
register(__matmul__=matmul, __rmatmul__=_rmatmul)
