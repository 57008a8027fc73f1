"""reograd.func transforms: against analytic derivatives and (parity) torch.func on the same inputs."""
import numpy as np
import pytest

import reograd
from reograd import func as F


def T(x):
    return reograd.tensor(np.asarray(x, dtype=np.float64))


X = np.array([0.5, 1.0, -0.3])


def f_scalar(t, x):
    return (t.sin(x) * t.exp(x)).sum()


# ----------------------------------------------------------------------------- analytic
def test_grad_analytic():
    g = F.grad(lambda x: f_scalar(reograd, x))(T(X))
    np.testing.assert_allclose(g.numpy(), np.exp(X) * (np.sin(X) + np.cos(X)))
    assert not g.requires_grad


def test_grad_of_grad_and_hessian_analytic():
    h = F.grad(F.grad(lambda x: x ** 3 + x.sin()))(T(0.7))
    np.testing.assert_allclose(h.item(), 6 * 0.7 - np.sin(0.7))
    third = F.grad(F.grad(F.grad(lambda x: x ** 4)))(T(2.0))
    np.testing.assert_allclose(third.item(), 48.0)
    H = F.hessian(lambda x: f_scalar(reograd, x))(T(X))
    np.testing.assert_allclose(H.numpy(), np.diag(2 * np.exp(X) * np.cos(X)), atol=1e-12)


def test_grad_argnums_has_aux_and_value():
    f = lambda x, y: ((x * y).sum(), x + 1)  # noqa: E731
    (gx, gy), aux = F.grad(f, argnums=(0, 1), has_aux=True)(T([1.0, 2.0]), T([3.0, 4.0]))
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(gy.numpy(), [1.0, 2.0])
    np.testing.assert_allclose(aux.numpy(), [2.0, 3.0])
    g, v = F.grad_and_value(lambda x, y: (x * y).sum(), argnums=1)(T([1.0, 2.0]), T([3.0, 4.0]))
    np.testing.assert_allclose(g.numpy(), [1.0, 2.0])
    assert v.item() == 11.0
    gd = F.grad(lambda d: (d["a"] * d["b"]).sum())({"a": T([2.0]), "b": T([5.0])})
    assert gd["a"].item() == 5.0 and gd["b"].item() == 2.0


def test_grad_errors():
    with pytest.raises(RuntimeError, match="scalar"):
        F.grad(lambda x: x * 2)(T([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="argnums"):
        F.grad(lambda x: x.sum(), argnums=3)(T([1.0]))
    with pytest.raises(RuntimeError, match="tuple"):
        F.grad(lambda x: x.sum(), has_aux=True)(T([1.0]))


def test_vjp_jvp_linearize():
    out, vjp_fn = F.vjp(lambda x: x.sin(), T(X))
    (g,) = vjp_fn(reograd.ones(3, dtype=reograd.float64))
    np.testing.assert_allclose(g.numpy(), np.cos(X))
    (g2,) = vjp_fn(T([1.0, 0.0, 2.0]))  # callable twice
    np.testing.assert_allclose(g2.numpy(), np.cos(X) * [1, 0, 2])
    p, t = F.jvp(lambda x, y: x * y, (T(X), T([1.0, 2.0, 3.0])), (T([1.0, 1.0, 1.0]), T([0.0, 0.0, 1.0])))
    np.testing.assert_allclose(t.numpy(), [1.0, 2.0, 3.0 + X[2]])
    out, jvp_fn = F.linearize(lambda x: x.exp(), T(X))
    np.testing.assert_allclose(jvp_fn(T([1.0, 2.0, 0.0])).numpy(), np.exp(X) * [1, 2, 0])


def test_jacobians_analytic():
    A = np.arange(6.0).reshape(2, 3)
    f = lambda x: T(A) @ x.tanh()  # noqa: E731
    J = A * (1 - np.tanh(X) ** 2)
    np.testing.assert_allclose(F.jacrev(f)(T(X)).numpy(), J)
    np.testing.assert_allclose(F.jacfwd(f)(T(X)).numpy(), J)
    jr = F.jacrev(lambda x, y: x * y, argnums=(0, 1))(T([1.0, 2.0]), T([3.0, 4.0]))
    np.testing.assert_allclose(jr[0].numpy(), np.diag([3.0, 4.0]))
    np.testing.assert_allclose(jr[1].numpy(), np.diag([1.0, 2.0]))
    M = F.jacrev(lambda m: m.sum(0))(T(A))
    assert tuple(M.shape) == (3, 2, 3)


def test_hvp_and_gradient_penalty():
    f = lambda x: (x ** 3).sum() + (x[0] * x[1])  # noqa: E731
    x, v = T([1.0, 2.0]), T([0.5, -1.0])
    # Hessian-vector product two ways: forward-over-reverse and reverse-over-reverse
    hvp1 = F.jvp(F.grad(f), (x,), (v,))[1]
    _, vjp_fn = F.vjp(F.grad(f), x)
    hvp2 = vjp_fn(v)[0]
    H = np.array([[6.0, 1.0], [1.0, 12.0]])
    np.testing.assert_allclose(hvp1.numpy(), H @ v.numpy())
    np.testing.assert_allclose(hvp2.numpy(), H @ v.numpy())
    # gradient penalty through create_graph=True: d/dw ||d(w x)^2/dx||^2
    w = T(1.5).requires_grad_()
    xx = T([1.0, -2.0]).requires_grad_()
    (gx,) = reograd.autograd.grad(((w * xx) ** 2).sum(), xx, create_graph=True)
    penalty = (gx ** 2).sum()
    penalty.backward()
    # gx = 2 w^2 x, penalty = 4 w^4 |x|^2, d/dw = 16 w^3 |x|^2
    np.testing.assert_allclose(w.grad.item(), 16 * 1.5 ** 3 * 5.0)
    # grad inside a graph the user differentiates (transform composes with autograd)
    y = T(0.3).requires_grad_()
    F.grad(lambda x: (x * y).sin())(T(2.0)).backward()
    np.testing.assert_allclose(y.grad.item(), np.cos(0.6) - 0.6 * np.sin(0.6))


def test_vmap_semantics():
    xs = T(np.arange(12.0).reshape(3, 4))
    np.testing.assert_allclose(F.vmap(lambda v: (v * v).sum())(xs).numpy(), (xs.numpy() ** 2).sum(1))
    np.testing.assert_allclose(F.vmap(reograd.sum, in_dims=1)(xs).numpy(), xs.numpy().sum(0))
    np.testing.assert_allclose(F.vmap(reograd.mul, in_dims=(0, None))(xs, T([1.0, 2.0, 3.0, 4.0])).numpy(),
                               xs.numpy() * [1, 2, 3, 4])
    W = T(np.ones((4, 2)))
    np.testing.assert_allclose(F.vmap(reograd.matmul, in_dims=(0, None))(xs, W).numpy(), xs.numpy() @ W.numpy())
    np.testing.assert_allclose(F.vmap(lambda v: v * 2, out_dims=1)(xs).numpy(), (xs.numpy() * 2).T)
    # nested vmap: outer product
    a, b = T([1.0, 2.0]), T([3.0, 4.0, 5.0])
    np.testing.assert_allclose(F.vmap(F.vmap(reograd.mul, (None, 0)), (0, None))(a, b).numpy(), np.outer([1, 2], [3, 4, 5]))
    # the loop fallback and a batched rule agree, and per-example gradients
    g = F.vmap(F.grad(lambda v: (v ** 3).sum()))(xs)
    np.testing.assert_allclose(g.numpy(), 3 * xs.numpy() ** 2)
    # tuples in and out
    s, p = F.vmap(lambda v, w: (v + w, v * w))(xs, xs)
    np.testing.assert_allclose(p.numpy(), xs.numpy() ** 2)
    with pytest.raises(ValueError, match="same size"):
        F.vmap(reograd.add)(T(np.ones((2, 3))), T(np.ones((3, 3))))
    # gradients flow through vmap
    x = T(np.arange(6.0).reshape(2, 3)).requires_grad_()
    F.vmap(lambda v: (v.sin() * v).sum())(x).sum().backward()
    xn = x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), np.sin(xn) + xn * np.cos(xn))


def test_functional_call_swaps_and_restores():
    nn = reograd.nn
    m = nn.Linear(3, 2)
    w0 = m.weight
    params = {"weight": T(np.ones((2, 3))), "bias": T([1.0, -1.0])}
    out = F.functional_call(m, params, (T([[1.0, 2.0, 3.0]]),))
    np.testing.assert_allclose(out.numpy(), [[7.0, 5.0]])
    assert m.weight is w0  # restored
    # per-parameter gradient with grad over the params dict
    g = F.grad(lambda p, x: F.functional_call(m, p, (x,)).sum())(params, T([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(g["weight"].numpy(), [[1.0, 2.0, 3.0]] * 2)
    np.testing.assert_allclose(g["bias"].numpy(), [1.0, 1.0])
    with pytest.raises(AttributeError):
        F.functional_call(m, {"nope": T([1.0])}, (T([[1.0, 2.0, 3.0]]),))
    assert m.weight is w0


# ----------------------------------------------------------------------------- parity with torch.func
CASES = {
    "sin_exp": lambda t, x: (t.sin(x) * t.exp(x)).sum(),
    "logsumexp": lambda t, x: t.log(t.exp(x).sum()),
    "quartic_mix": lambda t, x: (x ** 4).sum() + x[0] * x[1] * x[2],
    "tanh_mlp": lambda t, x: t.tanh(t.outer(x, x)).sum(),
}


@pytest.mark.parity
@pytest.mark.parametrize("name", list(CASES))
def test_parity_with_torch_func(name):
    import torch
    import torch.func as TF
    fr = lambda x: CASES[name](reograd, x)  # noqa: E731
    ft = lambda x: CASES[name](torch, x)  # noqa: E731
    xr, xt = T(X), torch.tensor(X)
    v = np.array([0.3, -1.0, 2.0])
    pairs = [
        (F.grad(fr)(xr), TF.grad(ft)(xt)),
        (F.grad(lambda x: F.grad(fr)(x).sum())(xr), TF.grad(lambda x: TF.grad(ft)(x).sum())(xt)),
        (F.hessian(fr)(xr), TF.hessian(ft)(xt)),
        (F.jacfwd(F.jacrev(fr))(xr), TF.jacfwd(TF.jacrev(ft))(xt)),
        (F.jacrev(F.jacrev(fr))(xr), TF.jacrev(TF.jacrev(ft))(xt)),
        (F.jvp(F.grad(fr), (xr,), (T(v),))[1], TF.jvp(TF.grad(ft), (xt,), (torch.tensor(v),))[1]),
        (F.vmap(F.grad(fr))(T(np.stack([X, 2 * X]))), TF.vmap(TF.grad(ft))(torch.tensor(np.stack([X, 2 * X])))),
        (F.jacrev(lambda x: x.sin() * x)(xr), TF.jacrev(lambda x: x.sin() * x)(xt)),
        (F.jacfwd(lambda x: x.exp().cumsum(0))(xr), TF.jacfwd(lambda x: x.exp().cumsum(0))(xt)),
    ]
    for mine, ref in pairs:
        np.testing.assert_allclose(mine.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- gradcheck / gradgradcheck
class _WrongCube(reograd.autograd.Function):
    """x**3 with a deliberately wrong backward (2 x^2 instead of 3 x^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x * x


def test_gradcheck_catches_wrong_function_and_names_it():
    from reograd.autograd import GradcheckError, gradcheck
    y = T([[1.0, 2.0], [0.5, -1.0]]).requires_grad_()
    x = T([0.5, 2.0, -1.5]).requires_grad_()
    with pytest.raises(GradcheckError) as exc:
        gradcheck(lambda a, b: (a.sum() * 0 + _WrongCube.apply(b)), (y, x))
    msg = str(exc.value)
    assert "input 1 (shape [3])" in msg and "input element (0,)" in msg and "output element (0,)" in msg
    assert "analytic 0.5" in msg and "numeric 0.75" in msg  # 2 x^2 vs 3 x^2 at x = 0.5
    assert gradcheck(lambda b: _WrongCube.apply(b), (x,), raise_exception=False) is False
    assert gradcheck(lambda b: _WrongCube.apply(b), (x,), fast_mode=True, raise_exception=False) is False
    with pytest.raises(GradcheckError, match="fast mode"):
        gradcheck(lambda b: _WrongCube.apply(b), (x,), fast_mode=True)


def test_gradcheck_and_gradgradcheck_pass_on_correct_functions():
    from reograd.autograd import gradcheck, gradgradcheck
    a = T(np.random.default_rng(0).uniform(0.2, 1.0, (2, 3))).requires_grad_()
    b = T(np.random.default_rng(1).uniform(-1.0, 1.0, (3,))).requires_grad_()
    f = lambda a, b: (a.log() * b.tanh()).sum(-1)  # noqa: E731
    for fast in (False, True):
        assert gradcheck(f, (a, b), fast_mode=fast, check_forward_ad=True)
        assert gradgradcheck(f, (a, b), fast_mode=fast)
