"""nn.functional.pad: constant (negative pads crop), reflect, replicate, circular."""
import numpy as np
import pytest

import reograd
from opcases import OpCase, make_tests
from reograd.ops.shape.pad import pad

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def P(p, mode="constant", value=None):
    """The case function: reograd's pad for lib=reograd, torch.nn.functional.pad for torch.

    The input is squared first so that the first gradient depends on it (pad is linear) and the
    double-backward parity has something to compare (torch's reflect/replicate backward records a graph).
    """
    def fn(lib, a):
        f = pad if lib is reograd else lib.nn.functional.pad
        a = a * a
        return f(a, p, mode) if value is None else f(a, p, mode, value)
    return fn


CASES = [
    OpCase("pad", P((1, 2)), [(2, 3)]),
    OpCase("pad", P((1, 0, 2, 1), value=1.5), [(2, 3)], id="value"),
    OpCase("pad", P((1, 1, 0, 0, 2, 0)), [(2, 2, 3)], id="3dims"),
    OpCase("pad", P((-1, 2, 1, -1)), [(3, 4)], id="negative"),
    OpCase("pad", P((0, 0)), [(3,)], id="zero"),
    OpCase("pad", P((1, 2), "reflect"), [(2, 4)], id="reflect1d"),
    OpCase("pad", P((2, 1, 1, 2), "reflect"), [(1, 2, 3, 4)], id="reflect2d"),
    OpCase("pad", P((1, 1, 2, 0, 1, 1), "reflect"), [(1, 2, 3, 3)], id="reflect3d"),
    OpCase("pad", P((3, 2), "replicate"), [(1, 2, 3)], id="replicate1d"),
    OpCase("pad", P((1, 2, 2, 1), "replicate"), [(2, 3, 2)], id="replicate2d"),
    OpCase("pad", P((1, 0, 0, 2, 1, 1), "replicate"), [(1, 1, 2, 2, 3)], id="replicate3d"),
    OpCase("pad", P((2, 3), "circular"), [(1, 2, 3)], id="circular1d"),
    OpCase("pad", P((1, 2, 3, 0), "circular"), [(1, 3, 4)], id="circular2d"),
    OpCase("pad", P((-1, 2), "replicate"), [(1, 2, 5)], id="replicate_crop"),
    OpCase("pad", P((-1, 2), "reflect"), [(1, 2, 5)], id="reflect_crop"),
    OpCase("pad", P((1, -2), "circular"), [(1, 2, 5)], id="circular_crop"),
]
globals().update(make_tests(CASES))


def test_pad_errors():
    x = reograd.zeros(2, 2, 5)
    with pytest.raises(RuntimeError, match="divisible by 2"):
        pad(x, (1, 2, 3))
    with pytest.raises(RuntimeError, match="less than or equal to two times"):
        pad(x, (1,) * 8)
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
        pad(x, (1, 1), mode="foo")
    with pytest.raises(RuntimeError, match="doesn't take in value"):
        pad(x, (1, 1), mode="reflect", value=1.0)
    with pytest.raises(RuntimeError, match="Padding size should be less than"):
        pad(x, (5, 2), mode="reflect")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        pad(x, (6, 2), mode="circular")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D"):
        pad(reograd.zeros(5), (1, 1), mode="reflect")
    with pytest.raises(NotImplementedError, match="Padding size 4 is not supported for 2D"):
        pad(reograd.zeros(2, 5), (1, 1, 1, 1), mode="replicate")
    with pytest.raises(RuntimeError):
        pad(x, (-3, -3))


@pytest.mark.skipif(torch is None, reason="torch is not installed")
def test_pad_values_and_dtypes():
    a = np.arange(10).reshape(1, 2, 5)
    for args in [((1, 1), "constant", 2.5), ((2, 1), "replicate", None), ((1, 3), "circular", None),
                 ((5, 5), "circular", None), ((1, 1), "replicate", 0.0), ((2, 2, 1, 1), "constant", None)]:
        for dt in (np.int64, np.float32):
            x = a.astype(dt)
            kw = {} if args[2] is None else {"value": args[2]}
            if np.issubdtype(dt, np.integer) and args[1] != "constant":
                continue  # torch's non-constant pads are float-only
            r = pad(reograd.tensor(x), args[0], args[1], **kw)
            t = torch.nn.functional.pad(torch.tensor(x), args[0], args[1], **kw)
            assert str(r.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
            np.testing.assert_array_equal(r.numpy(), t.numpy())


def test_pad_constant_crop_backward():
    x = reograd.randn(3, 4, dtype=reograd.float64, requires_grad=True)
    y = pad(x, (-1, 1))
    y.sum().backward()
    assert np.all(x.grad.numpy()[:, 0] == 0) and np.all(x.grad.numpy()[:, 1:] == 1)
