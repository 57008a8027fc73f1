"""Optimizer state dicts between PyTorch and reograd: a training saved by PyTorch resumes in reograd with the
same updates, and one saved by reograd (format="torch") resumes in PyTorch with the same updates."""
import io

import numpy as np
import pytest

import reograd

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.parity

OPTIMIZERS = {
    "Adam": dict(lr=1e-2, betas=(0.8, 0.99)),
    "AdamW": dict(lr=1e-2, weight_decay=0.1, amsgrad=True),
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True),
    "RMSprop": dict(lr=1e-2, momentum=0.5, centered=True),
    "Adagrad": dict(lr=0.1),
}


def data(step):
    rng = np.random.default_rng(step)
    return rng.standard_normal((8, 4)).astype(np.float64), rng.standard_normal((8, 2)).astype(np.float64)


def steps(lib, model, opt, start, n):
    for s in range(start, start + n):
        x, y = (lib.from_numpy(a) for a in data(s))
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()


def models():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double()
    rm = reograd.nn.Sequential(reograd.nn.Linear(4, 8), reograd.nn.Tanh(), reograd.nn.Linear(8, 2)).double()
    return tm, rm


def assert_same_params(tm, rm):
    for (name, tp), (_, rp) in zip(tm.named_parameters(), rm.named_parameters()):
        np.testing.assert_allclose(rp.detach().numpy(), tp.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_torch_training_resumes_in_reograd(name, tmp_path):
    tm, rm = models()
    topt = getattr(torch.optim, name)(tm.parameters(), **OPTIMIZERS[name])
    steps(torch, tm, topt, 0, 5)
    torch.save({"model": tm.state_dict(), "optim": topt.state_dict(), "epoch": 5}, tmp_path / "ckpt.pt")

    ckpt = reograd.load(tmp_path / "ckpt.pt")
    rm.load_state_dict(ckpt["model"])
    ropt = getattr(reograd.optim, name)(rm.parameters(), lr=123.0)  # hyper-parameters come from the file
    ropt.load_state_dict(ckpt["optim"])
    assert ropt.param_groups[0]["lr"] == OPTIMIZERS[name]["lr"] and ckpt["epoch"] == 5
    steps(torch, tm, topt, 5, 4)
    steps(reograd, rm, ropt, 5, 4)
    assert_same_params(tm, rm)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_reograd_training_resumes_in_torch(name):
    tm, rm = models()
    ropt = getattr(reograd.optim, name)(rm.parameters(), **OPTIMIZERS[name])
    steps(reograd, rm, ropt, 0, 5)
    buf = io.BytesIO()
    reograd.save({"model": rm.state_dict(), "optim": ropt.state_dict()}, buf, format="torch")
    buf.seek(0)
    ckpt = torch.load(buf, weights_only=True)
    tm.load_state_dict(ckpt["model"])
    topt = getattr(torch.optim, name)(tm.parameters(), lr=123.0)
    topt.load_state_dict(ckpt["optim"])
    steps(reograd, rm, ropt, 5, 4)
    steps(torch, tm, topt, 5, 4)
    assert_same_params(tm, rm)
