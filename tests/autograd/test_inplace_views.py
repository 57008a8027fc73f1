"""In-place ops on views update their base's graph (CopySlices); stale views get their node remade.

Each scenario is written once for reograd and torch (same API). Checked: values and gradients
against PyTorch (parity), against finite differences (gradcheck, float64), and, for the basic
cases, against hand-computed answers.
"""
import numpy as np
import pytest

import reograd
from reograd.autograd import Function, gradcheck, gradgradcheck
from reograd.autograd import forward_ad as fwad

try:
    import torch
except ImportError:  # parity tests are skipped (conftest); the rest run without torch
    torch = None

parity = pytest.mark.parity
F64 = reograd.float64


def _zeros(t, n):
    return t.zeros(n, dtype=t.float64)


# ------------------------------------------------------------------------------------------
# scenarios: fn(t, *leaves) -> output tensor, with the leaves' shapes
# ------------------------------------------------------------------------------------------
def s_view_mul(t, a):
    b = a.clone()
    w = b[:2]
    w.mul_(2)
    return b


def s_base_mul_after_view(t, a):
    b = a.clone()
    v = b[:2]
    b.mul_(2)
    return v


def s_view_add_into_constant(t, a):
    x = _zeros(t, 4)
    v = x[1:]
    v.add_(a)
    return x


def s_view_of_view(t, a):
    b = a.clone().view(2, 3)
    r = b[1]
    w = r[1:]
    w.mul_(a[:2] * 2)
    return b * b


def s_transpose_row(t, a):
    b = a.clone()
    tt = b.t()
    tt[0].mul_(3)
    return b * a


def s_transpose_whole(t, a):
    b = a.clone()
    tt = b.t()
    tt.mul_(a.t().exp())
    return b


def s_unsqueeze(t, a):
    b = a.clone()
    u = b.unsqueeze(0)
    u.mul_(a.exp().unsqueeze(0))
    return b


def s_diagonal(t, a):
    b = a.clone()
    d = b.diagonal()
    d.add_(a[0])
    d.pow_(2)
    return b


def s_column(t, a):
    b = a.clone()
    c = b[:, 0]
    c.exp_()                    # exp saves its output: it now lives in b's memory
    return b.sum(1) + c


def s_two_views(t, a):
    b = a.clone()
    v1 = b[:2]
    v2 = b[1:]
    v1.mul_(3)
    v2.mul_(a[1:])              # v2 is stale (v1 wrote into element 1): its node is remade first
    return t.cat([v1, v2, b])


def s_inplace_base_after_views(t, a):
    b = a.clone()
    v = b[1:]
    u = b[:2]
    b.sin_()
    return v * u


def s_chain(t, a):
    b = a.clone()
    w = b[1:]
    w.mul_(2)
    b[0:1].zero_()
    w.add_(a[:2])
    w.tanh_()                   # (last: its saved output would be stale after any later write to b)
    return b * a


def s_copy(t, a):
    b = a.clone()
    b[:2].copy_(a[1:] ** 2)
    return b * b


def s_zero(t, a):
    b = a.clone()
    b[1:].zero_()
    return b * a


def s_fill(t, a):
    b = a.clone()
    b[::2].fill_(5.0)
    return b * a


def s_clamp(t, a):
    b = a.clone()
    b[1:].clamp_(-0.5, 0.5)
    return b * a


def s_relu_functional(t, a):
    b = a.clone()
    t.nn.functional.relu(b[1:], inplace=True)
    return b * a


def s_setitem_on_view(t, a):
    b = a.clone()
    r = b[1]
    r[1:3] = a[0, :2] * 3
    return b * a


def s_setitem_on_base_stale_view(t, a):
    b = a.clone()
    v = b[0]
    b[0, 1] = 7.0
    return v * a[0]


def s_deep_chain(t, a):
    b = a.clone()
    b[1][:, 2].mul_(a[0, 0, :3])
    return b.exp()


def s_reshape_view(t, a):
    b = a.clone()
    r = b.view(6)
    r[2:5].mul_(a.view(6)[:3])
    return b


def s_narrow(t, a):
    b = a.clone()
    b.narrow(1, 1, 2).mul_(a[:, :2])
    return b


def s_t_on_base(t, a):
    b = a.clone()
    b.t_()                       # the base itself is now a transposed (non-contiguous) array
    b[0].mul_(a[:, 0] * 10)
    return b


def s_expand_stale(t, a):
    b = a.clone()
    e = b.expand(2, 3)
    b.mul_(2)
    return e


def s_iadd_on_getitem(t, a):
    b = a.clone()
    b[1:] += a[:2] * 2          # __iadd__ on the view, then __setitem__ of the same memory
    return b * b


def s_view_of_detached(t, a):
    b = a.clone()
    d = b.detach()              # shares memory with b but not its graph: only d's graph learns of the write
    d[:2].add_(a[1:])
    return d * 2 + b


def s_view_of_modified_view(t, a):
    b = a.clone()
    v = b[1:]
    v.mul_(2)
    w = v[1:]                   # a view of a view whose node was remade
    w.add_(a[:1])
    return v * b[1:]


def s_advanced_setitem_on_view(t, a):
    b = a.clone()
    r = b[:, 1]
    r[t.tensor([0, 2])] = a[1, :2]
    return b * a


def s_masked_fill_on_view(t, a):
    b = a.clone()
    r = b[0]
    r.masked_fill_(r > 0, 0.5)
    return b * a


SCENARIOS = {
    "view_mul": (s_view_mul, [(3,)]),
    "base_mul_after_view": (s_base_mul_after_view, [(3,)]),
    "view_add_into_constant": (s_view_add_into_constant, [(3,)]),
    "view_of_view": (s_view_of_view, [(6,)]),
    "transpose_row": (s_transpose_row, [(2, 3)]),
    "transpose_whole": (s_transpose_whole, [(2, 3)]),
    "unsqueeze": (s_unsqueeze, [(3,)]),
    "diagonal": (s_diagonal, [(3, 3)]),
    "column": (s_column, [(3, 2)]),
    "two_views": (s_two_views, [(3,)]),
    "inplace_base_after_views": (s_inplace_base_after_views, [(3,)]),
    "chain": (s_chain, [(3,)]),
    "copy_": (s_copy, [(3,)]),
    "zero_": (s_zero, [(3,)]),
    "fill_": (s_fill, [(3,)]),
    "clamp_": (s_clamp, [(3,)]),
    "relu_functional": (s_relu_functional, [(3,)]),
    "setitem_on_view": (s_setitem_on_view, [(3, 4)]),
    "setitem_on_base_stale_view": (s_setitem_on_base_stale_view, [(2, 3)]),
    "deep_chain": (s_deep_chain, [(2, 3, 4)]),
    "reshape_view": (s_reshape_view, [(2, 3)]),
    "narrow": (s_narrow, [(2, 3)]),
    "t_on_base": (s_t_on_base, [(2, 3)]),
    "expand_stale": (s_expand_stale, [(3,)]),
    "iadd_on_getitem": (s_iadd_on_getitem, [(3,)]),
    "view_of_detached": (s_view_of_detached, [(3,)]),
    "view_of_modified_view": (s_view_of_modified_view, [(3,)]),
    "advanced_setitem_on_view": (s_advanced_setitem_on_view, [(3, 4)]),
    "masked_fill_on_view": (s_masked_fill_on_view, [(2, 3)]),
}


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes:
        x = rng.uniform(-1.2, 1.2, s)
        out.append(np.where(np.abs(x) < 0.15, 0.4, x))  # away from kinks (clamp, relu) and zero
    return out


def _weights(shape):
    n = int(np.prod(shape)) if shape else 1
    return np.linspace(0.5, 2.0, n).reshape(shape)  # distinct weights: a gradient at a wrong place shows


def _run(t, fn, arrays, create_graph=False):
    leaves = [t.tensor(x, dtype=t.float64, requires_grad=True) for x in arrays]
    out = fn(t, *leaves)
    w = t.tensor(_weights(tuple(out.shape)), dtype=t.float64)
    loss = (out * w).sum()
    grads = t.autograd.grad(loss, leaves, create_graph=create_graph, allow_unused=True)
    if create_graph:  # a second order: d/dleaves of sum(g * g)
        total = sum((g * g).sum() for g in grads if g is not None)
        grads2 = t.autograd.grad(total, leaves, allow_unused=True)
        return out, grads, grads2
    return out, grads


def _np(x):
    return None if x is None else x.detach().numpy()


@parity
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_parity_values_and_grads(name):
    fn, shapes = SCENARIOS[name]
    arrays = _inputs(shapes)
    r_out, r_grads = _run(reograd, fn, arrays)
    t_out, t_grads = _run(torch, fn, arrays)
    np.testing.assert_allclose(_np(r_out), _np(t_out), rtol=1e-12, atol=1e-12)
    for rg, tg in zip(r_grads, t_grads):
        assert (rg is None) == (tg is None)
        if rg is not None:
            np.testing.assert_allclose(_np(rg), _np(tg), rtol=1e-10, atol=1e-12)


@parity
@pytest.mark.parametrize("name", ["view_of_view", "transpose_whole", "diagonal", "column", "two_views", "chain",
                                  "copy_", "setitem_on_view", "t_on_base"])
def test_parity_double_backward(name):
    fn, shapes = SCENARIOS[name]
    arrays = _inputs(shapes)
    _, r1, r2 = _run(reograd, fn, arrays, create_graph=True)
    _, t1, t2 = _run(torch, fn, arrays, create_graph=True)
    for rg, tg in zip(list(r1) + list(r2), list(t1) + list(t2)):
        assert (rg is None) == (tg is None)
        if rg is not None:
            np.testing.assert_allclose(_np(rg), _np(tg), rtol=1e-10, atol=1e-12)


# d shares b's memory but not its graph: b's graph misses the write through d (as in PyTorch), which
# finite differences do see
NOT_A_FUNCTION_OF_THE_LEAVES = {"view_of_detached"}


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n not in NOT_A_FUNCTION_OF_THE_LEAVES])
def test_gradcheck(name):
    fn, shapes = SCENARIOS[name]
    leaves = [reograd.tensor(x, dtype=F64, requires_grad=True) for x in _inputs(shapes, seed=1)]
    assert gradcheck(lambda *xs: fn(reograd, *xs), leaves)


@pytest.mark.parametrize("name", ["view_mul", "view_of_view", "diagonal", "column", "two_views", "chain",
                                  "t_on_base"])
def test_gradgradcheck(name):
    fn, shapes = SCENARIOS[name]
    leaves = [reograd.tensor(x, dtype=F64, requires_grad=True) for x in _inputs(shapes, seed=2)]
    assert gradgradcheck(lambda *xs: fn(reograd, *xs), leaves)


# ------------------------------------------------------------------------------------------
# the three cases of the issue, by hand
# ------------------------------------------------------------------------------------------
def test_inplace_on_view_reaches_the_base():
    a = reograd.tensor([1., 2., 3.], requires_grad=True)
    b = a.clone()
    w = b[:2]
    w.mul_(2)
    assert b.tolist() == [2., 4., 3.]
    assert b.grad_fn.name() == "CopySlices"
    assert b.grad_fn.next_functions[0][0].name() == "CloneBackward0"
    assert w.grad_fn.name() == "AsStridedBackward0"
    assert w.grad_fn.next_functions[0][0] is b.grad_fn
    b.sum().backward()
    assert a.grad.tolist() == [2., 2., 1.]


def test_stale_view_after_inplace_on_base():
    a = reograd.tensor([1., 2., 3.], requires_grad=True)
    b = a.clone()
    v = b[:2]
    assert v.grad_fn.name() == "SliceBackward0"
    b.mul_(2)
    assert v.grad_fn.name() == "AsStridedBackward0"   # remade from the base's new node
    assert v.grad_fn.next_functions[0][0] is b.grad_fn
    v.sum().backward()
    assert a.grad.tolist() == [2., 2., 0.]


def test_inplace_on_view_of_constant_makes_base_require_grad():
    a = reograd.tensor([1., 2., 3.], requires_grad=True)
    x = reograd.zeros(4)
    v = x[1:]
    v.add_(a)
    assert x.requires_grad and not x.is_leaf
    assert x.grad_fn.name() == "CopySlices"
    assert v.requires_grad and v.grad_fn.name() == "AsStridedBackward0"
    (x * reograd.tensor([5., 6., 7., 8.])).sum().backward()
    assert a.grad.tolist() == [6., 7., 8.]


def test_stale_view_is_used_as_op_input_and_as_root():
    a = reograd.tensor([1., 2., 3.], requires_grad=True)
    b = a.clone()
    v = b[1:]
    b.mul_(a)                          # b = a * a
    (v * 1).sum().backward()           # d/da of a1^2 + a2^2
    assert a.grad.tolist() == [0., 4., 6.]
    a.grad = None
    b = a.clone()
    v = b[1:]
    b.mul_(a)
    v.backward(reograd.ones(2))        # backward() on the stale view itself
    assert a.grad.tolist() == [0., 4., 6.]


def test_stale_view_of_constant_base_that_became_differentiable():
    a = reograd.tensor([1., 2., 3.], requires_grad=True)
    x = reograd.zeros(4)
    v1 = x[:2]
    x[1:].add_(a)
    assert v1.requires_grad          # through its base, before its node is remade
    y = v1 * reograd.tensor([10., 20.])
    assert y.requires_grad
    y.sum().backward()
    assert a.grad.tolist() == [20., 0., 0.]
    assert not v1.is_leaf


def test_stale_view_of_a_base_without_grad_stays_plain():
    x = reograd.zeros(4)
    v = x[:2]
    x.add_(1)
    assert v.grad_fn is None and not v.requires_grad
    assert not (v * 2).requires_grad
    assert v.tolist() == [1., 1.]


def test_positions_in_strided_and_negative_stride_bases():
    # bases that are not C-contiguous (a transposed and a reversed NumPy array): positions by address
    for arr in (np.arange(12.).reshape(3, 4).T, np.arange(6.)[::-1], np.arange(24.).reshape(2, 3, 4)[:, ::2, 1:]):
        x = reograd.from_numpy(arr)
        base_vals = arr.copy()
        idx = (slice(1, None),) if arr.ndim == 1 else (slice(None), 1)
        v = x[idx]
        a = reograd.tensor(np.ones(v.shape), dtype=F64, requires_grad=True)
        v.add_(a)
        expect = base_vals.copy()
        expect[idx] += 1
        np.testing.assert_array_equal(x.numpy(force=True), expect)
        w = np.random.default_rng(0).uniform(size=arr.shape)
        (x * reograd.tensor(w)).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), w[idx])


# ------------------------------------------------------------------------------------------
# errors, as PyTorch's
# ------------------------------------------------------------------------------------------
def _err(t, fn):
    try:
        fn(t)
    except RuntimeError as e:
        return str(e)
    return None


def e_leaf_view(t):
    a = t.ones(3, requires_grad=True)
    a[:2].mul_(2)


def e_leaf_view_setitem(t):
    a = t.ones(2, 3, requires_grad=True)
    a[0][1] = 5.0


def e_unbind(t):
    b = t.ones(2, 3, requires_grad=True).clone()
    b.unbind(0)[1].mul_(2)


def e_split(t):
    b = t.ones(4, requires_grad=True).clone()
    b.split(2)[0].add_(1)


def e_split_with_sizes(t):
    b = t.ones(4, requires_grad=True).clone()
    b.split([1, 3])[1].add_(1)


def e_chunk_view_of_piece(t):
    b = t.ones(4, 2, requires_grad=True).clone()
    b.chunk(2)[0][1].add_(1)


def e_unbind_constant_base(t):
    a = t.ones(3, requires_grad=True)
    x = t.zeros(2, 3)
    x.unbind(0)[0].add_(a)


def e_no_grad_view(t):
    a = t.ones(3, requires_grad=True)
    x = t.zeros(4)
    with t.no_grad():
        v = x[1:]
    v.add_(a)


def e_no_grad_view_of_differentiable(t):
    b = t.ones(3, requires_grad=True).clone()
    with t.no_grad():
        v = b[:2]
    v.mul_(2)


def e_view_of_no_grad_view(t):
    b = t.ones(3, requires_grad=True).clone()
    with t.no_grad():
        nv = b[:2]
    w = nv[1:]                  # recorded (nv requires grad through its base), and keeps nv's restriction
    w.mul_(2)


def e_inference_view(t):
    a = t.ones(3, requires_grad=True)
    x = t.zeros(4)
    with t.inference_mode():
        v = x[1:]
    v.add_(a)


def e_stale_multi_output(t):
    b = t.ones(2, 3, requires_grad=True).clone()
    u = b.split(1)
    with t.no_grad():
        u[0].mul_(2)
    return u[1] * 2


def e_stale_no_grad_view(t):
    p = t.ones(3, requires_grad=True)
    with t.no_grad():
        w = p[0]
        p.mul_(2)
    return w * 2


ERRORS = {
    "leaf_view": (e_leaf_view, "a view of a leaf Variable that requires grad is being used in an in-place"),
    "leaf_view_setitem": (e_leaf_view_setitem, "a view of a leaf Variable that requires grad"),
    "unbind": (e_unbind, "Output 1 of Unbind is a view and is being modified inplace. This view is the output of a "
                         "function that returns multiple views."),
    "split": (e_split, "Output 0 of Split is a view and is being modified inplace"),
    "split_with_sizes": (e_split_with_sizes, "Output 1 of SplitWithSizes is a view and is being modified"),
    "chunk_view_of_piece": (e_chunk_view_of_piece, "Output 0 of Select is a view and is being modified inplace. "
                                                   "This view is the output of a function that returns multiple"),
    "unbind_constant_base": (e_unbind_constant_base, "A view was created in no_grad mode and is being modified "
                                                     "inplace with grad mode enabled. This view is the output of a "
                                                     "function that returns multiple views"),
    "no_grad_view": (e_no_grad_view, "A view was created in no_grad mode and is being modified inplace with grad "
                                     "mode enabled. Given that this use case is ambiguous and error-prone, it is "
                                     "forbidden."),
    "no_grad_view_of_differentiable": (e_no_grad_view_of_differentiable, "A view was created in no_grad mode"),
    "view_of_no_grad_view": (e_view_of_no_grad_view, "Output 0 of Slice is a view of a view which was created in "
                                                     "no_grad mode and is being modified inplace with grad mode "
                                                     "enabled."),
    "inference_view": (e_inference_view, "A view was created in inference mode and is being modified inplace in "
                                         "normal mode."),
    "stale_multi_output": (e_stale_multi_output, "Output 1 of Split is a view and its base or another view of its "
                                                 "base has been modified inplace. This view is the output of a "
                                                 "function that returns multiple views."),
    "stale_no_grad_view": (e_stale_no_grad_view, "A view was created in no_grad mode and its base or another view "
                                                 "of its base has been modified inplace with grad mode enabled."),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors(name):
    fn, msg = ERRORS[name]
    err = _err(reograd, fn)
    assert err is not None and msg in err, err


@parity
@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_parity(name):
    fn, _ = ERRORS[name]
    err_t, err_r = _err(torch, fn), _err(reograd, fn)
    assert err_t is not None and err_r is not None
    assert err_r == err_t


def test_no_grad_view_of_a_differentiable_base():
    # as PyTorch: it requires grad (through its base) and so do results of ops on it, but it is no
    # path for gradients
    a = reograd.tensor([1., 2., 3.], requires_grad=True)
    b = a.clone()
    with reograd.no_grad():
        nv = b[:2]
    assert nv.requires_grad and nv.is_leaf and nv.grad_fn is None
    y = nv * 2
    assert y.requires_grad and y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert a.grad is None and nv.grad is None


def test_errors_need_a_graph():
    # no grad needed anywhere, or under no_grad: the same writes are fine
    b = reograd.ones(4)
    b.split(2)[0].add_(1)
    b.unbind(0)[3].mul_(3)
    with reograd.no_grad():
        v = b[1:]
    v.add_(1)
    assert b.tolist() == [2., 3., 2., 4.]
    a = reograd.ones(3, requires_grad=True)
    with reograd.no_grad():
        a[:2].mul_(2)
    assert a.tolist() == [2., 2., 1.] and a.is_leaf
    c = a.clone()
    pieces = c.tensor_split(2)        # slices, not one multi-output op: they may be modified
    pieces[1].mul_(3)
    assert c.grad_fn.name() == "CopySlices"


def test_version_error_when_a_saved_tensor_changes_through_a_view():
    a = reograd.tensor([1., 2., 3.], requires_grad=True)
    y = a.clone().exp()                # exp saves its output
    y[:2].mul_(2)
    assert y.grad_fn.name() == "CopySlices"
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    b = a.clone()
    z = b.sigmoid()
    s = z * 1
    z[1:].zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s.sum().backward()


# ------------------------------------------------------------------------------------------
# parameters under no_grad, retain_graph, retain_grad, hooks, custom Functions
# ------------------------------------------------------------------------------------------
def test_no_grad_inplace_on_parameter_view():
    p = reograd.nn.Parameter(reograd.ones(3))
    with reograd.no_grad():
        p[0].fill_(5.0)                # e.g. an init that sets one row
        p[1:].mul_(2)
    assert p.tolist() == [5., 2., 2.] and p.is_leaf and p.grad_fn is None
    w = p[1:]
    with reograd.no_grad():
        w.mul_(3)                      # w's own node is remade: a view of the leaf p
    assert w.grad_fn.name() == "AsStridedBackward0"
    assert w.grad_fn.next_functions[0][0].name() == "AccumulateGrad"
    (w * reograd.tensor([1., 2.])).sum().backward()
    (p * p).sum().backward()
    assert p.grad.tolist() == [10., 13., 14.]


@parity
def test_no_grad_inplace_on_parameter_view_parity():
    def run(t):
        p = t.nn.Parameter(t.ones(3, dtype=t.float64))
        w = p[1:]
        with t.no_grad():
            w.mul_(3)
            p[0].fill_(5.0)
        (w * t.tensor([1., 2.], dtype=t.float64)).sum().backward()
        return type(w.grad_fn).__name__ if t is torch else w.grad_fn.name(), p.grad.tolist()
    assert run(reograd) == run(torch)


def test_retain_graph_reuse():
    a = reograd.tensor([1., 2., 3.], dtype=F64, requires_grad=True)
    b = a.clone()
    b[1:].mul_(a[:2])
    loss = (b * b).sum()
    loss.backward(retain_graph=True)
    first = a.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * first)
    # b = [a0, a1 a0, a2 a1]; d/da of a0^2 + a1^2 a0^2 + a2^2 a1^2
    a0, a1, a2 = 1., 2., 3.
    expect = [2 * a0 + 2 * a1 ** 2 * a0, 2 * a1 * a0 ** 2 + 2 * a1 * a2 ** 2, 2 * a2 * a1 ** 2]
    np.testing.assert_allclose(first, expect)


@parity
def test_retain_grad_and_hooks_follow_pytorch():
    def run(t):
        a = t.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
        out = {}
        b = a.clone()
        b.retain_grad()
        b[0].mul_(2)
        b.sum().backward()
        out["base"] = b.grad.tolist()
        b = a.clone()
        v = b[0]
        v.retain_grad()
        b.mul_(2)
        v.sum().backward()
        out["stale view"] = v.grad.tolist()
        b = a.clone()
        v = b[0]
        v.retain_grad()
        v.mul_(2)
        (v * 1).sum().backward()
        out["view"] = v.grad.tolist()
        b = a.clone()
        b.retain_grad()
        b.mul_(2)
        b.sum().backward()
        out["plain"] = b.grad.tolist()
        b = a.clone()
        v = b[0]
        seen = []
        v.register_hook(lambda g: seen.append(g.tolist()))
        b.mul_(2)
        (v * 1).sum().backward()
        out["hook before"] = seen    # the hook stays with the old node, which the backward doesn't reach
        return out
    assert run(reograd) == run(torch)


def test_custom_function_mark_dirty_on_a_view():
    class MulTwo_(Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    a = reograd.tensor([1., 2., 3.], requires_grad=True)
    b = a.clone()
    v = b[1:]
    r = MulTwo_.apply(v)
    assert r is v
    assert b.tolist() == [1., 4., 6.]
    assert b.grad_fn.name() == "CopySlices"
    (b * reograd.tensor([1., 10., 100.])).sum().backward()
    assert a.grad.tolist() == [1., 20., 200.]


# ------------------------------------------------------------------------------------------
# forward mode
# ------------------------------------------------------------------------------------------
def _fw_case(t, fw):
    p = t.tensor([1., 1.], dtype=t.float64)
    res = {}
    with fw.dual_level():
        dp = fw.make_dual(p, t.tensor([10., 20.], dtype=t.float64))
        y = t.zeros(4, dtype=t.float64)
        vy = y[1:3]
        vy.add_(dp)                           # the base had no tangent: it gets one
        res["base"] = fw.unpack_dual(y).tangent.tolist()
        res["view"] = fw.unpack_dual(vy).tangent.tolist()
        x = fw.make_dual(t.zeros(4, dtype=t.float64), t.tensor([1., 2., 3., 4.], dtype=t.float64))
        v = x[:2]
        x.mul_(dp.sum())                      # the view's tangent follows its base
        res["stale view"] = fw.unpack_dual(v).tangent.tolist()
        x = fw.make_dual(t.ones(4, dtype=t.float64), t.tensor([1., 2., 3., 4.], dtype=t.float64))
        x[1:3].mul_(dp)
        res["base with tangent"] = fw.unpack_dual(x).tangent.tolist()
        w = x[2:]
        res["other view"] = fw.unpack_dual(w * 1).tangent.tolist()
    return res


def test_forward_ad_tangent_reaches_the_base():
    res = _fw_case(reograd, fwad)
    assert res["base"] == [0., 10., 20., 0.]
    assert res["view"] == [10., 20.]
    assert res["stale view"] == [2., 4.]
    assert res["base with tangent"] == [1., 12., 23., 4.]     # d(x*p) = dx p + x dp
    assert res["other view"] == [23., 4.]


@parity
def test_forward_ad_parity():
    import torch.autograd.forward_ad as tfw

    assert _fw_case(reograd, fwad) == _fw_case(torch, tfw)


# ------------------------------------------------------------------------------------------
# view bookkeeping
# ------------------------------------------------------------------------------------------
def test_views_of_views_share_the_root_base():
    x = reograd.ones(2, 3)
    v = x[1]
    w = v[1:]
    s = x.unbind(0)
    assert v._base is x and w._base is x and all(p._base is x for p in s)
    assert w._version == x._version
    w.add_(1)
    assert x._version == v._version == 1


@parity
def test_grad_fn_names_parity():
    def run(t):
        a = t.ones(3, 3, requires_grad=True)
        b = a.clone()
        d = b.diagonal()
        c = b[:, 0]
        d.add_(1)
        names = [type(n).__name__ if t is torch else n.name() for n in (b.grad_fn, d.grad_fn, c.grad_fn)]
        return names, c.is_leaf, c.requires_grad
    assert run(reograd) == run(torch) == (["CopySlices", "AsStridedBackward0", "AsStridedBackward0"], False, True)


@parity
def test_no_grad_view_of_a_differentiable_base_parity():
    def run(t):
        a = t.tensor([1., 2., 3.], requires_grad=True)
        b = a.clone()
        with t.no_grad():
            nv = b[:2]
        y = nv * 2
        y.sum().backward()
        return nv.requires_grad, nv.is_leaf, y.requires_grad, a.grad is None, nv.grad is None
    assert run(reograd) == run(torch)


# ------------------------------------------------------------------------------------------
# random programs of views and in-place ops, against PyTorch
# ------------------------------------------------------------------------------------------
def _random_program(t, seed, data):
    """Views of views (rows, columns, slices, transposes, diagonals, flat views, multi-output pieces),
    in-place ops on any of them, some under no_grad; returns the value, d/da, the graph-node kinds
    and requires_grad of every tensor, or the error."""
    import random

    rng = random.Random(seed)
    a = t.tensor(data, dtype=t.float64, requires_grad=True)
    r = rng.random()
    b = a.clone() if r < 0.6 else (t.zeros(4, 5, dtype=t.float64) if r < 0.9 else a)
    ts = [b]
    try:
        for _ in range(rng.randint(2, 8)):
            with (t.no_grad() if rng.random() < 0.15 else t.enable_grad()):
                if rng.random() < 0.5:
                    src = rng.choice(ts)
                    if src.dim() == 0:
                        continue
                    kinds = ["row", "narrow", "unsq", "step", "unbind", "chunk", "tsplit"]
                    kinds += ["t", "diag", "col"] if src.dim() >= 2 else []
                    kinds += ["flat"] if src.is_contiguous() else []
                    k = rng.choice(kinds)
                    n = src.shape[0]
                    if k == "row":
                        v = src[rng.randrange(n)]
                    elif k == "col":
                        v = src[:, rng.randrange(src.shape[1])]
                    elif k == "narrow":
                        s = rng.randrange(n)
                        v = src.narrow(0, s, rng.randint(1, n - s))
                    elif k == "step":
                        v = src[::2]
                    elif k == "unsq":
                        v = src.unsqueeze(0)
                    elif k == "t":
                        v = src.t()
                    elif k == "diag":
                        v = src.diagonal()
                    elif k == "flat":
                        v = src.view(-1)
                    elif k == "unbind":
                        v = src.unbind(0)[rng.randrange(n)]
                    elif k == "chunk":
                        v = src.chunk(2)[0]
                    else:
                        v = src.tensor_split(2)[-1]
                    ts.append(v)
                else:
                    v = rng.choice(ts)
                    op = rng.choice(["mul", "add", "zero", "fill", "copy", "sin", "setitem", "setadv", "read"])
                    f = a.sum() * 0.1 + 1
                    if op == "mul":
                        v.mul_(f)
                    elif op == "add":
                        v.add_(a.mean())
                    elif op == "zero":
                        v.zero_()
                    elif op == "fill":
                        v.fill_(2.5)
                    elif op == "copy":
                        v.copy_(t.ones_like(v) * f)
                    elif op == "sin":
                        v.sin_()
                    elif op == "read":
                        ts.append(v * f)
                    elif op == "setitem" and v.dim() >= 1:
                        v[0] = f * 3
                    elif op == "setadv" and v.dim() >= 1 and v.shape[0] >= 2:
                        v[[0, 1]] = f * 2
        total = 0
        for i, x in enumerate(ts):
            w = t.tensor(_weights(tuple(x.shape)), dtype=t.float64)
            total = total + (x * w).sum() * (i + 1)
        g = t.autograd.grad(total, a, allow_unused=True)[0] if total.requires_grad else None
    except RuntimeError as e:
        return "error", str(e).split(".")[0]
    kinds = []
    for x in ts:
        fn = x.grad_fn
        name = None if fn is None else (type(fn).__name__ if t is not reograd else fn.name())
        kinds.append(name if name in (None, "CopySlices", "AsStridedBackward0", "IndexPutBackward0") else "op")
    return total.item(), None if g is None else g.detach().numpy(), kinds, [x.requires_grad for x in ts]


@parity
@pytest.mark.parametrize("block", range(4))
def test_random_programs_parity(block):
    for seed in range(block * 40, block * 40 + 40):
        data = np.random.default_rng(seed).uniform(0.5, 1.5, (4, 5))
        r, p = _random_program(reograd, seed, data), _random_program(torch, seed, data)
        if p[0] == "error":
            assert r[0] == "error", (seed, p)
            continue
        assert r[0] != "error", (seed, r)
        assert r[0] == pytest.approx(p[0], rel=1e-10), seed
        assert (r[1] is None) == (p[1] is None), seed
        if p[1] is not None:
            np.testing.assert_allclose(r[1], p[1], rtol=1e-10, atol=1e-12, err_msg=f"seed {seed}")
        assert r[2:] == p[2:], seed
