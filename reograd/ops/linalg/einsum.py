"""``einsum``: Einstein summation with a backward that is itself an einsum (so every order differentiates)."""
from __future__ import annotations

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import xp_of


# =========================================================================== einsum
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Einsum(NativeFunction):
    """out = einsum(subs, *ops) with explicit single-letter subscripts (no ellipsis, no broadcasting).

    Backward, for operand k with subscripts s_k:  grad_k = einsum(out, s_j (j != k) -> s_k)(g, ops_j).
    Letters of s_k found in no other operand nor the output are supplied by a ones vector (the
    gradient is constant along them); a repeated letter (a diagonal, 'ii') gets a fresh letter tied
    to it by an identity matrix. The gradient is an einsum itself, so every order differentiates.
    """

    @staticmethod
    def forward(ctx, *ops, subs, out_sub):
        ctx.subs, ctx.out_sub = subs, out_sub
        ctx.save_for_backward(*ops)
        eq = ",".join(subs) + "->" + out_sub
        y = xp_of(ops[0]).einsum(eq, *ops, optimize=len(ops) > 2)
        if any(np.may_share_memory(y, o) for o in ops):
            y = y.copy()
        return y

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        subs, out_sub = ctx.subs, ctx.out_sub
        sizes = {}
        for s, o in zip(subs, ops):
            sizes.update(zip(s, o.shape))
        grads = []
        for k, need in enumerate(ctx.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            terms = [out_sub] + [s for j, s in enumerate(subs) if j != k]
            tens = [g] + [o for j, o in enumerate(ops) if j != k]
            grads.append(_einsum_to(terms, tens, subs[k], sizes, ops[k]))
        return tuple(grads)

    @staticmethod
    def jvp(ctx, *tangents):
        ops = ctx.saved_tensors
        out = None
        for k, t in enumerate(tangents):
            if t is None:
                continue
            args = list(ops)
            args[k] = t
            term = Einsum.apply(*args, subs=ctx.subs, out_sub=ctx.out_sub)
            out = term if out is None else out + term
        return out


def _einsum_to(terms, tens, target, sizes, like):
    """einsum(terms -> target) where target may hold letters absent from terms, or repeated letters."""
    terms, tens = list(terms), list(tens)
    present = set("".join(terms))
    used = set("".join(terms)) | set(target)
    fresh = (c for c in _LETTERS if c not in used)
    xp = xp_of(like._data)
    out = []
    seen = set()
    for c in target:
        if c in seen:  # repeated: new letter d, with identity delta(c, d)
            d = next(fresh)
            terms.append(c + d)
            tens.append(Tensor._make(xp.eye(sizes[c], dtype=like._data.dtype)))
            out.append(d)
            continue
        seen.add(c)
        if c not in present:
            terms.append(c)
            tens.append(Tensor._make(xp.ones(sizes[c], dtype=like._data.dtype)))
            present.add(c)
        out.append(c)
    return Einsum.apply(*tens, subs=tuple(terms), out_sub="".join(out))


def _parse_einsum(equation, shapes):
    """Explicit letter subscripts for each operand and the output, ellipses spelled out."""
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs, rhs = eq, None
    subs = lhs.split(",")
    if len(subs) != len(shapes):
        raise ValueError("einsum(): more operands were provided than specified in the equation"
                         if len(shapes) > len(subs) else
                         "einsum(): fewer operands were provided than specified in the equation")
    used = set(c for c in eq if c.isalpha())
    for c in eq:
        if not (c.isalpha() or c in ",.->"):
            raise ValueError(f"einsum(): invalid subscript given at index {eq.index(c)} in the equation string, "
                             f"subscripts must be in [a-zA-Z]")
    ell_nd = 0
    for s, shp in zip(subs, shapes):
        nlet = len(s.replace("...", ""))
        if "..." in s:
            ell_nd = max(ell_nd, len(shp) - nlet)
        elif nlet != len(shp):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({nlet}) does not match the "
                               f"number of dimensions ({len(shp)}) for operand {subs.index(s)} and no ellipsis "
                               f"was given")
    free = [c for c in _LETTERS if c not in used]
    ell = "".join(free[:ell_nd])
    out_subs = []
    for s, shp in zip(subs, shapes):
        if "..." in s:
            n = len(shp) - len(s.replace("...", ""))
            s = s.replace("...", ell[ell_nd - n:] if n else "")
        out_subs.append(s)
    if rhs is None:
        counts = {}
        for s in out_subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        rhs = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        rhs = rhs.replace("...", ell)
    return out_subs, rhs


def einsum(equation, *operands):
    """Einstein summation: ``einsum('ij,jk->ik', a, b)`` is ``a @ b``.

    Each operand gets one letter per dim; letters in the output (after ``->``) are kept, the others
    are summed over; a letter repeated within an operand takes its diagonal ('ii->i'); ``...``
    stands for broadcast leading dims. Without ``->`` the output is the letters seen once, sorted.
    Forward: ``numpy.einsum`` (contraction order optimized for 3+ operands).
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    ops = list(operands)
    if any(o._data.dtype != ops[0]._data.dtype for o in ops):
        from ..promotion import result_type  # noqa: PLC0415

        rt = result_type(*ops)
        ops = [o.to(rt) if o._data.dtype != rt.np else o for o in ops]
    subs, rhs = _parse_einsum(equation, [o._data.shape for o in ops])
    sizes = {}
    for s, o in zip(subs, ops):
        for c, n in zip(s, o._data.shape):
            if c in sizes and sizes[c] != n and sizes[c] != 1 and n != 1:
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes (original->remapped): "
                                   f"subscript '{c}' has size {sizes[c]} and {n} (equation '{equation}', shapes "
                                   f"{[list(o.shape) for o in ops]})")
            sizes[c] = max(sizes.get(c, n), n)
    for i, (s, o) in enumerate(zip(subs, ops)):  # size-1 dims broadcast against others: drop them
        drop = [j for j, c in enumerate(s) if o._data.shape[j] == 1 and sizes[c] != 1]
        if drop:
            subs[i] = "".join(c for j, c in enumerate(s) if j not in drop)
            ops[i] = o.reshape(tuple(n for j, n in enumerate(o._data.shape) if j not in drop))
    for c in rhs:
        if not any(c in s for s in subs):
            raise ValueError(f"einsum(): output subscript {c} does not appear in the equation for any input operand")
    return Einsum.apply(*ops, subs=tuple(subs), out_sub=rhs)
