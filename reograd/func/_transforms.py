"""Function transforms, as ``torch.func``: ``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``jacrev``,
``jacfwd``, ``hessian``, ``linearize``, ``vmap`` and ``functional_call``.

Each transform takes a function of tensors and returns a function. They are built on reograd's
autograd (reverse mode with ``create_graph`` and forward mode with dual tensors), and compose:
``grad(grad(f))``, ``jacfwd(jacrev(f))``, ``vmap(grad(f))`` all work.

>>> f = lambda x: (x.sin() * x).sum()
>>> reograd.func.grad(f)(x)                 # cos(x) * x + sin(x)
>>> reograd.func.hessian(f)(x)              # diagonal matrix of d2f/dx2

How nesting works: a transform running inside another one (or on inputs that already require
grad) records its own backward pass (``create_graph=True``), so the outer transform can
differentiate through it. ``jvp`` uses forward mode (one forward pass with dual tensors) at the top
level; nested inside other transforms, or over a function that itself runs reverse mode, it uses
the double-vjp identity ``J t = d/du <vjp(u), t>`` (reverse mode twice), which nests to any order.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager

import numpy as np

from ..autograd import forward_ad as _fwad
from ..autograd.engine import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad, state as _state
from ..autograd.tensor import Tensor

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "linearize",
           "functional_call"]

_depth = [0]      # how many transforms are running (nesting level)
_reverse = [0]    # counts reverse-mode transform calls (jvp falls back when its function used one)


@contextmanager
def _level():
    _depth[0] += 1
    try:
        yield
    finally:
        _depth[0] -= 1


# ----------------------------------------------------------------------------- pytrees (tuple/list/dict)
def _flatten(tree):
    """Leaves (tensors or other objects) and a function that rebuilds the tree from new leaves."""
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(x) for x in tree]
        leaves = [leaf for p in parts for leaf in p[0]]
        kind = type(tree)

        def build(new):
            out, k = [], 0
            for p in parts:
                n = len(p[0])
                out.append(p[1](new[k:k + n]))
                k += n
            return kind(out) if kind in (tuple, list) else kind(*out)  # namedtuples
        return leaves, build
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [_flatten(tree[k]) for k in keys]
        leaves = [leaf for p in parts for leaf in p[0]]

        def build_d(new):
            out, k = {}, 0
            for key, p in zip(keys, parts):
                n = len(p[0])
                out[key] = p[1](new[k:k + n])
                k += n
            return out
        return leaves, build_d
    return [tree], lambda new: new[0]


def _tree_map(fn, tree):
    leaves, build = _flatten(tree)
    return build([fn(x) for x in leaves])


def _is_float(x):
    return isinstance(x, Tensor) and x._data.dtype.kind in "fc"


def _track_input(x):
    """A graph tensor standing for ``x`` that gradients can be taken against.

    If ``x`` already requires grad (an outer transform or the user differentiates through it), an
    alias connected to ``x``'s graph; otherwise a fresh leaf.
    """
    if not _is_float(x):
        return x
    if x._requires_grad:
        return x.view_as(x)
    return x.detach().requires_grad_(True)


def _argnums_tuple(argnums, n):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    out = []
    for a in nums:
        if not isinstance(a, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got {type(a).__name__}")
        if not -n <= a < n:
            raise RuntimeError(f"Got argnums={a} but only {n} positional inputs")
        out.append(a % n)
    return tuple(out)


def _needs_graph(args):
    """Record the backward pass when nested or when the inputs already carry a graph."""
    if _depth[0] > 1:
        return True
    leaves, _ = _flatten(args)
    return any(isinstance(x, Tensor) and x._requires_grad for x in leaves)


def _reaches_outside(outputs, tracked):
    """True if the graph of ``outputs`` reaches a leaf requiring grad other than ``tracked`` (e.g. a
    tensor captured by a closure that the caller differentiates through): then keep the graph."""
    if not _state.grad_enabled:
        return False
    own = {id(t) for t in tracked}
    stack = [o.grad_fn for o in outputs if isinstance(o, Tensor) and o.grad_fn is not None]
    seen = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        var = getattr(node, "variable", None)
        if var is not None and type(node).__name__ == "AccumulateGrad":
            if id(var) not in own:
                return True
            continue
        stack.extend(e[0] for e in node.next_functions if e is not None and e[0] is not None)
    return False


def _split_aux(out, has_aux, name):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{name}(f, ...)(*args): output of function f should be a tuple: (output, aux) "
                           "if has_aux is True")
    return out


def _finish(x, keep):
    """Results leave the transform detached unless an outer graph needs them."""
    if keep or not isinstance(x, Tensor):
        return x
    return x.detach()


# ----------------------------------------------------------------------------- grad
def grad_and_value(func, argnums=0, has_aux=False):
    """``(grad, value)`` of a scalar function: grad is d func / d args[argnums] (same structure).

    With ``has_aux=True`` func returns ``(output, aux)`` and the result is ``(grad, (output, aux))``.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _level():
            _reverse[0] += 1
            nums = _argnums_tuple(argnums, len(args))
            keep = _needs_graph(args)
            args = list(args)
            diff = []
            for a in nums:
                args[a] = _tree_map(_track_input, args[a])
                diff.append(args[a])
            with enable_grad():
                out = func(*args, **kwargs)
            out, aux = _split_aux(out, has_aux, "grad_and_value")
            if not isinstance(out, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(out).__name__}")
            if out.numel() != 1:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs "
                                   "instead?")
            leaves, build = _flatten(tuple(diff))
            tracked = [x for x in leaves if _is_float(x)]
            keep = keep or _reaches_outside([out], tracked)
            if out._requires_grad and tracked:
                gs = _autograd_grad(out, tracked, create_graph=keep, allow_unused=True, materialize_grads=True)
            else:
                gs = [_zeros_like(x) for x in tracked]
            it = iter(gs)
            g_leaves = [_finish(next(it), keep) if _is_float(x) else None for x in leaves]
            grads = build(g_leaves)
            grads = grads[0] if isinstance(argnums, int) else grads
            value = _finish(out, keep)
            if has_aux:
                return grads, (value, _tree_map(lambda t: _finish(t, keep), aux))
            return grads, value
    return wrapper


def _zeros_like(x):
    return Tensor._make(np.zeros_like(x._data)) if type(x._data) is np.ndarray else x.detach() * 0


def grad(func, argnums=0, has_aux=False):
    """The gradient function of a scalar ``func``: ``grad(f)(x) = df/dx`` (torch.func.grad).

    ``argnums`` (int or tuple of ints) picks the arguments to differentiate; ``has_aux=True``: func
    returns ``(output, aux)`` and the result is ``(grad, aux)``. Compose for higher order:
    ``grad(grad(f))(x)`` is f''(x).
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, v = gv(*args, **kwargs)
        if has_aux:
            return g, v[1]
        return g
    return wrapper


# ----------------------------------------------------------------------------- vjp
def vjp(func, *primals, has_aux=False):
    """``(output, vjp_fn)``: vjp_fn(cotangents) returns ``v^T J`` for each primal (a tuple).

    >>> out, vjp_fn = reograd.func.vjp(torch.sin, x)
    >>> vjp_fn(torch.ones_like(out))        # (cos(x),)
    """
    with _level():
        _reverse[0] += 1
        keep = _needs_graph(primals)
        tracked_primals = _tree_map(_track_input, primals)
        with enable_grad():
            out = func(*tracked_primals)
        out, aux = _split_aux(out, has_aux, "vjp")
    p_leaves, p_build = _flatten(tracked_primals)
    o_leaves, _ = _flatten(out)
    keep = keep or _reaches_outside(o_leaves, [x for x in p_leaves if _is_float(x)])
    depth_at_creation = _depth[0]

    def vjp_fn(cotangents, *more):
        if more:
            cotangents = (cotangents,) + more
        c_leaves, _ = _flatten(cotangents)
        if len(c_leaves) != len(o_leaves):
            raise RuntimeError(f"vjp_fn: expected {len(o_leaves)} cotangents (the structure of the output), got "
                               f"{len(c_leaves)}")
        outs, cts = [], []
        for o, c in zip(o_leaves, c_leaves):
            if isinstance(o, Tensor) and o._requires_grad:
                if tuple(c.shape) != tuple(o.shape):
                    raise RuntimeError(f"vjp_fn: cotangent shape {tuple(c.shape)} does not match output shape "
                                       f"{tuple(o.shape)}")
                outs.append(o)
                cts.append(c)
        tracked = [x for x in p_leaves if _is_float(x)]
        create = keep or _depth[0] > depth_at_creation or any(c._requires_grad for c in cts)
        if outs and tracked:
            with enable_grad():
                gs = _autograd_grad(outs, tracked, cts, retain_graph=True, create_graph=create,
                                    allow_unused=True, materialize_grads=True)
        else:
            gs = [_zeros_like(x) for x in tracked]
        it = iter(gs)
        res = p_build([_finish(next(it), create) if _is_float(x) else None for x in p_leaves])
        return tuple(res)

    out_ret = _tree_map(lambda t: _finish(t, keep), out)
    if has_aux:
        return out_ret, vjp_fn, _tree_map(lambda t: _finish(t, keep), aux)
    return out_ret, vjp_fn


# ----------------------------------------------------------------------------- jvp
def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J @ tangents)``: the directional derivative along ``tangents`` (forward mode).

    ``primals`` and ``tangents`` are tuples of the same structure.
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to be tuples")
    if len(primals) != len(tangents):
        raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to have the same length, "
                           f"got {len(primals)} and {len(tangents)}")
    p_leaves, p_build = _flatten(tuple(primals))
    t_leaves, _ = _flatten(tuple(tangents))
    for p, t in zip(p_leaves, t_leaves):
        if isinstance(p, Tensor) and tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp(f, primals, tangents): primal shape {tuple(p.shape)} does not match tangent "
                               f"shape {tuple(t.shape)}")
    nested = _depth[0] > 0 or _state.fw_level >= 0 or any(
        isinstance(x, Tensor) and x._requires_grad for x in p_leaves + t_leaves)
    if not nested:
        before = _reverse[0]
        res = _jvp_forward(func, p_leaves, p_build, t_leaves, has_aux)
        if _reverse[0] == before:
            return res
        # the function ran reverse mode inside: forward-over-reverse is done by double vjp instead
    return _jvp_double_vjp(func, p_leaves, p_build, t_leaves, has_aux)


def _jvp_forward(func, p_leaves, p_build, t_leaves, has_aux):
    with _level(), _fwad.dual_level():
        duals = [_fwad.make_dual(p, t.to(p.dtype)) if _is_float(p) else p for p, t in zip(p_leaves, t_leaves)]
        out = func(*p_build(duals))
        out, aux = _split_aux(out, has_aux, "jvp")

        def primal_of(o):
            return _fwad.unpack_dual(o).primal.detach() if isinstance(o, Tensor) else o

        def tangent_of(o):
            if not isinstance(o, Tensor):
                return None
            t = _fwad.unpack_dual(o).tangent
            return _zeros_like(o) if t is None else t.detach()
        p_out = _tree_map(primal_of, out)
        t_out = _tree_map(tangent_of, out)
        aux = _tree_map(primal_of, aux) if has_aux else None
    return (p_out, t_out, aux) if has_aux else (p_out, t_out)


def _jvp_double_vjp(func, p_leaves, p_build, t_leaves, has_aux):
    """J t = d/du <u^T J, t>: u^T J is linear in u, so its gradient in u along t is J t."""
    with _level():
        _reverse[0] += 1
        tracked = [_track_input(p) for p in p_leaves]
        with enable_grad():
            out = func(*p_build(tracked))
            out, aux = _split_aux(out, has_aux, "jvp")
            o_leaves, o_build = _flatten(out)
            diff_o = [o for o in o_leaves if isinstance(o, Tensor) and o._requires_grad]
            diff_p = [(x, t) for x, t in zip(tracked, t_leaves) if _is_float(x)]
            us = [Tensor._make(np.zeros(o._data.shape, dtype=o._data.dtype), True) for o in diff_o]
            if diff_o and diff_p:
                gs = _autograd_grad(diff_o, [x for x, _ in diff_p], us, create_graph=True, allow_unused=True,
                                    materialize_grads=True)
                total = None
                for g, (_, t) in zip(gs, diff_p):
                    if g._requires_grad:
                        term = (g * t).sum()
                        total = term if total is None else total + term
            else:
                total = None
            if total is not None:
                jts = list(_autograd_grad(total, us, create_graph=True, allow_unused=True, materialize_grads=True))
            else:
                jts = [_zeros_like(o) for o in diff_o]
        keep = _needs_graph(tuple(p_leaves) + tuple(t_leaves)) or _reaches_outside(diff_o, tracked)
        it = iter(jts)
        t_out = o_build([_finish(next(it), keep) if (isinstance(o, Tensor) and o._requires_grad)
                         else (_zeros_like(o) if isinstance(o, Tensor) else None) for o in o_leaves])
        p_out = _tree_map(lambda o: _finish(o, keep), out)
    if has_aux:
        return p_out, t_out, _tree_map(lambda o: _finish(o, keep), aux)
    return p_out, t_out


def linearize(func, *primals):
    """``(func(*primals), jvp_fn)`` where ``jvp_fn(*tangents)`` gives J @ tangents at ``primals``."""
    out = func(*primals)

    def jvp_fn(*tangents):
        return jvp(func, primals, tangents)[1]
    return _tree_map(lambda o: o.detach() if isinstance(o, Tensor) and _depth[0] == 0 else o, out), jvp_fn


# ----------------------------------------------------------------------------- Jacobians
def _stack(ts, dim=0):
    from ..ops.shape.joins import stack  # noqa: PLC0415
    return stack(ts, dim)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian by reverse mode: one vjp per output element. Shape ``out.shape + arg.shape``.

    ``argnums`` a tuple: a tuple of Jacobians (one per argument); a tuple output: one per output.
    """
    @functools.wraps(func)
    def wrapper(*args):
        nums = _argnums_tuple(argnums, len(args))

        def g(*diff):
            full = list(args)
            for a, d in zip(nums, diff):
                full[a] = d
            return func(*full)
        res = vjp(g, *[args[a] for a in nums], has_aux=has_aux)
        out, vjp_fn = res[0], res[1]
        o_leaves, o_build = _flatten(out)
        p_leaves = [_flatten(args[a])[0] for a in nums]
        per_out = []
        for k, o in enumerate(o_leaves):
            n = o.numel()
            rows = []
            for r in range(n):
                cts = []
                for j, oo in enumerate(o_leaves):
                    c = np.zeros(oo._data.size, dtype=oo._data.dtype)
                    if j == k:
                        c[r] = 1
                    cts.append(Tensor._make(c.reshape(oo._data.shape)))
                rows.append(vjp_fn(o_build(cts)))
            jac_args = []
            for ai, a in enumerate(nums):
                _, a_build = _flatten(args[a])
                leaves = []
                for li, leaf in enumerate(p_leaves[ai]):
                    if not _is_float(leaf):
                        leaves.append(None)
                        continue
                    if n:
                        col = [_flatten(rw[ai])[0][li] for rw in rows]
                        jac = _stack(col).reshape(tuple(o.shape) + tuple(leaf.shape))
                    else:
                        jac = Tensor._make(np.zeros(tuple(o.shape) + tuple(leaf.shape), dtype=leaf._data.dtype))
                    leaves.append(jac)
                jac_args.append(a_build(leaves))
            per_out.append(jac_args[0] if isinstance(argnums, int) else tuple(jac_args))
        result = o_build(per_out)
        if has_aux:
            return result, res[2]
        return result
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian by forward mode: one jvp per input element. Shape ``out.shape + arg.shape``."""
    @functools.wraps(func)
    def wrapper(*args):
        nums = _argnums_tuple(argnums, len(args))
        primals = tuple(args[a] for a in nums)

        def g(*diff):
            full = list(args)
            for a, d in zip(nums, diff):
                full[a] = d
            return func(*full)
        p_leaves, p_build = _flatten(primals)
        cols_per_leaf = []
        out = aux = None
        for li, leaf in enumerate(p_leaves):
            cols = []
            if _is_float(leaf):
                for e in range(leaf.numel()):
                    tl = []
                    for lj, other in enumerate(p_leaves):
                        z = np.zeros(other._data.size, dtype=other._data.dtype) if isinstance(other, Tensor) else None
                        if lj == li:
                            z[e] = 1
                        tl.append(Tensor._make(z.reshape(other._data.shape)) if z is not None else other)
                    res = jvp(g, primals, p_build(tl), has_aux=has_aux)
                    out, t = res[0], res[1]
                    if has_aux:
                        aux = res[2]
                    cols.append(t)
            cols_per_leaf.append(cols)
        if out is None:
            out = g(*primals)
            if has_aux:
                out, aux = out
        o_leaves, o_build = _flatten(out)
        per_out = []
        for k, o in enumerate(o_leaves):
            jac_leaves = []
            for li, leaf in enumerate(p_leaves):
                if not _is_float(leaf):
                    jac_leaves.append(None)
                    continue
                cols = [_flatten(c)[0][k] for c in cols_per_leaf[li]]
                if cols:
                    jac = _stack(cols, -1).reshape(tuple(o.shape) + tuple(leaf.shape))
                else:
                    jac = Tensor._make(np.zeros(tuple(o.shape) + tuple(leaf.shape), dtype=leaf._data.dtype))
                jac_leaves.append(jac)
            jac_args = p_build(jac_leaves)
            per_out.append(jac_args[0] if isinstance(argnums, int) else tuple(jac_args))
        result = o_build(per_out)
        return (result, aux) if has_aux else result
    return wrapper


def hessian(func, argnums=0):
    """The Hessian of a scalar function: ``jacfwd(jacrev(func))``, shape ``arg.shape + arg.shape``."""
    return jacfwd(jacrev(func, argnums), argnums)


# ----------------------------------------------------------------------------- functional_call
def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """Run ``module(*args, **kwargs)`` with the parameters/buffers of ``parameter_and_buffer_dicts``.

    The module's own tensors are swapped out for the call and restored afterwards, so gradients flow
    to the given tensors: ``grad(lambda p: loss(functional_call(model, p, (x,))))(params)``.
    """
    if isinstance(parameter_and_buffer_dicts, (tuple, list)):
        merged = {}
        for d in parameter_and_buffer_dicts:
            dup = set(merged) & set(d)
            if dup:
                raise ValueError(f"functional_call: {sorted(dup)} appeared in multiple dictionaries")
            merged.update(d)
    else:
        merged = dict(parameter_and_buffer_dicts)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = kwargs or {}
    if strict:
        known = {n for n, _ in module.named_parameters()} | {n for n, _ in module.named_buffers()}
        missing, unexpected = sorted(known - set(merged)), sorted(set(merged) - known)
        if missing or unexpected:
            raise RuntimeError(f"functional_call: strict=True: missing keys {missing}, unexpected keys {unexpected}")
    saved = []
    try:
        for name, value in merged.items():
            mod_path, _, leaf = name.rpartition(".")
            mod = module.get_submodule(mod_path) if mod_path else module
            d = mod.__dict__
            if leaf in d.get("_parameters", {}):
                store = d["_parameters"]
            elif leaf in d.get("_buffers", {}):
                store = d["_buffers"]
            else:
                raise AttributeError(f"functional_call: module {type(mod).__name__} has no parameter or buffer "
                                     f"named {leaf!r} (from key {name!r})")
            saved.append((store, leaf, store[leaf]))
            store[leaf] = value
        if tie_weights:  # tensors shared under several names follow the one given
            given = {id(old): store[leaf] for store, leaf, old in saved}
            for _, mod in module.named_modules():
                for store in (mod.__dict__.get("_parameters", {}), mod.__dict__.get("_buffers", {})):
                    for k, v in list(store.items()):
                        if v is not None and id(v) in given and all(not (s is store and l == k) for s, l, _ in saved):
                            saved.append((store, k, v))
                            store[k] = given[id(v)]
        return module(*args, **kwargs)
    finally:
        for store, leaf, old in reversed(saved):
            store[leaf] = old
