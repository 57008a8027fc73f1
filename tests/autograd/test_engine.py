"""The reverse-mode engine: the notes' worked examples, accumulation, graph freeing, errors, hooks, modes."""
import gc
import math

import numpy as np
import pytest

import reograd
from reograd.autograd import Function


def test_seed_example_e_equals_a_plus_b_times_b_plus_1():
    a = reograd.tensor(2.0, requires_grad=True)
    b = reograd.tensor(1.0, requires_grad=True)
    e = (a + b) * (b + 1)
    e.backward()
    assert e.item() == 6.0
    assert a.grad.item() == 2.0  # de/da = b + 1
    assert b.grad.item() == 5.0  # de/db = (b + 1) + (a + b)


def test_seed_example_log_ab():
    a = reograd.tensor(2.0, requires_grad=True, dtype=reograd.float64)
    b = reograd.tensor(3.0, requires_grad=True, dtype=reograd.float64)
    f = reograd.log(a * b)
    f.backward()
    assert f.item() == pytest.approx(math.log(6))
    assert round(f.item(), 3) == 1.792 or round(f.item(), 3) == 1.791  # the slide truncates 1.7918
    assert a.grad.item() == pytest.approx(0.5)
    assert b.grad.item() == pytest.approx(1 / 3)


def test_seed_example_sin_plus_product():
    x1 = reograd.tensor(2.0, requires_grad=True, dtype=reograd.float64)
    x2 = reograd.tensor(3.0, requires_grad=True, dtype=reograd.float64)
    z = reograd.sin(x1) + x1 * x2
    z.backward()
    assert x1.grad.item() == pytest.approx(math.cos(2) + 3)   # 2.584
    assert x2.grad.item() == pytest.approx(2.0)


def test_gradients_accumulate_across_backward_calls():
    x = reograd.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_shared_subexpression_gets_summed_gradient():
    x = reograd.tensor(3.0, requires_grad=True)
    y = x * x
    z = y + y * y          # z = x^2 + x^4, dz/dx = 2x + 4x^3 = 114
    z.backward()
    assert x.grad.item() == pytest.approx(114.0)


def test_backward_twice_without_retain_graph_raises():
    x = reograd.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_non_scalar_backward_needs_gradient():
    x = reograd.ones(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        y.backward()
    y.backward(reograd.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_backward_of_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        reograd.ones(2).sum().backward()


def test_gradient_shape_mismatch_raises():
    x = reograd.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(reograd.ones(4))


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        reograd.tensor([1, 2], requires_grad=True)


def test_inplace_on_leaf_requiring_grad_raises():
    x = reograd.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with reograd.no_grad():
        x.add_(1)  # allowed without grad mode (how optimizers update)
    np.testing.assert_allclose(x.detach().numpy(), [2, 2, 2])


def test_inplace_change_of_saved_tensor_is_detected():
    x = reograd.ones(3, requires_grad=True)
    y = x * 2
    z = y.sin()      # saves y
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_inplace_op_gives_correct_gradient():
    x = reograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.mul_(y)          # y = 4 x^2 -> dy/dx = 8x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 16.0, 24.0])


def test_grad_function_and_higher_order():
    x = reograd.tensor(3.0, requires_grad=True, dtype=reograd.float64)
    (d1,) = reograd.autograd.grad(x ** 3, x, create_graph=True)
    assert d1.item() == pytest.approx(27.0)
    (d2,) = reograd.autograd.grad(d1, x, create_graph=True)
    assert d2.item() == pytest.approx(18.0)
    (d3,) = reograd.autograd.grad(d2, x)
    assert d3.item() == pytest.approx(6.0)
    assert x.grad is None  # grad() does not accumulate


def test_grad_allow_unused():
    x = reograd.ones(2, requires_grad=True)
    y = reograd.ones(2, requires_grad=True)
    out = (x * 2).sum()
    with pytest.raises(RuntimeError, match="not have been used"):
        reograd.autograd.grad(out, [x, y], retain_graph=True)
    gx, gy = reograd.autograd.grad(out, [x, y], allow_unused=True, retain_graph=True)
    assert gy is None
    gx, gy = reograd.autograd.grad(out, [x, y], materialize_grads=True)
    np.testing.assert_allclose(gy.numpy(), [0, 0])


def test_backward_inputs_limits_accumulation():
    x = reograd.ones(2, requires_grad=True)
    y = reograd.ones(2, requires_grad=True)
    (x * y).sum().backward(inputs=[x])
    assert x.grad is not None and y.grad is None


def test_grad_wrt_intermediate():
    x = reograd.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    out = (h * h).sum()
    (gh,) = reograd.autograd.grad(out, h)
    np.testing.assert_allclose(gh.numpy(), [6.0, 12.0])


def test_tensor_hook_can_replace_gradient_and_be_removed():
    x = reograd.ones(3, requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.clone()) or g * 10)
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [20, 20, 20])
    np.testing.assert_allclose(seen[0].numpy(), [2, 2, 2])
    h.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2, 2, 2])


def test_hook_on_intermediate_and_retain_grad():
    x = reograd.ones(2, requires_grad=True)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [12.0, 12.0])   # hook output is what y.grad keeps? see torch
    np.testing.assert_allclose(x.grad.numpy(), [36.0, 36.0])


def test_no_grad_enable_grad_set_grad_enabled_inference_mode():
    x = reograd.ones(2, requires_grad=True)
    with reograd.no_grad():
        assert not (x * 2).requires_grad
        with reograd.enable_grad():
            assert (x * 2).requires_grad
    with reograd.set_grad_enabled(False):
        assert not reograd.is_grad_enabled()
    assert reograd.is_grad_enabled()
    with reograd.inference_mode():
        assert not (x * 2).requires_grad
        assert reograd.is_inference_mode_enabled()

    @reograd.no_grad()
    def f(t):
        return t * 2

    @reograd.no_grad
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    reograd.set_grad_enabled(False)
    assert not reograd.is_grad_enabled()
    reograd.set_grad_enabled(True)


def test_deep_graph_has_no_recursion_limit():
    x = reograd.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 20000, rel=1e-3)


def test_graph_is_freed_after_backward():
    import weakref

    x = reograd.ones(100, requires_grad=True)
    y = (x * 2).exp()
    node = y.grad_fn
    y.sum().backward()
    assert node._saved is not None and node._saved is not list  # marked freed
    with pytest.raises(RuntimeError, match="second time"):
        node.saved_tensors
    ref = weakref.ref(node)
    del y, node
    gc.collect()
    assert ref() is None


def test_detach_and_requires_grad_flags():
    x = reograd.ones(2, requires_grad=True)
    y = x * 2
    assert not y.is_leaf and x.is_leaf
    d = y.detach()
    assert d.is_leaf and not d.requires_grad
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False
    y.detach_()
    assert y.is_leaf


# ------------------------------------------------------------------ custom Functions
class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


def test_custom_function_forward_backward_double_backward():
    x = reograd.tensor([0.5, 1.0], requires_grad=True, dtype=reograd.float64)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward"
    (g,) = reograd.autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), np.exp([0.5, 1.0]))
    (gg,) = reograd.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), np.exp([0.5, 1.0]))
    assert reograd.autograd.gradcheck(Exp.apply, (x,))


class SortWithIndices(Function):
    @staticmethod
    def forward(ctx, x):
        order = np.argsort(x.detach().numpy())
        ctx.mark_non_differentiable  # API exists
        idx = reograd.tensor(order)
        ctx.order = order
        out = reograd.tensor(x.detach().numpy()[order])
        ctx.mark_non_differentiable(idx)
        return out, idx

    @staticmethod
    def backward(ctx, g, g_idx):
        res = np.zeros_like(g.numpy())
        res[ctx.order] = g.numpy()
        return reograd.tensor(res)


def test_custom_function_multiple_outputs_non_differentiable():
    x = reograd.tensor([3.0, 1.0, 2.0], requires_grad=True)
    out, idx = SortWithIndices.apply(x)
    assert out.requires_grad and not idx.requires_grad
    (out * reograd.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 1.0, 2.0])


class Scale(Function):
    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        return x * factor

    @staticmethod
    def backward(ctx, g):
        assert ctx.needs_input_grad == (True, False)
        return g * ctx.factor, None


def test_custom_function_with_non_tensor_args_and_needs_input_grad():
    x = reograd.ones(2, requires_grad=True)
    Scale.apply(x, 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 3])


class MulAdd(Function):
    @staticmethod
    def forward(x, y):
        return x * y + 1

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y, g * x


def test_custom_function_setup_context_style():
    x = reograd.tensor([2.0], requires_grad=True)
    y = reograd.tensor([5.0], requires_grad=True)
    MulAdd.apply(x, y).sum().backward()
    assert x.grad.item() == 5.0 and y.grad.item() == 2.0


class BadGrad(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return reograd.ones(7)


def test_custom_function_wrong_gradient_shape_is_reported():
    x = reograd.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="invalid gradient at index 0"):
        BadGrad.apply(x).sum().backward()


def test_materialize_grads_off_passes_none():
    seen = []

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append((g1 is None, g2 is None))
            return g1 if g1 is not None else g2 * 2

    x = reograd.ones(2, requires_grad=True)
    a, b = Two.apply(x)
    a.sum().backward()
    assert seen == [(False, True)]


@pytest.mark.parity
def test_engine_parity_composite_function():
    import torch

    rng = np.random.default_rng(0)
    xs = rng.standard_normal((4, 3))
    ws = rng.standard_normal((3, 5))

    def f(lib, x, w):
        h = (x @ w).tanh()
        return (h * h.sigmoid()).sum() / (1 + (x * x).sum())

    rx, rw = reograd.tensor(xs, requires_grad=True), reograd.tensor(ws, requires_grad=True)
    tx, tw = torch.tensor(xs, requires_grad=True), torch.tensor(ws, requires_grad=True)
    f(reograd, rx, rw).backward()
    f(torch, tx, tw).backward()
    np.testing.assert_allclose(rx.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(rw.grad.numpy(), tw.grad.numpy(), rtol=1e-10)
