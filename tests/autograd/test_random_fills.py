"""The random in-place fills (uniform_, normal_, bernoulli_, exponential_, random_) follow in-place rules:
constants in a graph (zero gradient to the overwritten values), through views too, and the leaf error."""
import numpy as np
import pytest

import reograd

FILLS = [("uniform_", (-1.0, 1.0)), ("normal_", (0.0, 2.0)), ("bernoulli_", (0.3,)), ("exponential_", (2.0,))]


@pytest.mark.parametrize("name,args", FILLS, ids=[f[0] for f in FILLS])
def test_fill_through_a_view_cuts_the_gradient_there(name, args):
    a = reograd.tensor([1.0, 2.0, 3.0, 4.0], dtype=reograd.float64, requires_grad=True)
    b = a * 3
    getattr(b[1:3], name)(*args)
    assert b.grad_fn.name() == "CopySlices"
    (b * b).sum().backward()
    # d/da of sum(b^2) = 2 * b * 3 where b kept a's value; 0 where the fill overwrote it
    np.testing.assert_allclose(a.grad.numpy(), [18.0, 0.0, 0.0, 72.0])


@pytest.mark.parametrize("name,args", FILLS, ids=[f[0] for f in FILLS])
def test_fill_keeps_dtype_and_seed(name, args):
    x = reograd.zeros(1000, dtype=reograd.float16)
    reograd.manual_seed(3)
    getattr(x, name)(*args)
    y = reograd.zeros(1000, dtype=reograd.float16)
    reograd.manual_seed(3)
    getattr(y, name)(*args)
    assert x.dtype == reograd.float16 and reograd.equal(x, y) and x.std().item() > 0


def test_fill_of_a_leaf_that_requires_grad_raises_unless_no_grad():
    w = reograd.nn.Linear(3, 2).weight
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.normal_()
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        w[0].uniform_()
    with reograd.no_grad():
        w[0].uniform_(5.0, 6.0)
    assert w.is_leaf and w.grad_fn is None and (w[0] >= 5).all()


def test_random_integers_in_range():
    i = reograd.zeros(500, dtype=reograd.int64)
    i.random_(3, 7)
    assert i.min().item() >= 3 and i.max().item() <= 6
    i.random_(2)
    assert set(i.tolist()) <= {0, 1}
