"""Optimizers: parity with torch.optim (100 steps on a small MLP / Rosenbrock), state layout,
state_dict round trips, param-group handling and errors."""
import copy
import pickle

import numpy as np
import pytest

import reograd
import reograd.optim as optim

try:
    import torch
except ImportError:  # parity tests are skipped by conftest
    torch = None

RTOL, ATOL = 1e-4, 1e-5


# ---------------------------------------------------------------------- problems (same ops on both sides)
def _mlp_data():
    rng = np.random.RandomState(0)
    x = rng.randn(8, 3).astype(np.float32)
    y = rng.randn(8, 2).astype(np.float32)
    params = [(rng.randn(3, 5) * 0.5).astype(np.float32), (rng.randn(5) * 0.1).astype(np.float32),
              (rng.randn(5, 2) * 0.5).astype(np.float32), (rng.randn(2) * 0.1).astype(np.float32)]
    return x, y, params


def _mlp_loss(lib, x, y, p):
    h = (x @ p[0] + p[1]).tanh()
    out = h @ p[2] + p[3]
    return ((out - y) ** 2).sum() * 0.125


def _rosen_loss(lib, x, y, p):
    a, b = p[0], p[1]  # a, b: shape (3,)
    return ((1 - a) ** 2 + ((b - a * a) ** 2) * 10.0).sum()


def _rosen_data():
    return None, None, [np.array([-1.2, 0.5, 1.5], np.float32), np.array([1.0, -0.3, 0.8], np.float32)]


PROBLEMS = {"mlp": (_mlp_data, _mlp_loss), "rosen": (_rosen_data, _rosen_loss)}


def _make(lib, arrays, groups):
    ps = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
    if groups is None:
        return ps, ps
    return ps, [dict(g, params=[ps[i] for i in g["params"]]) for g in groups]


def run_pair(name, kwargs, steps=100, problem="mlp", groups=None, closure=False, dtype=np.float32):
    data, loss_fn = PROBLEMS[problem]
    x, y, arrays = data()
    x, y = (None, None) if x is None else (x.astype(dtype), y.astype(dtype))
    arrays = [a.astype(dtype) for a in arrays]
    sign = -1.0 if kwargs.get("maximize") else 1.0  # maximize the negated loss: same (stable) problem
    rp, rspec = _make(reograd, arrays, groups)
    tp, tspec = _make(torch, arrays, groups)
    ropt = getattr(optim, name)(rspec, **kwargs)
    topt = getattr(torch.optim, name)(tspec, **kwargs)
    rx, ry = (None, None) if x is None else (reograd.tensor(x), reograd.tensor(y))
    tx, ty = (None, None) if x is None else (torch.tensor(x), torch.tensor(y))
    for _ in range(steps):
        for opt, ps, lib, xx, yy in ((ropt, rp, reograd, rx, ry), (topt, tp, torch, tx, ty)):
            def clos(opt=opt, ps=ps, lib=lib, xx=xx, yy=yy):
                opt.zero_grad()
                loss = loss_fn(lib, xx, yy, ps) * sign
                loss.backward()
                return loss
            if closure:
                opt.step(clos)
            else:
                clos()
                opt.step()
    return ropt, topt, rp, tp


def assert_params_close(rp, tp, rtol=RTOL, atol=ATOL):
    for a, b in zip(rp, tp):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


def assert_state_close(ropt, topt, rp, tp, rtol=RTOL, atol=ATOL):
    for a, b in zip(rp, tp):
        rs, ts = ropt.state[a], topt.state[b]
        assert set(rs) == set(ts)
        for k in ts:
            if isinstance(ts[k], torch.Tensor):
                assert isinstance(rs[k], reograd.Tensor), k
                assert tuple(rs[k].shape) == tuple(ts[k].shape), k
                np.testing.assert_allclose(rs[k].numpy(), ts[k].numpy(), rtol=rtol, atol=atol, err_msg=k)


CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.02, momentum=0.5, dampening=0.3, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1)),
    ("Adagrad", dict(lr=0.05, maximize=True, eps=1e-6)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, eps=1e-5)),
    ("Adadelta", dict(maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.001, momentum=0.9, centered=True)),
    ("RMSprop", dict(lr=0.001, alpha=0.9, weight_decay=0.1, momentum=0.5, eps=1e-3)),
    ("RMSprop", dict(lr=0.001, centered=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.5)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, betas=(0.8, 0.9))),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, maximize=True)),
]


def _ids(c):
    return c[0] + "-" + "-".join(f"{k}={v}" for k, v in c[1].items())


@pytest.mark.parity
# float64 runs on the MLP only (keeps the suite fast)
@pytest.mark.parametrize("problem,dtype", [("mlp", np.float32), ("rosen", np.float32), ("mlp", np.float64)],
                         ids=["mlp-f32", "rosen-f32", "mlp-f64"])
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_parity_100_steps(case, problem, dtype):
    name, kwargs = case
    kwargs = dict(kwargs)
    tol = dict(rtol=RTOL, atol=ATOL) if dtype == np.float32 else dict(rtol=1e-7, atol=1e-9)
    if name == "RMSprop" and problem == "mlp" and dtype == np.float32:
        # RMSprop divides by sqrt(v) with v -> 0 on coordinates whose gradient vanishes: float32
        # rounding differences between the two autograd engines (~1e-7) grow to ~2e-5 after 100 steps
        # (the float64 run of the same case agrees to 1e-9, so the formula itself matches).
        tol = dict(rtol=1e-3, atol=1e-4)
    if problem == "rosen" and name == "SGD":
        kwargs["lr"] = 0.002  # plain gradient steps on Rosenbrock diverge for lr > ~0.01
    ropt, topt, rp, tp = run_pair(name, kwargs, problem=problem, dtype=dtype)
    assert_params_close(rp, tp, **tol)
    assert_state_close(ropt, topt, rp, tp, **tol)


@pytest.mark.parity
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "NAdam"])
def test_parity_param_groups(name):
    kw = {"SGD": dict(lr=0.05, momentum=0.9), "Adam": dict(lr=0.01), "RMSprop": dict(lr=0.005),
          "NAdam": dict(lr=0.01)}[name]
    groups = [{"params": [0, 1]}, {"params": [2, 3], "lr": kw["lr"] / 3, "weight_decay": 0.1}]
    ropt, topt, rp, tp = run_pair(name, kw, groups=groups)
    assert_params_close(rp, tp)
    assert ropt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


LBFGS_CASES = [  # (problem, kwargs, outer steps)
    ("mlp", dict(lr=0.1), 10),
    ("mlp", dict(lr=0.5, history_size=5), 3),
    ("mlp", dict(line_search_fn="strong_wolfe"), 10),
    ("mlp", dict(line_search_fn="strong_wolfe", history_size=3, max_iter=5), 10),
    ("rosen", dict(lr=0.1), 10),
    ("rosen", dict(lr=0.5, history_size=5), 10),
    ("rosen", dict(line_search_fn="strong_wolfe"), 10),
    ("rosen", dict(line_search_fn="strong_wolfe", history_size=3, max_iter=5, tolerance_change=1e-7), 10),
]


@pytest.mark.parity
@pytest.mark.parametrize("case", LBFGS_CASES, ids=lambda c: f"{c[0]}-{_ids(('', c[1]))}-{c[2]}")
def test_parity_lbfgs_float64(case):
    # float64: every iteration, line-search evaluation and stopping test must agree with torch
    problem, kwargs, steps = case
    ropt, topt, rp, tp = run_pair("LBFGS", dict(kwargs), steps=steps, problem=problem, closure=True,
                                  dtype=np.float64)
    assert_params_close(rp, tp, rtol=1e-7, atol=1e-9)
    rs, ts = ropt.state[rp[0]], topt.state[tp[0]]
    assert (rs["n_iter"], rs["func_evals"]) == (ts["n_iter"], ts["func_evals"])
    assert len(rs["old_dirs"]) == len(ts["old_dirs"])
    np.testing.assert_allclose(rs["d"].numpy(), ts["d"].numpy(), rtol=1e-6, atol=1e-9)


@pytest.mark.parity
@pytest.mark.parametrize("case", [("mlp", dict(lr=0.1), 3), ("rosen", dict(lr=0.1), 3),
                                  ("rosen", dict(line_search_fn="strong_wolfe"), 10),
                                  ("mlp", dict(line_search_fn="strong_wolfe", history_size=3, max_iter=5), 3),
                                  ("rosen", dict(line_search_fn="strong_wolfe", history_size=3, max_iter=5), 3)],
                         ids=lambda c: f"{c[0]}-{_ids(('', c[1]))}-{c[2]}")
def test_parity_lbfgs_float32(case):
    # float32: L-BFGS builds its inverse-Hessian estimate from differences of float32 gradients and
    # takes up to 20 iterations per step, so the ~1e-7 rounding differences between the two autograd
    # engines grow to ~1e-4 within 60 iterations (and, over many steps, can flip a line-search or
    # stopping test). The float64 test above checks the algorithm exactly; here: a few steps at 1e-3.
    problem, kwargs, steps = case
    ropt, topt, rp, tp = run_pair("LBFGS", dict(kwargs), steps=steps, problem=problem, closure=True)
    assert_params_close(rp, tp, rtol=1e-3, atol=1e-3)


# ---------------------------------------------------------------------- state dict
@pytest.mark.parity
@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.05, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                                     ("Adagrad", dict(lr=0.05)), ("NAdam", dict()), ("RMSprop", dict(centered=True)),
                                     ("Adadelta", dict()), ("Adamax", dict()), ("RAdam", dict())])
def test_state_dict_layout_and_round_trip(name, kw):
    ropt, topt, rp, tp = run_pair(name, kw, steps=5)
    rsd, tsd = ropt.state_dict(), topt.state_dict()
    assert rsd["param_groups"] == tsd["param_groups"]
    assert list(rsd["state"]) == list(tsd["state"]) == [0, 1, 2, 3]
    for i in tsd["state"]:
        assert set(rsd["state"][i]) == set(tsd["state"][i])
        for k, v in tsd["state"][i].items():
            np.testing.assert_allclose(rsd["state"][i][k].numpy(), v.numpy(), rtol=RTOL, atol=ATOL)
    # round trip: a fresh optimizer loaded from a (deep-copied, pickled) state dict continues identically
    x, y, _ = _mlp_data()
    rx, ry = reograd.tensor(x), reograd.tensor(y)
    rp2 = [reograd.tensor(p.detach().numpy().copy(), requires_grad=True) for p in rp]
    opt2 = getattr(optim, name)(rp2, lr=123.0)
    opt2.load_state_dict(pickle.loads(pickle.dumps(copy.deepcopy(rsd))))
    assert opt2.param_groups[0]["lr"] == ropt.param_groups[0]["lr"]
    assert opt2.param_groups[0]["params"][0] is rp2[0]
    for opt, ps in ((ropt, rp), (opt2, rp2)):
        for _ in range(3):
            opt.zero_grad()
            _mlp_loss(reograd, rx, ry, ps).backward()
            opt.step()
    for a, b in zip(rp, rp2):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    # loaded state is a copy, not shared with the source optimizer
    s_src, s_new = ropt.state[rp[0]], opt2.state[rp2[0]]
    for k in s_src:
        assert s_src[k] is not s_new[k]


def test_state_dict_step_is_float32_tensor():
    p = reograd.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([p])
    (p * p).sum().backward()
    opt.step()
    st = opt.state[p]["step"]
    assert isinstance(st, reograd.Tensor) and st.dim() == 0 and st.dtype == reograd.float32 and st.item() == 1.0


def test_load_state_dict_errors():
    p, q = reograd.zeros(2, requires_grad=True), reograd.zeros(3, requires_grad=True)
    opt = optim.SGD([p, q], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict({"state": {}, "param_groups": [dict(opt.state_dict()["param_groups"][0], params=[0])]})


def test_load_state_dict_casts_to_param_dtype():
    p = reograd.zeros(2, dtype=reograd.float64, requires_grad=True)
    opt = optim.Adam([p])
    sd = {"state": {0: {"step": reograd.tensor(3.0), "exp_avg": reograd.ones(2), "exp_avg_sq": reograd.ones(2)}},
          "param_groups": opt.state_dict()["param_groups"]}
    opt.load_state_dict(sd)
    assert opt.state[p]["exp_avg"].dtype == reograd.float64
    assert opt.state[p]["step"].dtype == reograd.float32


# ---------------------------------------------------------------------- groups, errors, zero_grad, hooks
def test_constructor_errors():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is"):
        optim.SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(reograd.zeros(2, requires_grad=True), lr=0.1)
    p = reograd.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Adam([p], lr=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(ValueError, match="per-parameter options"):
        optim.LBFGS([{"params": [p]}, {"params": [reograd.zeros(1, requires_grad=True)]}])


def test_add_param_group_and_duplicates():
    p, q = reograd.zeros(2, requires_grad=True), reograd.zeros(3, requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": q, "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([p])


def test_named_params():
    p = reograd.zeros(2, requires_grad=True)
    opt = optim.SGD([("w", p)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w"] and opt.state_dict()["param_groups"][0]["param_names"] == ["w"]


def test_zero_grad():
    p = reograd.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and np.all(p.grad.numpy() == 0)
    opt.zero_grad()
    assert p.grad is None
    opt.step()  # no grad: nothing happens
    np.testing.assert_array_equal(p.detach().numpy(), [1.0, 2.0])


def test_step_hooks_closure_and_version():
    p = reograd.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    v = p._version
    loss = opt.step(closure)
    assert float(loss) == 5.0 and calls == ["pre", "post"]
    assert p._version > v
    np.testing.assert_allclose(p.detach().numpy(), [0.8, 1.6], rtol=1e-6)
    h1.remove()
    opt.step(closure)
    assert calls == ["pre", "post", "post"]


def test_repr_and_defaults():
    p = reograd.zeros(2, requires_grad=True)
    opt = optim.AdamW([p])
    assert opt.defaults["weight_decay"] == 1e-2 and opt.defaults["decoupled_weight_decay"] is True
    r = repr(opt)
    assert r.startswith("AdamW (\nParameter Group 0\n") and "    lr: 0.001\n" in r
    if torch is not None:
        tp = torch.zeros(2, requires_grad=True)
        for name in ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "NAdam", "RAdam", "Adamax", "LBFGS"]:
            ours = getattr(optim, name)([reograd.zeros(2, requires_grad=True)]).param_groups[0]
            theirs = getattr(torch.optim, name)([tp]).param_groups[0]
            assert {k: v for k, v in ours.items() if k != "params"} == \
                {k: v for k, v in theirs.items() if k != "params"}, name


def test_trains_mlp():
    x, y, arrays = _mlp_data()
    ps = [reograd.tensor(a, requires_grad=True) for a in arrays]
    opt = optim.Adam(ps, lr=0.05)
    rx, ry = reograd.tensor(x), reograd.tensor(y)
    first = None
    for _ in range(200):
        opt.zero_grad()
        loss = _mlp_loss(reograd, rx, ry, ps)
        first = first if first is not None else float(loss)
        loss.backward()
        opt.step()
    assert float(loss) < 0.2 * first


@pytest.mark.parity
def test_load_torch_state_dict():
    # a state dict saved by torch.optim loads into the reograd optimizer and continues identically
    ropt, topt, rp, tp = run_pair("Adam", dict(lr=0.01), steps=5)
    p2 = [reograd.tensor(p.detach().numpy().copy(), requires_grad=True) for p in tp]
    opt2 = optim.Adam(p2)
    opt2.load_state_dict(topt.state_dict())
    assert isinstance(opt2.state[p2[0]]["exp_avg"], reograd.Tensor) and opt2.param_groups[0]["lr"] == 0.01
    assert opt2.state[p2[0]]["step"].item() == 5.0


@pytest.mark.parity
@pytest.mark.parametrize("dtype", ["float32", "complex64"])
@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "SGD" or c[1].get("momentum")][::2] +
                         [("SGD", dict(lr=0.1, momentum=0.9))], ids=_ids)
def test_parity_given_gradients(case, dtype):
    # the same sequence of gradients fed to both: isolates the update rule (complex: as (re, im) pairs)
    name, kwargs = case
    rng = np.random.RandomState(3)
    shape = (4, 3)
    init = rng.randn(*shape).astype(dtype) + (1j * rng.randn(*shape) if dtype == "complex64" else 0)
    init = init.astype(dtype)
    rp = reograd.tensor(init.copy(), requires_grad=True)
    tp = torch.tensor(init.copy(), requires_grad=True)
    ropt, topt = getattr(optim, name)([rp], **kwargs), getattr(torch.optim, name)([tp], **kwargs)
    for _ in range(20):
        g = rng.randn(*shape) + (1j * rng.randn(*shape) if dtype == "complex64" else 0)
        g = (g + 0.5 * init).astype(dtype)
        rp.grad = reograd.tensor(g.copy())
        tp.grad = torch.tensor(g.copy())
        ropt.step()
        topt.step()
    np.testing.assert_allclose(rp.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)
