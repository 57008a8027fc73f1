"""Convolution: conv1d/2d/3d, conv_transpose1d/2d/3d, unfold/fold (gradcheck, gradgradcheck, jvp, torch parity),
output sizes against the notes' rule floor((W - F + 2P)/S) + 1, module init/repr vs torch, and errors."""
import math
import types

import numpy as np
import pytest
from opcases import OpCase, make_tests

import reograd
from reograd.ops.nn import conv as _conv
from reograd.ops.nn import im2col as _im2col

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

RF = types.SimpleNamespace(**{n: getattr(_conv, n) for n in ("conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                                             "conv_transpose2d", "conv_transpose3d")},
                           unfold=_im2col.unfold, fold=_im2col.fold)


def F(lib):
    return RF if lib is reograd else lib.nn.functional


def C(name, fn, args, **kw):
    return OpCase(name, fn, args, **kw)


CASES = [
    C("conv1d", lambda t, x, w, b: F(t).conv1d(x, w, b), [(2, 3, 7), (4, 3, 3), (4,)], id="basic"),
    C("conv1d", lambda t, x, w: F(t).conv1d(x, w, stride=2, padding=2, dilation=2), [(2, 2, 9), (3, 2, 3)],
      id="s2p2d2"),
    C("conv1d", lambda t, x, w: F(t).conv1d(x, w, padding="same"), [(1, 2, 6), (2, 2, 4)], id="same-even"),
    C("conv1d", lambda t, x, w: F(t).conv1d(x, w, groups=2), [(2, 4, 5), (6, 2, 2)], id="groups"),
    C("conv1d", lambda t, x, w: F(t).conv1d(x, w), [(3, 6), (2, 3, 2)], id="unbatched"),
    C("conv2d", lambda t, x, w, b: F(t).conv2d(x, w, b, padding=1), [(2, 3, 5, 4), (4, 3, 3, 3), (4,)], id="p1"),
    C("conv2d", lambda t, x, w: F(t).conv2d(x, w, stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
      [(1, 2, 6, 7), (3, 2, 3, 2)], id="asym"),
    C("conv2d", lambda t, x, w, b: F(t).conv2d(x, w, b, groups=3, padding="same"), [(2, 3, 4, 5), (6, 1, 3, 2), (6,)],
      id="depthwise-same"),
    C("conv2d", lambda t, x, w: F(t).conv2d(x, w, padding="valid", groups=2), [(1, 4, 5, 5), (2, 2, 2, 2)],
      id="valid-groups"),
    C("conv2d", lambda t, x, w: F(t).conv2d(x, w, stride=2), [(2, 3, 5, 5), (2, 3, 1, 1)], id="1x1-s2"),
    C("conv2d", lambda t, x, w: F(t).conv2d(x, w), [(2, 3, 4, 4), (2, 3, 1, 1)], id="1x1"),
    C("conv2d", lambda t, x, w: F(t).conv2d(x, w, stride=3, padding=2), [(2, 4, 4), (2, 2, 3, 3)], id="unbatched"),
    C("conv3d", lambda t, x, w, b: F(t).conv3d(x, w, b, stride=(1, 2, 1), padding=1), [(1, 2, 3, 4, 3),
                                                                                      (2, 2, 2, 2, 2), (2,)]),
    C("conv_transpose1d", lambda t, x, w, b: F(t).conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
      [(2, 3, 4), (3, 2, 3), (2,)]),
    C("conv_transpose1d", lambda t, x, w: F(t).conv_transpose1d(x, w, groups=2, dilation=2), [(1, 4, 3), (4, 1, 2)],
      id="groups-dil"),
    C("conv_transpose2d", lambda t, x, w, b: F(t).conv_transpose2d(x, w, b, stride=2, padding=1),
      [(2, 3, 3, 2), (3, 2, 3, 3), (2,)], id="s2p1"),
    C("conv_transpose2d", lambda t, x, w: F(t).conv_transpose2d(x, w, stride=(2, 3), output_padding=(1, 2),
                                                                 groups=2, dilation=(1, 2)),
      [(1, 4, 2, 3), (4, 1, 2, 2)], id="groups-op"),
    C("conv_transpose2d", lambda t, x, w: F(t).conv_transpose2d(x, w), [(3, 2, 2), (3, 2, 1, 1)], id="1x1-unbatched"),
    C("conv_transpose3d", lambda t, x, w: F(t).conv_transpose3d(x, w, stride=2), [(1, 2, 2, 2, 2), (2, 1, 2, 2, 2)]),
    C("unfold", lambda t, x: F(t).unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), [(2, 2, 4, 5)]),
    C("unfold", lambda t, x: F(t).unfold(x, 2), [(2, 3, 3)], id="unbatched"),
    C("fold", lambda t, x: F(t).fold(x, (4, 5), (2, 2), padding=1, stride=(2, 1)), [(2, 8, 18)]),
    C("fold", lambda t, x: F(t).fold(x, (3, 3), 2, dilation=1), [(4, 4)], id="unbatched"),
]
globals().update(make_tests(CASES))


# ----------------------------------------------------------------------------- output sizes
@pytest.mark.parametrize("W,F_,P,S", [(32, 5, 0, 1), (32, 3, 1, 1), (28, 5, 2, 2), (7, 3, 0, 2), (227, 11, 0, 4),
                                      (10, 4, 1, 3)])
def test_output_size_rule(W, F_, P, S):
    y = _conv.conv2d(reograd.zeros(1, 1, W, W), reograd.zeros(2, 1, F_, F_), stride=S, padding=P)
    o = math.floor((W - F_ + 2 * P) / S) + 1
    assert tuple(y.shape) == (1, 2, o, o)


def test_same_padding_keeps_size():
    for k in (2, 3, 4, 5):
        y = _conv.conv2d(reograd.randn(1, 2, 7, 6), reograd.randn(3, 2, k, k), padding="same", dilation=2)
        assert tuple(y.shape) == (1, 3, 7, 6)


def test_float32_matches_torch():
    pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 8, 9, 9)).astype("float32")
    w = rng.standard_normal((16, 8, 3, 3)).astype("float32")
    y = _conv.conv2d(reograd.tensor(x), reograd.tensor(w), padding=1, stride=2)
    assert y.dtype == reograd.float32
    yt = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding=1, stride=2)
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------- errors
def test_error_channels():
    with pytest.raises(RuntimeError, match=r"conv2d: expected input with 3 channels \(weight shape \[16, 3, 3, 3\]\)"
                                           r", got input of shape \[8, 1, 28, 28\]"):
        _conv.conv2d(reograd.zeros(8, 1, 28, 28), reograd.zeros(16, 3, 3, 3))


def test_error_dims():
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to conv2d".lower()
                       if False else "3D \\(unbatched\\) or 4D \\(batched\\) input to conv2d"):
        _conv.conv2d(reograd.zeros(2, 8, 1, 28, 28), reograd.zeros(16, 1, 3, 3))


def test_error_kernel_too_large():
    with pytest.raises(RuntimeError, match=r"conv2d: kernel size \(5, 5\).*larger than the padded input.*"
                                           r"floor\(\(W - F \+ 2P\)/S\) \+ 1"):
        _conv.conv2d(reograd.zeros(1, 1, 3, 3), reograd.zeros(1, 1, 5, 5))


def test_error_groups():
    with pytest.raises(RuntimeError, match="groups=2"):
        _conv.conv2d(reograd.zeros(1, 3, 5, 5), reograd.zeros(4, 1, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match="groups=3"):
        _conv.conv2d(reograd.zeros(1, 3, 5, 5), reograd.zeros(4, 1, 3, 3), groups=3)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        M.Conv2d(3, 4, 3, groups=2)


def test_error_same_strided():
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided"):
        _conv.conv1d(reograd.zeros(1, 1, 5), reograd.zeros(1, 1, 3), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        _conv.conv_transpose1d(reograd.zeros(1, 1, 5), reograd.zeros(1, 1, 3), stride=2, output_padding=2)


def test_fold_errors():
    with pytest.raises(RuntimeError, match="sliding blocks"):
        reograd.nn.functional.fold(reograd.zeros(1, 4, 5), (3, 3), 2)


# ----------------------------------------------------------------------------- modules
from reograd.nn.modules import conv as M  # noqa: E402


@pytest.mark.parametrize("ctor", [
    "Conv1d(3, 4, 3)", "Conv2d(3, 8, 3, stride=2, padding=1, bias=False)", "Conv2d(4, 4, (3, 5), padding='same', "
    "dilation=2, groups=2, padding_mode='reflect')", "Conv3d(2, 4, 3, padding=(1, 0, 1))", "Conv2d(2, 2, 3, "
    "padding='valid')", "ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)",
    "ConvTranspose1d(2, 4, 2, groups=2, bias=False, dilation=2)", "ConvTranspose3d(2, 2, 2)",
    "Unfold(kernel_size=(2, 3), padding=1)", "Fold(output_size=(4, 5), kernel_size=2, stride=1)"])
def test_module_repr_matches_torch(ctor):
    pytest.importorskip("torch")
    ours = eval("M." + ctor)
    theirs = eval("torch.nn." + ctor)
    assert repr(ours) == repr(theirs)
    for n, p in theirs.named_parameters():
        assert tuple(getattr(ours, n).shape) == tuple(p.shape)


def test_module_default_init_bounds():
    reograd.manual_seed(0)
    m = M.Conv2d(6, 10, 3)
    bound = 1 / math.sqrt(6 * 9)
    w, b = m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(b).max() <= bound
    m.reset_parameters()
    assert not np.allclose(m.weight.detach().numpy(), w)


def test_module_forward_matches_torch():
    pytest.importorskip("torch")
    for ctor, shape in [("Conv2d(3, 4, 3, stride=2, padding=1, groups=1)", (2, 3, 7, 6)),
                        ("Conv1d(4, 4, 3, padding='same', groups=4)", (2, 4, 5)),
                        ("ConvTranspose2d(3, 2, 3, stride=2, padding=1)", (1, 3, 4, 4))]:
        ours, theirs = eval("M." + ctor), eval("torch.nn." + ctor).double()
        ours.weight.data = reograd.tensor(theirs.weight.detach().numpy())
        ours.bias.data = reograd.tensor(theirs.bias.detach().numpy())
        x = np.random.default_rng(0).standard_normal(shape)
        np.testing.assert_allclose(ours(reograd.tensor(x)).detach().numpy(),
                                   theirs(torch.tensor(x)).detach().numpy(), rtol=1e-7, atol=1e-10)


def test_conv_transpose_output_size():
    pytest.importorskip("torch")
    ours, theirs = M.ConvTranspose2d(2, 3, 3, stride=2, padding=1), torch.nn.ConvTranspose2d(2, 3, 3, stride=2,
                                                                                           padding=1)
    y = ours(reograd.zeros(1, 2, 4, 4), output_size=[8, 8])
    assert tuple(y.shape) == tuple(theirs(torch.zeros(1, 2, 4, 4), output_size=[8, 8]).shape) == (1, 3, 8, 8)
    with pytest.raises(ValueError, match="valid sizes range"):
        ours(reograd.zeros(1, 2, 4, 4), output_size=[10, 10])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_modes(mode):
    pytest.importorskip("torch")
    theirs = torch.nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode).double()
    ours = M.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode)
    ours.weight.data = reograd.tensor(theirs.weight.detach().numpy())
    ours.bias.data = reograd.tensor(theirs.bias.detach().numpy())
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 6))
    np.testing.assert_allclose(ours(reograd.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-7, atol=1e-10)
