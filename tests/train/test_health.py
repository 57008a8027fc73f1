"""HealthMonitor (statistics, sampling, every diagnosis on a network built to show it) and lr_find."""
import math
import warnings

import numpy as np
import pytest

import reograd
import reograd.nn.functional as F
from reograd import nn
from reograd.train import HealthMonitor, TrainingHealthWarning, fit, lr_find


def blobs(n=256, d=10, classes=3, seed=0):
    g = reograd.Generator().manual_seed(seed)
    centers = 3 * reograd.randn(classes, d, generator=g)
    y = reograd.randint(0, classes, (n,), generator=g)
    return centers[y] + reograd.randn(n, d, generator=g), y


def train(model, x, y, steps=30, lr=0.1, every=5, loss_fn=F.cross_entropy, momentum=0.0, **kw):
    mon = HealthMonitor(model, every=every, **kw)
    opt = reograd.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    for s in range(steps):
        idx = reograd.tensor(np.random.default_rng(s).integers(0, len(x), 64))
        out = model(x[idx])
        loss = loss_fn(out, y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        mon.step(loss, output=out, target=y[idx])
    return mon


def kinds(mon):
    return {d.kind for d in mon.diagnose()}


def deep(act, depth=8, width=16, d_in=10, d_out=3, bn=False):
    layers, d = [], d_in
    for _ in range(depth - 1):
        layers += [nn.Linear(d, width)] + ([nn.BatchNorm1d(width)] if bn else []) + [act()]
        d = width
    return nn.Sequential(*layers, nn.Linear(d, d_out))


def test_statistics_by_hand():
    net = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    with reograd.no_grad():
        net[0].bias.copy_(reograd.tensor([0.0, 0.0, -100.0, 0.0, 0.0]))   # unit 2 is dead
    x = reograd.randn(16, 4)
    mon = HealthMonitor(net, every=1)
    opt = reograd.optim.SGD(net.parameters(), lr=0.5)
    w0 = net[2].weight.detach().clone()
    out = net(x)
    loss = out.pow(2).mean()
    opt.zero_grad()
    loss.backward()
    g = net[2].weight.grad.clone()
    opt.step()
    mon.step(loss)
    rec = mon.records[0]
    st = rec["layers"]["1"]
    assert st["kind"] == "relu" and abs(st["dead"] - 0.2) < 1e-12      # 1 of 5 units zero on the whole batch
    fc2 = rec["layers"]["2"]
    np.testing.assert_allclose(fc2["grad_norm"], float(g.norm()), rtol=1e-5)
    np.testing.assert_allclose(fc2["grad_rms"], float(g.norm()) / math.sqrt(10), rtol=1e-5)
    np.testing.assert_allclose(fc2["update_ratio"], float((net[2].weight.detach() - w0).norm() / w0.norm()), rtol=1e-5)
    np.testing.assert_allclose(fc2["update_ratio"], 0.5 * float(g.norm() / w0.norm()), rtol=1e-5)
    assert fc2["input_near_zero"] >= 0.2 and "backprop_rms" in fc2
    assert rec["output_range"] == (float(out.min()), float(out.max()))
    assert mon.layer_names() == ["0", "2"] and mon.order == ["0", "1", "2"]


@pytest.mark.parametrize("kind", ["sigmoid", "tanh", "softsign", "hardtanh"])
def test_saturation_statistics_are_those_of_the_derivative(kind):
    from reograd.train.health import _moments, _saturation

    z = 4 * np.random.default_rng(0).standard_normal(5000)
    a, d = {"sigmoid": (1 / (1 + np.exp(-z)), None), "tanh": (np.tanh(z), None),
            "softsign": (z / (1 + np.abs(z)), None), "hardtanh": (np.clip(z, -1, 1), None)}[kind]
    d = {"sigmoid": a * (1 - a), "tanh": 1 - a * a, "softsign": (1 - np.abs(a)) ** 2,
         "hardtanh": ((a > -1) & (a < 1)) * 1.0}[kind]
    frac, mean_d = _saturation(kind, a, _moments(a, np), 1e-2, np)
    assert frac == pytest.approx((d < 1e-2).mean(), abs=1e-3) and 0.01 < frac < 0.95
    assert mean_d == pytest.approx(d.mean(), rel=1e-6)


def test_sampling_every_k_steps_and_no_hooks_in_between():
    x, y = blobs()
    net = deep(nn.ReLU, depth=3)
    mon = HealthMonitor(net, every=4)
    opt = reograd.optim.SGD(net.parameters(), lr=0.1)
    seen = []
    for s in range(10):
        seen.append(bool(net[0]._forward_hooks))
        with reograd.no_grad():
            net(x[:8])                    # an evaluation pass: never recorded
        loss = F.cross_entropy(net(x[:32]), y[:32])
        opt.zero_grad()
        loss.backward()
        opt.step()
        mon.step(loss)
    assert [r["step"] for r in mon.records] == [0, 4, 8]
    assert seen == [s % 4 == 0 for s in range(10)]
    assert all(r["calls"] == len(mon.order) for r in mon.records)
    assert len(mon.losses) == 10
    mon.close()
    assert not any(m._forward_hooks for m in net.modules())


def test_deep_sigmoid_net_has_vanishing_gradients():
    reograd.manual_seed(0)
    x, y = blobs()
    mon = train(deep(nn.Sigmoid, depth=10), x, y, steps=20)
    diag = {d.kind: d for d in mon.diagnose()}
    assert "vanishing_gradients" in diag
    msg = str(diag["vanishing_gradients"])
    assert "vanishing gradients" in msg and "sigmoid" in msg and "ReLU" in msg and "residual" in msg
    ratio = mon.records[-1]["layers"]["0"]["grad_rms"] / mon.records[-1]["layers"]["18"]["grad_rms"]
    assert ratio < 1e-2
    pytest.importorskip("matplotlib")
    # gradients spanning orders of magnitude: the histograms switch to log10 |g|
    assert mon.plot_histograms().axes[0].get_xlabel() == "log10 |dL/dz|"
    assert mon.plot_histograms(scale="linear").axes[0].get_xlabel() == "dL/dz"


def test_healthy_relu_batchnorm_net_has_no_diagnosis():
    reograd.manual_seed(0)
    x, y = blobs()
    x = (x - x.mean(0)) / x.std(0)
    mon = train(deep(nn.ReLU, depth=6, bn=True), x, y, steps=60, lr=0.05, every=10)
    assert mon.diagnose() == [], [str(d) for d in mon.diagnose()]
    assert "no problems found" in mon.report()


def test_large_weights_saturate_sigmoids():
    reograd.manual_seed(0)
    x, y = blobs()
    net = deep(nn.Sigmoid, depth=4)
    with reograd.no_grad():
        for m in net:
            if isinstance(m, nn.Linear):
                m.weight.normal_(0, 5.0)
    mon = train(net, x, y, steps=10)
    d = next(d for d in mon.diagnose() if d.kind == "saturation")
    assert d.cause == 2 and "saturated" in str(d) and "LeakyReLU" in str(d)


def test_dead_relus():
    x, y = blobs()
    net = deep(nn.ReLU, depth=3)
    with reograd.no_grad():
        net[2].bias.fill_(-50.0)
    mon = train(net, x, y, steps=10)
    d = next(d for d in mon.diagnose() if d.kind == "dead_relus")
    assert d.layers == [2] and "LeakyReLU" in str(d)


def test_tiny_inputs_and_tiny_weights():
    x, y = blobs()
    assert "tiny_inputs" in kinds(train(deep(nn.ReLU, depth=3), 1e-5 * x, y, steps=10))
    net = deep(nn.Tanh, depth=3)
    with reograd.no_grad():
        net[2].weight.mul_(1e-6)
    d = next(d for d in train(net, x, y, steps=10, lr=1e-3).diagnose() if d.kind == "tiny_weights")
    assert d.cause == 3 and d.layers == [2]


def test_inputs_outside_minus_two_two():
    x, y = blobs()
    d = next(d for d in train(deep(nn.ReLU, depth=3), 20 * x, y, steps=5, lr=1e-4).diagnose()
             if d.kind == "input_scale")
    assert 1 in d.layers and "[-2, 2]" in str(d) and "batch norm" in str(d)


def test_output_range_cannot_match_the_target():
    x, _ = blobs()
    t = 10 * reograd.rand(len(x), 1)
    net = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    d = next(d for d in train(net, x, t, steps=10, loss_fn=F.mse_loss).diagnose() if d.kind == "output_range")
    assert d.cause == 5 and "sigmoid" in str(d)


def test_large_learning_rate_warns_and_is_diagnosed():
    x, y = blobs()
    with pytest.warns(TrainingHealthWarning), np.errstate(all="ignore"):
        mon = train(deep(nn.ReLU, depth=4), 50 * x, y, steps=30, lr=5.0, every=2)
    k = kinds(mon)
    assert "updates_too_large" in k or "nonfinite" in k


def test_nan_is_reported_at_once():
    net = nn.Linear(3, 1)
    mon = HealthMonitor(net, every=1)
    x = reograd.tensor([[1.0, float("nan"), 0.0]])
    loss = net(x).sum()
    loss.backward()
    with pytest.warns(TrainingHealthWarning, match="NaN"):
        mon.step(loss)
    assert "nonfinite" in kinds(mon)


def test_stall_at_chance_level():
    x, y = blobs()
    net = nn.Sequential(nn.Linear(10, 3))
    with reograd.no_grad():
        net[0].weight.zero_()
        net[0].bias.zero_()
    mon = train(net, x, y, steps=60, lr=0.0, every=10)
    d = next(d for d in mon.diagnose() if d.kind == "stall")
    assert "chance level is log 3" in str(d)


def test_as_a_trainer_callback(tmp_path):
    pytest.importorskip("matplotlib")
    x, y = blobs()
    data = [(x[i:i + 32], y[i:i + 32]) for i in range(0, len(x), 32)]
    net = deep(nn.Tanh, depth=3)
    mon = HealthMonitor(net, every=3)
    hist = fit(net, data, epochs=2, val_data=data[:2], optimizer=reograd.optim.SGD(net.parameters(), lr=0.1),
               callbacks=[mon], verbose=0)
    assert len(mon.losses) == 16 and [r["step"] for r in mon.records] == list(range(0, 16, 3))
    assert mon.records[0]["output_range"] is not None
    assert hist.trainer.loss_fn is F.cross_entropy          # restored
    assert not any(m._forward_hooks for m in net.modules())
    mon.plot_histograms(tmp_path / "g.png")
    mon.plot_histograms(tmp_path / "a.png", kind="activation")
    mon.plot_convergence(tmp_path / "c.png")
    for f in ("g", "a", "c"):
        assert (tmp_path / f"{f}.png").stat().st_size > 1000
    assert "dL/dW rms" in mon.summary()


def test_errors():
    with pytest.raises(TypeError, match="nn.Module"):
        HealthMonitor(lambda x: x)
    with pytest.raises(ValueError, match="every"):
        HealthMonitor(nn.Linear(2, 2), every=0)
    with pytest.raises(ValueError, match="kind"):
        mon = HealthMonitor(nn.Linear(2, 2))
        mon.plot_histograms(kind="weights")


def test_lr_find_sweeps_restores_and_suggests(tmp_path):
    reograd.manual_seed(0)
    x = reograd.randn(512, 10)
    y = x @ reograd.randn(10, 1) + 0.1 * reograd.randn(512, 1)
    data = [(x[i:i + 64], y[i:i + 64]) for i in range(0, len(x), 64)]
    net = nn.Linear(10, 1)      # least squares: SGD is stable below lr ~ 2 / lambda_max (about 0.1 with momentum)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    res = lr_find(net, data, loss_fn=F.mse_loss, start_lr=1e-5, end_lr=100.0, num_iter=80)
    assert all(reograd.equal(before[k], v) for k, v in net.state_dict().items())
    lrs = np.array(res.lrs)
    assert lrs[0] == pytest.approx(1e-5) and np.all(np.diff(np.log(lrs)) > 0)
    assert res.diverged and lrs[-1] < 100.0                 # the loss blew up before the end of the sweep
    assert 1e-3 < res.suggestion < 0.5
    pytest.importorskip("matplotlib")
    res.plot(tmp_path / "lr.png")
    assert (tmp_path / "lr.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="start_lr"):
        lr_find(net, data, start_lr=1.0, end_lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lin = lr_find(net, data, loss_fn=F.mse_loss, start_lr=1e-4, end_lr=1e-2, num_iter=10, step_mode="linear")
    assert np.allclose(np.diff(lin.lrs), np.diff(lin.lrs)[0])
