"""Helpers for the explain tests: the same model in reograd and in PyTorch (same weights), to compare with
Captum."""
import warnings

import numpy as np
import pytest

import reograd


def twin(build, eval_mode=False):
    """``build(nn)`` for reograd.nn and torch.nn; the torch model gets the reograd model's state dict."""
    torch = pytest.importorskip("torch")
    from reograd import nn

    ours = build(nn)
    theirs = build(torch.nn)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    if eval_mode:
        ours.eval()
        theirs.eval()
    return ours, theirs


def pair(a, dtype=np.float32):
    """The same array as a reograd tensor and a torch tensor."""
    torch = pytest.importorskip("torch")
    a = np.asarray(a, dtype=dtype)
    return reograd.tensor(a), torch.tensor(a)


def arr(t):
    """A reograd/torch tensor (or tuple of them) as NumPy."""
    if isinstance(t, tuple):
        return tuple(arr(x) for x in t)
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def close(ours, theirs, atol=1e-5, rtol=1e-4):
    if isinstance(ours, tuple):
        assert isinstance(theirs, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            close(a, b, atol, rtol)
        return
    a, b = arr(ours), arr(theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)


def mlp(nn, d_in=5, hidden=8, d_out=3, act="Tanh"):
    return nn.Sequential(nn.Linear(d_in, hidden), getattr(nn, act)(), nn.Linear(hidden, d_out))


def small_cnn(nn):
    """Conv -> ReLU -> Conv -> ReLU -> Flatten -> Linear, for 2x7x8 inputs."""
    return nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU(), nn.Conv2d(4, 3, 3), nn.ReLU(), nn.Flatten(),
                         nn.Linear(3 * 3 * 4, 5))
