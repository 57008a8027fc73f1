"""Regression tests for the bugs the architecture review found (issue 9), each against PyTorch."""
import numpy as np
import pytest

import reograd

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity


def _functions(lib, grad_shape):
    """A custom Function (identity) whose backward returns a gradient of ``grad_shape``."""

    class Odd(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return lib.ones(grad_shape, dtype=g.dtype)

    return Odd


@pytest.mark.parametrize("shape, grad_shape", [((3, 4), (4,)), ((4, 3), (3, 4)), ((3, 4), (3, 4, 2))])
def test_gradient_of_an_impossible_shape_is_an_error_naming_the_op(shape, grad_shape):
    # (4,) would broadcast INTO (3, 4), (3, 4) has the same numel as (4, 3): both once slipped through
    for lib in (reograd, torch):
        x = lib.ones(shape, dtype=lib.float64, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"invalid gradient at index 0"):
            _functions(lib, grad_shape).apply(x).sum().backward()


@pytest.mark.parametrize("shape, grad_shape", [((3, 1), (2, 3, 4)), ((4,), (5, 4)), ((), (2, 2))])
def test_gradient_of_the_broadcast_shape_is_summed_back(shape, grad_shape):
    grads = []
    for lib in (reograd, torch):
        x = lib.ones(shape, dtype=lib.float64, requires_grad=True)
        _functions(lib, grad_shape).apply(x).sum().backward()
        grads.append(np.asarray(x.grad.detach().numpy()))
    np.testing.assert_array_equal(grads[0], grads[1])


def test_broadcast_reduction_is_differentiable():
    """The engine's reduction is itself an op: double backward through a broadcast product."""
    vals = []
    for lib in (reograd, torch):
        a = lib.tensor([[1.0], [2.0]], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([3.0, 4.0, 5.0], dtype=lib.float64, requires_grad=True)
        (ga,) = lib.autograd.grad((a * b * b).sum(), a, create_graph=True)
        (gb,) = lib.autograd.grad((ga * ga).sum(), b)
        vals.append((ga.detach().numpy(), gb.numpy()))
    for r, t in zip(*vals):
        np.testing.assert_allclose(r, t)
