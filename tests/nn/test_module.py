"""Module API: registration, traversal, state_dict, modes, hooks, repr — against PyTorch where possible."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import reograd
import reograd.nn as nn

torch = pytest.importorskip("torch")


def build(lib):
    """The same small model in reograd and torch (same module tree)."""
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(4, 3)
            self.bn = lib.nn.BatchNorm1d(3)
            self.register_buffer("scale", lib.ones(3))
            self.register_buffer("tmp", lib.zeros(2), persistent=False)

        def forward(self, x):
            return self.bn(self.fc(x)) * self.scale

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.layers = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.Dropout(0.2), lib.nn.Linear(3, 2))
            self.heads = lib.nn.ModuleDict({"a": lib.nn.Linear(2, 1), "b": lib.nn.Identity()})
            self.extra = lib.nn.Parameter(lib.zeros(5))

        def forward(self, x):
            return self.heads["a"](self.layers(self.block(x)))

    return Net()


def test_named_members_match_torch():
    r, t = build(reograd), build(torch)
    assert [n for n, _ in r.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in r.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in r.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in r.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in r.named_parameters(prefix="m", recurse=True)] == \
        [n for n, _ in t.named_parameters(prefix="m")]
    assert [n for n, _ in r.named_parameters(recurse=False)] == ["extra"]
    assert [n for n, _ in r.named_modules(prefix="root")] == [n for n, _ in t.named_modules(prefix="root")]


def test_state_dict_keys_shapes_and_repr_match_torch():
    r, t = build(reograd), build(torch)
    rs, ts = r.state_dict(), t.state_dict()
    assert isinstance(rs, OrderedDict)
    assert list(rs) == list(ts)
    for k in rs:
        assert tuple(rs[k].shape) == tuple(ts[k].shape), k
        assert str(rs[k].dtype).split(".")[1] == str(ts[k].dtype).split(".")[1], k
    assert "block.tmp" not in rs
    assert repr(r) == repr(t)
    assert list(r.state_dict(prefix="p.")) == list(t.state_dict(prefix="p."))


def test_state_dict_values_share_memory_and_keep_vars():
    m = nn.Linear(2, 2)
    sd = m.state_dict()
    assert not sd["weight"].requires_grad
    assert np.shares_memory(sd["weight"].numpy(), m.weight.detach().numpy())
    assert m.state_dict(keep_vars=True)["weight"] is m.weight


def test_load_state_dict_roundtrip_from_torch():
    r, t = build(reograd), build(torch)
    sd = OrderedDict((k, reograd.tensor(v.numpy())) for k, v in t.state_dict().items())
    res = r.load_state_dict(sd)
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"
    for (k, v), (k2, v2) in zip(r.state_dict().items(), t.state_dict().items()):
        np.testing.assert_array_equal(v.numpy(), v2.numpy())
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    r.eval(), t.eval()
    np.testing.assert_allclose(r(reograd.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_load_state_dict_errors_like_torch():
    m = nn.Linear(4, 2)
    sd = nn.Linear(4, 3).state_dict()
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert msg.startswith("Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param "
                          "with shape [3, 4] from checkpoint, the shape in current model is [2, 4].")
    sd = m.state_dict()
    del sd["bias"]
    sd["foo"] = reograd.zeros(1)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    tm = torch.nn.Linear(4, 2)
    tsd = tm.state_dict()
    del tsd["bias"]
    tsd["foo"] = torch.zeros(1)
    with pytest.raises(RuntimeError) as te:
        tm.load_state_dict(tsd)
    assert str(e.value) == str(te.value)
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["foo"]
    with pytest.raises(TypeError):
        m.load_state_dict([1, 2])


def test_load_state_dict_copies_in_place_and_assign():
    m = nn.Linear(2, 2)
    w = m.weight
    m.load_state_dict({"weight": reograd.ones(2, 2), "bias": reograd.zeros(2)})
    assert m.weight is w and float(w.sum()) == 4
    new = {"weight": reograd.full((2, 2), 3.0), "bias": reograd.zeros(2)}
    m.load_state_dict(new, assign=True)
    assert m.weight is not w and isinstance(m.weight, nn.Parameter) and float(m.weight.sum()) == 12


def test_batchnorm_old_checkpoint_without_num_batches_tracked():
    bn = nn.BatchNorm1d(3)
    sd = bn.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata = {"": {"version": 1}}
    bn.load_state_dict(sd)


def test_setattr_registration_and_errors():
    m = nn.Module()
    m.w = nn.Parameter(reograd.zeros(2))
    m.sub = nn.Linear(1, 1)
    m.register_buffer("b", reograd.zeros(1))
    m.plain = 3
    assert set(m._parameters) == {"w"} and set(m._modules) == {"sub"} and set(m._buffers) == {"b"}
    with pytest.raises(TypeError, match=r"cannot assign 'reograd.FloatTensor' as parameter 'w' "
                                        r"\(torch.nn.Parameter or None expected\)"):
        m.w = reograd.zeros(2)
    m.w = None
    assert m.w is None and "w" in m._parameters
    with pytest.raises(TypeError, match="as child module 'sub'"):
        m.sub = 3
    m.b = reograd.ones(1)  # a tensor assigned to a buffer name stays a buffer
    assert float(m._buffers["b"]) == 1
    with pytest.raises(KeyError, match="already exists"):
        m.register_parameter("plain", None)
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", None)
    with pytest.raises(TypeError, match="object to parameter"):
        m.register_parameter("p", reograd.zeros(1))
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        m.nope
    m.nb = nn.Buffer(reograd.zeros(1), persistent=False)
    assert "nb" in m._buffers and "nb" not in m.state_dict()
    del m.sub
    assert "sub" not in m._modules
    assert "w" in dir(m) and "b" in dir(m)


def test_setattr_before_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(reograd.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_parameter_basics():
    t = reograd.zeros(3)
    p = nn.Parameter(t)
    assert p.requires_grad and isinstance(p, reograd.Tensor) and p.is_leaf
    p.detach()._data[0] = 5
    assert float(t[0]) == 5  # shares data
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([5.0, 0.0, 0.0])))
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad and not np.shares_memory(q._data, p._data)
    assert not nn.Parameter(reograd.zeros(1), requires_grad=False).requires_grad
    r = pickle.loads(pickle.dumps(p))
    assert isinstance(r, nn.Parameter) and float(r[0]) == 5
    assert nn.Parameter().shape == (0,)


def test_parameters_dedup_shared():
    m = nn.Module()
    m.a = nn.Linear(2, 2)
    m.b = m.a
    assert len(list(m.parameters())) == 2
    assert len(list(m.named_parameters(remove_duplicate=False))) == 4
    assert [n for n, _ in m.named_modules()] == ["", "a"]


def test_train_eval_requires_grad_zero_grad_apply():
    r = build(reograd)
    r.eval()
    assert all(not m.training for m in r.modules())
    r.train()
    assert all(m.training for m in r.modules())
    r.requires_grad_(False)
    assert all(not p.requires_grad for p in r.parameters())
    r.requires_grad_(True)
    x = reograd.randn(5, 4)
    r(x).sum().backward()
    assert r.block.fc.weight.grad is not None
    r.zero_grad(set_to_none=False)
    assert float(r.block.fc.weight.grad.abs().sum()) == 0
    r.zero_grad()
    assert r.block.fc.weight.grad is None
    seen = []
    r.apply(lambda m: seen.append(type(m).__name__))
    t = build(torch)
    tseen = []
    t.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen


def test_to_dtype_keeps_parameter_identity():
    m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    w = m[0].weight
    m.double()
    assert m[0].weight is w and w.dtype == reograd.float64
    assert m[1].running_mean.dtype == reograd.float64
    assert m[1].num_batches_tracked.dtype == reograd.int64
    m.to(reograd.float32)
    assert w.dtype == reograd.float32
    m.to("cpu")
    m.half().float()
    assert m(reograd.randn(3, 2)).dtype == reograd.float32
    with pytest.raises(TypeError, match="floating point"):
        m.to(reograd.int64)


def test_forward_hooks():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    y = m(reograd.ones(1, 2))
    np.testing.assert_allclose(y.detach().numpy(), m.bias.detach().numpy()[None] + 1, rtol=1e-6)
    assert calls == [(1, 2)]
    h1.remove(), h2.remove()
    m(reograd.ones(1, 2))
    assert len(calls) == 1
    h = m.register_forward_pre_hook(lambda mod, args, kwargs: (args, kwargs), with_kwargs=True)
    h3 = m.register_forward_hook(lambda mod, args, kwargs, out: out * 0, with_kwargs=True)
    assert float(m(reograd.ones(1, 2)).abs().sum()) == 0
    h.remove(), h3.remove()
    order = []
    m.register_forward_hook(lambda *a: order.append(1))
    m.register_forward_hook(lambda *a: order.append(0), prepend=True)
    m(reograd.ones(1, 2))
    assert order == [0, 1]


def test_full_backward_hook_against_torch():
    x = np.random.default_rng(0).standard_normal((3, 2))
    res = {}
    for lib in (reograd, torch):
        m = lib.nn.Linear(2, 2).double()
        with lib.no_grad():
            m.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64))
        got = []
        m.register_full_backward_hook(lambda mod, gi, go: got.append((gi, go)) or (gi[0] * 2,))
        xi = lib.tensor(x, requires_grad=True)
        m(xi).sum().backward()
        res[lib.__name__] = (got, xi.grad.detach().numpy())
    (rg, rx), (tg, tx) = res["reograd"], res["torch"]
    np.testing.assert_allclose(rx, tx)
    np.testing.assert_allclose(rg[0][0][0].numpy(), tg[0][0][0].numpy())
    np.testing.assert_allclose(rg[0][1][0].numpy(), tg[0][1][0].numpy())


def test_repr_nested_and_containers_match_torch():
    def make(lib):
        n = lib.nn
        return n.Sequential(OrderedDict([
            ("conv", n.Sequential(n.Linear(2, 3, bias=False), n.Flatten(), n.Unflatten(1, (3, 1)))),
            ("list", n.ModuleList([n.Linear(1, 1), n.Linear(1, 1), n.Dropout(0.3), n.Linear(1, 1)])),
            ("emb", n.Embedding(10, 3, padding_idx=0)),
            ("bil", n.Bilinear(2, 3, 4)),
            ("norms", n.ModuleList([n.LayerNorm([3, 4]), n.GroupNorm(2, 4), n.InstanceNorm2d(3),
                                    n.BatchNorm2d(4, momentum=None, affine=False), n.Dropout2d(), n.AlphaDropout(0.1)])),
            ("params", n.ParameterList([n.Parameter(lib.zeros(2, 3)), n.Parameter(lib.zeros(1))])),
            ("pdict", n.ParameterDict({"a": n.Parameter(lib.zeros(2))})),
            ("empty", n.ModuleList()),
            ("id", n.Identity()),
        ]))

    assert repr(make(reograd)) == repr(make(torch)).replace("torch.", "reograd.")


def test_sequential_indexing_and_mutation():
    s = nn.Sequential(nn.Linear(1, 2), nn.Identity(), nn.Linear(2, 3))
    assert isinstance(s[0], nn.Linear) and isinstance(s[-1], nn.Linear)
    assert len(s[1:]) == 2 and isinstance(s[1:], nn.Sequential)
    del s[1]
    assert list(s._modules) == ["0", "1"]
    s.append(nn.Identity())
    s.insert(0, nn.Identity())
    assert [type(m).__name__ for m in s] == ["Identity", "Linear", "Linear", "Identity"]
    assert s(reograd.ones(4, 1)).shape == (4, 3)
    s2 = s + nn.Sequential(nn.Identity())
    assert len(s2) == 5
    with pytest.raises(IndexError):
        s[10]
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.Identity()).extend([nn.Identity()])
    ml.insert(1, nn.Linear(1, 1))
    assert len(ml) == 4 and len(list(ml.parameters())) == 4
    del ml[0]
    assert list(ml._modules) == ["0", "1", "2"]
    md = nn.ModuleDict([("x", nn.Linear(1, 1))])
    md["y"] = nn.Identity()
    assert list(md.keys()) == ["x", "y"] and "x" in md and len(md) == 2
    md.pop("x")
    assert list(md) == ["y"]


def test_parameter_containers():
    pl = nn.ParameterList([reograd.zeros(2), nn.Parameter(reograd.ones(3))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    pl.append(reograd.zeros(1))
    m = nn.Module()
    m.pl = pl
    assert [n for n, _ in m.named_parameters()] == ["pl.0", "pl.1", "pl.2"]
    pd = nn.ParameterDict({"b": reograd.zeros(1), "a": reograd.zeros(2)})
    assert list(pd.keys()) == ["a", "b"]  # a plain dict is sorted, as in torch
    pd["c"] = reograd.ones(1)
    assert isinstance(pd["c"], nn.Parameter) and "c" in pd and len(pd) == 3
    assert [n for n, _ in pd.named_parameters()] == ["a", "b", "c"]


def test_get_submodule_parameter_buffer():
    r = build(reograd)
    assert r.get_submodule("block.fc") is r.block.fc
    assert r.get_parameter("layers.0.weight") is r.layers[0].weight
    assert r.get_buffer("block.bn.running_mean") is r.block.bn.running_mean
    with pytest.raises(AttributeError):
        r.get_submodule("block.nope")


def test_deepcopy_and_pickle_module():
    r = build(reograd)
    c = copy.deepcopy(r)
    assert c.block.fc.weight is not r.block.fc.weight
    np.testing.assert_array_equal(c.block.fc.weight.detach().numpy(), r.block.fc.weight.detach().numpy())
    s = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    p = pickle.loads(pickle.dumps(s))
    assert list(p.state_dict()) == list(s.state_dict())
    assert isinstance(p[0].weight, nn.Parameter) and p[0].weight.requires_grad
    np.testing.assert_array_equal(p[0].weight.detach().numpy(), s[0].weight.detach().numpy())


def test_forward_not_implemented():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_lazy_linear():
    m = nn.LazyLinear(3)
    y = m(reograd.randn(2, 5))
    assert y.shape == (2, 3) and type(m) is nn.Linear and m.weight.shape == (3, 5)
    assert isinstance(m.weight, nn.Parameter)
