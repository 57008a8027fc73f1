"""Learning-rate schedulers: the same lr (and momentum) sequences as torch.optim.lr_scheduler over
~100 steps, get_last_lr, state_dict round trips, step(epoch) closed forms and errors."""
import math
import pickle
import warnings

import numpy as np
import pytest

import reograd
import reograd.optim as optim
from reograd.optim import lr_scheduler as rls

try:
    import torch
except ImportError:  # parity tests are skipped by conftest
    torch = None


def _opt(lib, kind="sgd", lrs=(0.1, 0.05)):
    ps = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    groups = [{"params": [ps[0]], "lr": lrs[0]}, {"params": [ps[1]], "lr": lrs[1]}]
    if kind == "sgd":
        return lib.optim.SGD(groups, lr=lrs[0], momentum=0.9)
    return lib.optim.Adam(groups, lr=lrs[0])


def _lin(epoch):
    return 0.95 ** epoch


class _Poly:  # a callable object: its __dict__ goes into state_dict
    def __init__(self):
        self.power = 2

    def __call__(self, epoch):
        return 1.0 / (1 + epoch) ** self.power


SCHEDS = {
    "StepLR": lambda L, o: L.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[10, 30, 30, 60], gamma=0.3),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.97),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=20, eta_min=0.001),
    "CosineAnnealingLR-long": lambda L, o: L.CosineAnnealingLR(o, T_max=100),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=10),
    "CosineAnnealingWarmRestarts-mult": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01),
    "CyclicLR-triangular": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7),
    "CyclicLR-triangular2": lambda L, o: L.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=5,
                                                    step_size_down=9, mode="triangular2"),
    "CyclicLR-exp_range": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.2, step_size_up=6, mode="exp_range",
                                                  gamma=0.98, base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-nomom": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4, cycle_momentum=False),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=101),
    "OneCycleLR-linear": lambda L, o: L.OneCycleLR(o, max_lr=[0.5, 0.2], epochs=10, steps_per_epoch=11,
                                                   anneal_strategy="linear", pct_start=0.25),
    "OneCycleLR-three": lambda L, o: L.OneCycleLR(o, max_lr=0.3, total_steps=120, three_phase=True,
                                                  div_factor=10.0, final_div_factor=100.0),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=30),
    "LinearLR-default": lambda L, o: L.LinearLR(o),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=12),
    "LambdaLR": lambda L, o: L.LambdaLR(o, lr_lambda=_lin),
    "LambdaLR-list": lambda L, o: L.LambdaLR(o, lr_lambda=[_lin, lambda e: 1.0 / (1 + e)]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lr_lambda=lambda e: 0.98),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=40, power=2.0),
    "PolynomialLR-default": lambda L, o: L.PolynomialLR(o),
    "SequentialLR": lambda L, o: L.SequentialLR(o, schedulers=[L.LinearLR(o, start_factor=0.1, total_iters=10),
                                                               L.CosineAnnealingLR(o, T_max=40),
                                                               L.ExponentialLR(o, gamma=0.9)],
                                                milestones=[10, 50]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler([L.ConstantLR(o, factor=0.1, total_iters=5),
                                                         L.ExponentialLR(o, gamma=0.95),
                                                         L.StepLR(o, step_size=20, gamma=0.5)]),
}


def _run(lib, name, steps, kind="sgd"):
    o = _opt(lib, "adam" if name.startswith(("CyclicLR-exp", "OneCycleLR-three")) else kind)
    s = SCHEDS[name](lib.optim.lr_scheduler, o)
    lrs, moms = [s.get_last_lr()], []
    for _ in range(steps):
        o.step()
        s.step()
        lrs.append(s.get_last_lr())
        moms.append([g.get("momentum", g.get("betas", (None,))[0]) for g in o.param_groups])
    return np.array(lrs, dtype=float), np.array(moms, dtype=float), s, o


@pytest.mark.parity
@pytest.mark.parametrize("name", list(SCHEDS))
def test_parity_lr_sequence(name):
    steps = 100
    r_lrs, r_moms, rs, ro = _run(reograd, name, steps)
    t_lrs, t_moms, ts, to = _run(torch, name, steps)
    np.testing.assert_allclose(r_lrs, t_lrs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(r_moms, t_moms, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose([g["lr"] for g in ro.param_groups], [g["lr"] for g in to.param_groups], rtol=1e-12)
    assert rs.last_epoch == ts.last_epoch if hasattr(ts, "last_epoch") else True
    rsd, tsd = rs.state_dict(), ts.state_dict()
    assert set(rsd) == set(tsd)


@pytest.mark.parity
@pytest.mark.parametrize("name", list(SCHEDS))
def test_state_dict_round_trip(name):
    # run 40 steps, save optimizer + scheduler, load into fresh ones, continue: same lrs as an unbroken run
    full, _, _, _ = _run(reograd, name, 80)
    o = _opt(reograd, "adam" if name.startswith(("CyclicLR-exp", "OneCycleLR-three")) else "sgd")
    s = SCHEDS[name](rls, o)
    for _ in range(40):
        o.step()
        s.step()
    sd = s.state_dict()
    osd = o.state_dict()
    if "lambda" not in repr(sd):
        sd = pickle.loads(pickle.dumps(sd))
    o2 = _opt(reograd, "adam" if name.startswith(("CyclicLR-exp", "OneCycleLR-three")) else "sgd")
    s2 = SCHEDS[name](rls, o2)
    o2.load_state_dict(osd)
    s2.load_state_dict(sd)
    lrs = [s2.get_last_lr()]
    for _ in range(40):
        o2.step()
        s2.step()
        lrs.append(s2.get_last_lr())
    np.testing.assert_allclose(np.array(lrs), full[40:], rtol=1e-12)


@pytest.mark.parity
@pytest.mark.parametrize("mode,threshold_mode", [("min", "rel"), ("min", "abs"), ("max", "rel"), ("max", "abs")])
@pytest.mark.parametrize("opts", [dict(), dict(factor=0.5, patience=2, cooldown=3, min_lr=0.004, threshold=0.05),
                                  dict(factor=0.3, patience=0, min_lr=[0.01, 0.001], eps=1e-3)])
def test_parity_reduce_on_plateau(mode, threshold_mode, opts):
    rng = np.random.RandomState(1)
    metrics = np.cumsum(rng.randn(100)) * 0.1 + np.linspace(3, 0, 100) * (1 if mode == "min" else -1)
    res = []
    for lib in (reograd, torch):
        o = _opt(lib)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(o, mode=mode, threshold_mode=threshold_mode, **opts)
        lrs = []
        for m in metrics:
            o.step()
            s.step(float(m))
            lrs.append(s.get_last_lr())
        res.append((np.array(lrs), s.num_bad_epochs, s.best, s.last_epoch, s.cooldown_counter))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12)
    assert res[0][1:] == res[1][1:]


def test_reduce_on_plateau_state_dict_and_metric_tensor():
    o = _opt(reograd)
    s = rls.ReduceLROnPlateau(o, patience=1, factor=0.5)
    for m in [1.0, 2.0, 3.0, 4.0]:
        s.step(reograd.tensor(m))
    assert s.get_last_lr() == [0.05, 0.025]
    s2 = rls.ReduceLROnPlateau(_opt(reograd), mode="max")
    s2.load_state_dict(s.state_dict())
    assert s2.mode == "min" and s2.best == 1.0 and s2.num_bad_epochs == s.num_bad_epochs


@pytest.mark.parity
@pytest.mark.parametrize("name,make", [
    ("StepLR", lambda L, o: L.StepLR(o, step_size=3, gamma=0.5)),
    ("MultiStepLR", lambda L, o: L.MultiStepLR(o, milestones=[2, 5], gamma=0.5)),
    ("ExponentialLR", lambda L, o: L.ExponentialLR(o, gamma=0.9)),
    ("CosineAnnealingLR", lambda L, o: L.CosineAnnealingLR(o, T_max=10)),
    ("CosineAnnealingWarmRestarts", lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)),
    ("PolynomialLR", lambda L, o: L.PolynomialLR(o, total_iters=8, power=1.5)),
    ("LinearLR", lambda L, o: L.LinearLR(o, total_iters=6)),
    ("ConstantLR", lambda L, o: L.ConstantLR(o, total_iters=4)),
])
def test_parity_step_with_epoch(name, make):
    epochs = [1, 2, 5, 3, 7, 0, 11, 4.5] if name == "CosineAnnealingWarmRestarts" else [1, 2, 5, 3, 7, 0, 11]
    out = []
    for lib in (reograd, torch):
        o = _opt(lib)
        s = make(lib.optim.lr_scheduler, o)
        lrs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for e in epochs:
                o.step()
                s.step(e)
                lrs.append(s.get_last_lr())
        out.append(np.array(lrs))
    np.testing.assert_allclose(out[0], out[1], rtol=1e-12)


def test_values_by_formula():
    # independent of torch: closed forms
    o = _opt(reograd, lrs=(1.0, 0.5))
    s = rls.CosineAnnealingLR(o, T_max=10, eta_min=0.1)
    got = [s.get_last_lr()[0]]
    for _ in range(10):
        o.step()
        s.step()
        got.append(s.get_last_lr()[0])
    want = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    o = _opt(reograd, lrs=(1.0, 0.5))
    s = rls.StepLR(o, step_size=2, gamma=0.1)
    seq = []
    for _ in range(6):
        seq.append(s.get_last_lr()[1])
        o.step()
        s.step()
    np.testing.assert_allclose(seq, [0.5, 0.5, 0.05, 0.05, 0.005, 0.005])


def test_initial_lr_and_last_epoch():
    o = _opt(reograd)
    s = rls.ExponentialLR(o, gamma=0.5)
    assert s.last_epoch == 0 and s.base_lrs == [0.1, 0.05] and o.param_groups[0]["initial_lr"] == 0.1
    with pytest.raises(KeyError, match="initial_lr"):
        rls.StepLR(_opt(reograd), step_size=2, last_epoch=3)


def test_warnings_and_errors():
    o = _opt(reograd)
    s = rls.StepLR(o, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        rls.StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        rls.ReduceLROnPlateau(o, factor=1.0)
    with pytest.raises(ValueError, match="mode foo is unknown"):
        rls.ReduceLROnPlateau(o, mode="foo")
    with pytest.raises(ValueError, match="total_steps OR"):
        rls.OneCycleLR(o, max_lr=0.1)
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        s = rls.OneCycleLR(o, max_lr=0.1, total_steps=2)
        for _ in range(3):
            o.step()
            s.step()
    with pytest.raises(ValueError, match="optimizer must support momentum"):
        rls.CyclicLR(reograd.optim.Adagrad([reograd.zeros(1, requires_grad=True)]), 0.01, 0.1)
    with pytest.raises(ValueError, match="Expected positive integer T_0"):
        rls.CosineAnnealingWarmRestarts(o, T_0=0)
    with pytest.raises(ValueError, match="number of milestone"):
        rls.SequentialLR(o, [rls.StepLR(o, 2), rls.StepLR(o, 3)], milestones=[])


def test_tensor_lr_is_updated_in_place():
    p = reograd.zeros(2, requires_grad=True)
    lr = reograd.tensor(0.1)
    o = optim.SGD([p], lr=lr)
    s = rls.StepLR(o, step_size=1, gamma=0.5)
    o.step()
    s.step()
    assert o.param_groups[0]["lr"] is lr and abs(lr.item() - 0.05) < 1e-7
