"""``vmap``: vectorizing a function over a batch dimension (torch.func.vmap)."""
from __future__ import annotations

import functools

from ..autograd.tensor import Tensor
from ._transforms import _flatten, _stack, _tree_map
from ..ops.creation.generator import get_rng_state, set_rng_state

__all__ = ["vmap"]


# ----------------------------------------------------------------------------- vmap
def _batch_rules():
    """Batched rules for ops whose batched form is one call on the whole batch (no loop).

    Keyed by the function object: used when ``vmap`` is given the op itself (``vmap(reograd.sin)``,
    ``vmap(reograd.matmul)``, ``vmap(reograd.sum)``...). Each rule gets the args with the batch dim
    moved to the front (None for unbatched) and returns the batched result, or NotImplemented.
    """
    import reograd as R  # noqa: PLC0415

    rules = {}
    unary = [getattr(R, n) for n in ("sin", "cos", "tan", "exp", "log", "tanh", "sigmoid", "relu", "abs", "neg",
                                     "sqrt", "square", "exp2", "log1p", "expm1", "reciprocal", "rsqrt", "sign")
             if hasattr(R, n)]
    for f in unary:
        rules[f] = lambda f, args, bd, kw, _=None: f(args[0], **kw) if len(args) == 1 else NotImplemented

    def binary(f, args, bd, kw):
        if len(args) != 2:
            return NotImplemented
        rank = max(a.dim() - (b is not None) if isinstance(a, Tensor) else 0 for a, b in zip(args, bd))
        fixed = []
        for a, b in zip(args, bd):
            if b is not None and a.dim() - 1 < rank:  # align the per-example dims on the right
                a = a.reshape((a.shape[0],) + (1,) * (rank - a.dim() + 1) + tuple(a.shape[1:]))
            fixed.append(a)
        return f(*fixed, **kw)
    for n in ("add", "sub", "mul", "div", "maximum", "minimum", "pow", "atan2"):
        if hasattr(R, n):
            rules[getattr(R, n)] = binary

    def reduction(f, args, bd, kw):
        if len(args) != 1:
            return NotImplemented
        x = args[0]
        dim = kw.pop("dim", None)
        if dim is None:
            if x.dim() == 1:
                return x
            dim = tuple(range(1, x.dim()))
        else:
            dims = (dim,) if isinstance(dim, int) else tuple(dim)
            dim = tuple(d + 1 if d >= 0 else d for d in dims)
        return f(x, dim=dim, **kw)
    rules[R.sum] = reduction
    rules[R.mean] = reduction

    def matmul(f, args, bd, kw):
        if len(args) != 2 or kw:
            return NotImplemented
        (a, b), (ba, bb) = args, bd
        na, nb = a.dim() - (ba is not None), b.dim() - (bb is not None)
        if bb is None:            # (B, ..., n) @ (n[, m])
            return a @ b if na <= 2 else NotImplemented
        if ba is None:            # (k, n) or (n,) @ (B, n, m)
            return a @ b if nb == 2 and na <= 2 else NotImplemented
        if na == nb == 2:
            return a @ b
        if na == 1 and nb == 2:
            return (a.unsqueeze(1) @ b).squeeze(1)
        if na == 2 and nb == 1:
            return (a @ b.unsqueeze(-1)).squeeze(-1)
        if na == nb == 1:
            return (a * b).sum(-1)
        return NotImplemented
    rules[R.matmul] = matmul
    return rules


_RULES = []


def _normalize_in_dims(in_dims, args):
    if isinstance(in_dims, int) or in_dims is None:
        return [_tree_map(lambda _: in_dims, a) for a in args]
    if not isinstance(in_dims, (tuple, list)) or len(in_dims) != len(args):
        raise ValueError(f"vmap: in_dims is not compatible with the structure of inputs: expected {len(args)} "
                         f"entries (one per positional argument), got {in_dims!r}")
    out = []
    for d, a in zip(in_dims, args):
        if isinstance(d, int) or d is None:
            out.append(_tree_map(lambda _, d=d: d, a))
        else:
            out.append(d)
    return out


def _select(x, d, i):
    d = d % x.dim()
    return x[(slice(None),) * d + (i,)]


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Vectorize ``func`` over a batch dimension: ``vmap(f)(xs)[i] == f(xs[i])`` (torch.func.vmap).

    ``in_dims``: the batched dim of each positional argument (an int for all, or a tuple with one
    entry per argument, ``None`` for an unbatched one; nested structures allowed). ``out_dims``: where
    the batch dim goes in each output. ``randomness``: ``'error'`` / ``'different'`` (each element
    draws its own numbers) or ``'same'`` (each element sees the same random numbers).

    Batched rules (one call, no loop) are used when ``func`` is itself one of: the elementwise unary
    ops (sin, exp, tanh, relu, ...), add/sub/mul/div/maximum/minimum/pow, sum/mean (with dim), matmul.
    Any other function runs once per batch element and the results are stacked (correct for every
    function, gradients included; nested ``vmap`` works).
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        dims = _normalize_in_dims(in_dims, args)
        size = None
        flat_args, flat_dims, builds = [], [], []
        for a, d in zip(args, dims):
            leaves, build = _flatten(a)
            dl, _ = _flatten(d)
            if len(dl) == 1 and len(leaves) != 1:
                dl = dl * len(leaves)
            if len(dl) != len(leaves):
                raise ValueError(f"vmap: in_dims {d!r} does not match the structure of its argument")
            for x, dd in zip(leaves, dl):
                if dd is None:
                    continue
                if not isinstance(x, Tensor):
                    raise ValueError(f"vmap: Got in_dim={dd} for an input but the input is of type {type(x).__name__}. "
                                     "We cannot vmap over non-Tensor arguments, please use None as the respective "
                                     "in_dim")
                if not -x.dim() <= dd < max(x.dim(), 1) or x.dim() == 0:
                    raise ValueError(f"vmap: Got in_dim={dd} for an input but the input is of dimension {x.dim()}")
                n = x.shape[dd]
                if size is not None and n != size:
                    raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got "
                                     f"sizes {size} and {n} for the mapped dimension")
                size = n
            flat_args.append(leaves)
            flat_dims.append(dl)
            builds.append(build)
        if size is None:
            raise ValueError("vmap: at least one input must be batched (in_dims all None)")
        if not _RULES:
            _RULES.append(_batch_rules())
        rule = _RULES[0].get(func)
        if rule is not None and all(len(lv) == 1 and isinstance(lv[0], Tensor) for lv in flat_args):
            moved = [lv[0] if dl[0] is None else lv[0].movedim(dl[0], 0) for lv, dl in zip(flat_args, flat_dims)]
            out = rule(func, moved, [dl[0] for dl in flat_dims], dict(kwargs))
            if out is not NotImplemented:
                od = out_dims if isinstance(out_dims, int) else out_dims[0]
                return out if od == 0 else out.movedim(0, od)

        rng = get_rng_state() if randomness == "same" else None
        results = []
        for i in range(size):
            if rng is not None:
                set_rng_state(rng)
            call = []
            for leaves, dl, build in zip(flat_args, flat_dims, builds):
                call.append(build([x if d is None else _select(x, d, i) for x, d in zip(leaves, dl)]))
            results.append(func(*call, **kwargs))
        o_leaves0, o_build = _flatten(results[0])
        ods, _ = _flatten(out_dims) if not isinstance(out_dims, int) else ([out_dims] * len(o_leaves0), None)
        if len(ods) == 1 and len(o_leaves0) != 1:
            ods = ods * len(o_leaves0)
        stacked = []
        for k, first in enumerate(o_leaves0):
            col = [_flatten(r)[0][k] for r in results]
            if ods[k] is None:
                stacked.append(first)
                continue
            if not isinstance(first, Tensor):
                raise ValueError(f"vmap: `{getattr(func, '__name__', func)}` must only return Tensors, got type "
                                 f"{type(first).__name__}")
            stacked.append(_stack(col, ods[k]))
        return o_build(stacked)
    return wrapper
