"""Pooling and resampling: max/avg/adaptive/Lp pooling, max unpooling, interpolate, pixel shuffle
(gradcheck, gradgradcheck, jvp, torch parity incl. double backward), indices and tie rules, module repr, errors."""
import math
import types

import numpy as np
import pytest
from opcases import Arg, Fixed, OpCase, make_tests

import reograd
from reograd.ops.nn import adaptive_pool as _A
from reograd.ops.nn import pooling as _P
from reograd.ops.nn import upsample as _U

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

RF = types.SimpleNamespace(**{n: getattr(m, n) for m in (_P, _A, _U) for n in dir(m)
                              if not n.startswith("_") and callable(getattr(m, n))})


def F(lib):
    return RF if lib is reograd else lib.nn.functional


def distinct(shape, seed=0):
    """Values at least 0.05 apart: max pooling is differentiable there (no ties within eps)."""
    n = math.prod(shape)
    return Fixed(lambda: (np.random.default_rng(seed).permutation(n) * 0.05 - n * 0.025).reshape(shape))


def C(name, fn, args, **kw):
    return OpCase(name, fn, args, **kw)


def sq(y):
    """Square the values (keep indices): these ops are linear in x, so torch's first grads carry a graph
    (through x) while ours are constants; squaring makes double backward depend on x for both."""
    if isinstance(y, tuple):
        return (y[0] * y[0],) + tuple(y[1:])
    return y * y


def S(name, fn, args, **kw):
    return OpCase(name, lambda t, *xs: sq(fn(t, *xs)), args, **kw)


CASES = [
    S("max_pool1d", lambda t, x: F(t).max_pool1d(x, 3, stride=2, padding=1, ceil_mode=True), [distinct((2, 2, 8))]),
    S("max_pool1d", lambda t, x: F(t).max_pool1d(x, 2, dilation=2, return_indices=True), [distinct((2, 7))],
      id="dil-unbatched"),
    S("max_pool2d", lambda t, x: F(t).max_pool2d(x, 2), [distinct((2, 2, 4, 5))]),
    S("max_pool2d", lambda t, x: F(t).max_pool2d(x, (3, 2), stride=(2, 1), padding=1, return_indices=True),
      [distinct((1, 2, 5, 4), 1)], id="overlap-idx"),
    S("max_pool2d", lambda t, x: F(t).max_pool2d(x, 3, stride=2, ceil_mode=True, dilation=(1, 2)),
      [distinct((1, 1, 6, 7), 2)], id="ceil-dil"),
    S("max_pool3d", lambda t, x: F(t).max_pool3d(x, 2, stride=1), [distinct((1, 1, 3, 3, 3))]),
    S("avg_pool1d", lambda t, x: F(t).avg_pool1d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
      [(2, 2, 8)]),
    S("avg_pool1d", lambda t, x: F(t).avg_pool1d(x, 2), [(3, 5)], id="unbatched"),
    S("avg_pool2d", lambda t, x: F(t).avg_pool2d(x, 2), [(2, 2, 4, 5)]),
    S("avg_pool2d", lambda t, x: F(t).avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True), [(1, 2, 6, 5)],
      id="ceil-incl"),
    S("avg_pool2d", lambda t, x: F(t).avg_pool2d(x, (3, 2), stride=(2, 1), padding=(1, 1), count_include_pad=False),
      [(1, 2, 5, 4)], id="excl"),
    S("avg_pool2d", lambda t, x: F(t).avg_pool2d(x, 2, stride=1, padding=1, divisor_override=3), [(1, 1, 3, 3)],
      id="divisor"),
    S("avg_pool3d", lambda t, x: F(t).avg_pool3d(x, 2, stride=1, padding=1, count_include_pad=False),
      [(1, 1, 2, 3, 2)]),
    S("adaptive_avg_pool1d", lambda t, x: F(t).adaptive_avg_pool1d(x, 3), [(2, 2, 7)]),
    S("adaptive_avg_pool2d", lambda t, x: F(t).adaptive_avg_pool2d(x, (3, 2)), [(2, 2, 5, 7)]),
    S("adaptive_avg_pool2d", lambda t, x: F(t).adaptive_avg_pool2d(x, (None, 4)), [(2, 3, 3)], id="none-up"),
    S("adaptive_avg_pool3d", lambda t, x: F(t).adaptive_avg_pool3d(x, (2, 1, 3)), [(1, 2, 3, 4, 5)]),
    S("adaptive_max_pool1d", lambda t, x: F(t).adaptive_max_pool1d(x, 3, return_indices=True), [distinct((2, 2, 7))]),
    S("adaptive_max_pool2d", lambda t, x: F(t).adaptive_max_pool2d(x, (3, 4)), [distinct((2, 2, 5, 7))]),
    S("adaptive_max_pool2d", lambda t, x: F(t).adaptive_max_pool2d(x, 4, return_indices=True),
      [distinct((2, 3, 3), 3)], id="up-unbatched"),
    S("max_unpool1d", lambda t, x: F(t).max_unpool1d(*F(t).max_pool1d(x, 2, return_indices=True), 2),
      [distinct((2, 2, 6))]),
    S("max_unpool2d", lambda t, x: F(t).max_unpool2d(*F(t).max_pool2d(x, 2, stride=2, return_indices=True), 2,
                                                     output_size=(5, 5)), [distinct((1, 2, 5, 5))]),
    C("lp_pool1d", lambda t, x: F(t).lp_pool1d(x, 2, 3, stride=2), [Arg((2, 2, 7), 0.5, 2.0)]),
    C("lp_pool2d", lambda t, x: F(t).lp_pool2d(x, 3.0, (2, 3), ceil_mode=True), [Arg((1, 2, 5, 7), 0.5, 2.0)]),
    C("interpolate", lambda t, x: F(t).interpolate(x, scale_factor=2), [(2, 2, 3)], id="nearest1d"),
    C("interpolate", lambda t, x: F(t).interpolate(x, size=(5, 3)), [(1, 2, 3, 4)], id="nearest2d-size"),
    C("interpolate", lambda t, x: F(t).interpolate(x, scale_factor=(1.5, 0.7), mode="nearest-exact"),
      [(1, 1, 4, 5)], id="nearest-exact"),
    C("interpolate", lambda t, x: F(t).interpolate(x, size=7, mode="linear"), [(2, 2, 4)], id="linear"),
    C("interpolate", lambda t, x: F(t).interpolate(x, scale_factor=1.7, mode="linear", align_corners=True),
      [(2, 1, 4)], id="linear-ac"),
    C("interpolate", lambda t, x: F(t).interpolate(x, size=(4, 5), mode="bilinear"), [(1, 2, 3, 3)], id="bilinear"),
    C("interpolate", lambda t, x: F(t).interpolate(x, scale_factor=(2, 1.5), mode="bilinear", align_corners=True),
      [(1, 2, 3, 2)], id="bilinear-ac"),
    C("interpolate", lambda t, x: F(t).interpolate(x, scale_factor=1.3, mode="bilinear",
                                                   recompute_scale_factor=True), [(1, 1, 4, 4)], id="recompute"),
    C("interpolate", lambda t, x: F(t).interpolate(x, scale_factor=0.6, mode="bilinear"), [(1, 1, 5, 6)],
      id="bilinear-down"),
    C("interpolate", lambda t, x: F(t).interpolate(x, size=(2, 3, 2), mode="trilinear"), [(1, 1, 3, 2, 3)],
      id="trilinear"),
    S("interpolate", lambda t, x: F(t).interpolate(x, size=(2, 3), mode="area"), [(1, 2, 5, 5)], id="area"),
    C("pixel_shuffle", lambda t, x: F(t).pixel_shuffle(x, 2), [(2, 8, 2, 3)]),
    C("pixel_unshuffle", lambda t, x: F(t).pixel_unshuffle(x, 2), [(3, 4, 6)]),
]
globals().update(make_tests(CASES))


def _t(x):
    return reograd.tensor(np.asarray(x, dtype=np.float64))


# ----------------------------------------------------------------------------- semantics
def test_max_pool_ties_first_max_gets_grad():
    pytest.importorskip("torch")
    x = np.array([[[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 1.0, 3.0], [0.0, 0.0, 5.0, 5.0], [0.0, 0.0, 5.0, 5.0]]]])
    xr = reograd.tensor(x, requires_grad=True)
    y, i = _P.max_pool2d(xr, 2, stride=1, return_indices=True)
    y.sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    yt, it = torch.nn.functional.max_pool2d(xt, 2, stride=1, return_indices=True)
    yt.sum().backward()
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    np.testing.assert_array_equal(xr.grad.numpy(), xt.grad.numpy())  # overlapping windows accumulate


def test_max_pool_nan_propagates():
    x = np.zeros((1, 1, 4)); x[0, 0, 2] = np.nan
    y = _P.max_pool1d(_t(x), 2)
    assert np.isnan(y.numpy()[0, 0, 1]) and y.numpy()[0, 0, 0] == 0


@pytest.mark.parametrize("W,F_,P,S,ceil", [(32, 2, 0, 2, False), (7, 3, 1, 2, True), (6, 3, 1, 2, True),
                                           (5, 2, 0, 2, True), (28, 3, 0, 3, False)])
def test_pool_output_size(W, F_, P, S, ceil):
    y = _P.max_pool2d(reograd.zeros(1, 1, W, W), F_, S, P, ceil_mode=ceil)
    num = (W - F_ + 2 * P) / S
    o = (math.ceil(num) if ceil else math.floor(num)) + 1
    if ceil and (o - 1) * S >= W + P:
        o -= 1
    assert tuple(y.shape) == (1, 1, o, o)
    if torch is not None:
        assert tuple(y.shape) == tuple(torch.nn.functional.max_pool2d(torch.zeros(1, 1, W, W), F_, S, P,
                                                                      ceil_mode=ceil).shape)


def test_float32_and_integer_pool():
    pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype("float32")
    for fn, kw in [("max_pool2d", dict(kernel_size=3, stride=2, padding=1)), ("avg_pool2d", dict(kernel_size=2)),
                   ("adaptive_avg_pool2d", dict(output_size=3)), ("interpolate", dict(scale_factor=2,
                                                                                     mode="bilinear"))]:
        a = getattr(RF, fn)(reograd.tensor(x), **kw)
        b = getattr(torch.nn.functional, fn)(torch.tensor(x), **kw)
        assert a.dtype == reograd.float32
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- errors
def test_pool_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        _P.max_pool2d(reograd.zeros(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match=r"max_pool2d: .*output size .* too small"):
        _P.max_pool2d(reograd.zeros(1, 1, 2, 2), 3)
    with pytest.raises(RuntimeError, match="3D \\(unbatched\\) or 4D \\(batched\\)"):
        _P.avg_pool2d(reograd.zeros(4, 4), 2)
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        _P.avg_pool2d(reograd.zeros(1, 1, 4, 4), 2, divisor_override=0)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        _U.interpolate(reograd.zeros(1, 1, 4, 4), size=2, scale_factor=2)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        _U.interpolate(reograd.zeros(1, 1, 4, 4), size=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        _U.interpolate(reograd.zeros(1, 1, 4), size=2, mode="bilinear")
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        _U.pixel_shuffle(reograd.zeros(1, 5, 2, 2), 2)
    with pytest.raises(RuntimeError, match="invalid max index"):
        _P.max_unpool1d(reograd.zeros(1, 1, 2), reograd.tensor([[[0, 9]]]), 2)


# ----------------------------------------------------------------------------- modules
from reograd.nn.modules import pooling as M  # noqa: E402


@pytest.mark.parametrize("ctor", [
    "MaxPool1d(3)", "MaxPool2d(3, stride=2, padding=1, ceil_mode=True)", "MaxPool2d((2, 3), dilation=2)",
    "MaxPool3d(2)", "AvgPool1d(3, 2)", "AvgPool2d(3, stride=2, padding=1)", "AvgPool3d(2)",
    "AdaptiveAvgPool1d(4)", "AdaptiveAvgPool2d((3, None))", "AdaptiveMaxPool2d(2, return_indices=True)",
    "AdaptiveMaxPool1d(3)", "MaxUnpool1d(2)", "MaxUnpool2d(2, stride=2)", "LPPool1d(2, 3)",
    "LPPool2d(1.5, (2, 3), stride=1, ceil_mode=True)", "Upsample(scale_factor=2)",
    "Upsample(size=(4, 5), mode='bilinear', align_corners=True)", "Upsample(scale_factor=(2, 3), mode='nearest')",
    "UpsamplingNearest2d(scale_factor=2)", "UpsamplingBilinear2d(size=5)", "PixelShuffle(3)", "PixelUnshuffle(2)"])
def test_module_repr_matches_torch(ctor):
    pytest.importorskip("torch")
    assert repr(eval("M." + ctor)) == repr(eval("torch.nn." + ctor))


def test_modules_forward():
    pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 4, 6, 6))
    for ctor in ["MaxPool2d(3, stride=2, padding=1)", "AvgPool2d(2)", "AdaptiveAvgPool2d(1)", "AdaptiveMaxPool2d(4)",
                 "LPPool2d(2, 2)", "Upsample(scale_factor=2, mode='bilinear')", "UpsamplingBilinear2d(scale_factor=2)",
                 "PixelShuffle(2)", "PixelUnshuffle(2)"]:
        a = eval("M." + ctor)(reograd.tensor(np.abs(x) if "LP" in ctor else x))
        b = eval("torch.nn." + ctor)(torch.tensor(np.abs(x) if "LP" in ctor else x))
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-7, atol=1e-10, err_msg=ctor)
    pool, unpool = M.MaxPool2d(2, return_indices=True), M.MaxUnpool2d(2)
    y, i = pool(reograd.tensor(x))
    z = unpool(y, i, output_size=(2, 4, 6, 6))
    tp, tu = torch.nn.MaxPool2d(2, return_indices=True), torch.nn.MaxUnpool2d(2)
    np.testing.assert_array_equal(z.numpy(), tu(*tp(torch.tensor(x)), output_size=(2, 4, 6, 6)).numpy())


@pytest.mark.parametrize("k", [2, 3])
def test_block_max_pool_ties_nans_and_nonfinite_grads_match_torch(k):
    """kernel == stride (the non-overlapping fast path): first max in window order wins a tie, the first
    NaN wins a window holding NaNs, and an inf/NaN incoming gradient reaches only the argmax."""
    pytest.importorskip("torch")
    rng = np.random.default_rng(k)
    x = rng.integers(0, 3, size=(2, 3, 3 * k, 3 * k)).astype(np.float64)  # many ties
    x[0, 0, 0, 1] = x[1, 2, k, k + 1] = np.nan
    x[0, 1, 1, 0] = x[0, 1, 0, 1] = np.nan                                  # two NaNs in one window
    g = rng.standard_normal((2, 3, 3, 3))
    g[0, 0, 0, 0], g[1, 1, 2, 2], g[0, 2, 1, 1] = np.inf, -np.inf, np.nan
    xr = reograd.tensor(x, requires_grad=True)
    y, i = _P.max_pool2d(xr, k, return_indices=True)
    y.backward(reograd.tensor(g))
    xt = torch.tensor(x, requires_grad=True)
    yt, it = torch.nn.functional.max_pool2d(xt, k, return_indices=True)
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    np.testing.assert_array_equal(xr.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("k,stride", [(3, 1), (2, 2), (4, 1)])
def test_max_pool_window_with_several_nans_points_at_the_last(k, stride):
    pytest.importorskip("torch")
    x = np.array([[[1.0, np.nan, 2.0, np.nan, 0.0, np.nan, np.nan, 3.0]]])
    y, i = _P.max_pool1d(_t(x), k, stride, return_indices=True)
    yt, it = torch.nn.functional.max_pool1d(torch.tensor(x), k, stride, return_indices=True)
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    np.testing.assert_array_equal(y.numpy(), yt.numpy())


@pytest.mark.parametrize("nd,out", [(1, 3), (1, 5), (2, 1), (2, (2, 3))])
def test_adaptive_max_pool_nans_and_ties_match_torch(nd, out):
    pytest.importorskip("torch")
    rng = np.random.default_rng(nd)
    x = rng.integers(0, 2, size=(2, 2) + (8,) * nd).astype(np.float64)
    x.reshape(-1)[rng.choice(x.size, x.size // 5, replace=False)] = np.nan
    f = "adaptive_max_pool1d" if nd == 1 else "adaptive_max_pool2d"
    y, i = getattr(reograd.nn.functional, f)(_t(x), out, return_indices=True)
    yt, it = getattr(torch.nn.functional, f)(torch.tensor(x), out, return_indices=True)
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    np.testing.assert_array_equal(y.numpy(), yt.numpy())
