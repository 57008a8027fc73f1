"""Integer and bool corner cases of arithmetic, against PyTorch: integer powers with negative exponents,
subtraction with bool tensors, ldexp's result type."""
import numpy as np
import pytest

import reograd

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.parity


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8"])
def test_integer_pow_with_negative_exponents(dtype):
    base = np.array([-3, -2, -1, 0, 1, 2, 3, -1, 1]).astype(dtype)
    exp = np.array([2, -2, 3, -1, -5, -7, 1, -4, -2]).astype("int64")
    got = reograd.pow(reograd.tensor(base), reograd.tensor(exp))
    want = torch.pow(torch.tensor(base), torch.tensor(exp))
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    # hand-checked: 1^-5 = 1, 2^-7 -> 0, (-1)^-4 = 1 (for uint8, -1 is 255: 255^-4 -> 0)
    assert got.numpy()[4] == 1 and got.numpy()[5] == 0 and got.numpy()[7] == (0 if dtype == "uint8" else 1)


def test_integer_pow_negative_scalar_exponent_is_an_error():
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        reograd.pow(reograd.tensor([1, 2]), -1)


@pytest.mark.parametrize("expr", [lambda t: t.tensor([True]) - 1, lambda t: 1 - t.tensor([True]),
                                  lambda t: t.tensor([1.0]) - True, lambda t: t.tensor([True]) - t.tensor([2.0]),
                                  lambda t: t.tensor([True]) - t.tensor([False])])
def test_subtraction_with_bool_raises_like_torch(expr):
    with pytest.raises(RuntimeError) as theirs:
        expr(torch)
    with pytest.raises(RuntimeError) as ours:
        expr(reograd)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("d1,d2", [("float32", "int64"), ("int64", "int32"), ("float16", "int32"),
                                   ("float32", "float64"), ("int32", "float16")])
def test_ldexp_matches_torch(d1, d2):
    x = np.array([1, -3, 5, 0]).astype(d1)
    e = np.array([2, -1, 0, 7]).astype(d2)
    got = reograd.ldexp(reograd.tensor(x), reograd.tensor(e))
    want = torch.ldexp(torch.tensor(x), torch.tensor(e))
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy())


def test_ldexp_gradient():
    x = reograd.tensor([0.5, -1.5, 2.0], dtype=reograd.float64, requires_grad=True)
    e = reograd.tensor([3, -2, 0])
    assert reograd.autograd.gradcheck(lambda a: reograd.ldexp(a, e), (x,))
    reograd.ldexp(x, e).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 0.25, 1.0])
