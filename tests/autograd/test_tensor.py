"""The Tensor data model: dtypes, promotion, construction, conversions, printing — against PyTorch's behaviour."""
import copy
import pickle

import numpy as np
import pytest

import reograd

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def test_default_dtypes_follow_pytorch():
    assert reograd.tensor(1.5).dtype is reograd.float32
    assert reograd.tensor(1).dtype is reograd.int64
    assert reograd.tensor(True).dtype is reograd.bool
    assert reograd.tensor([1, 2.5]).dtype is reograd.float32
    assert reograd.tensor(np.array([1.0])).dtype is reograd.float64   # numpy keeps its dtype
    assert reograd.Tensor([1, 2]).dtype is reograd.float32            # Tensor(data) is always float
    assert reograd.zeros(2).dtype is reograd.float32
    assert reograd.arange(3).dtype is reograd.int64
    assert reograd.arange(0, 1, 0.5).dtype is reograd.float32
    assert reograd.full((2,), 7).dtype is reograd.int64


def test_dtype_and_device_objects_print_and_compare():
    assert repr(reograd.float32) == "reograd.float32"
    assert reograd.float is reograd.float32 and reograd.long is reograd.int64 and reograd.double is reograd.float64
    assert reograd.device("cpu") == reograd.device("cpu") == "cpu"
    assert repr(reograd.device("cpu")) == "device(type='cpu')"
    assert str(reograd.device("cuda:1")) == "cuda:1"
    assert reograd.tensor([1.0]).device == reograd.device("cpu")
    assert reograd.float32.is_floating_point and not reograd.int64.is_floating_point
    assert reograd.float32.itemsize == 4


@pytest.mark.parametrize("a,b", [("int64", "float16"), ("uint8", "int8"), ("int32", "int64"), ("bool", "int8"),
                                 ("float32", "float64"), ("bool", "float32"), ("int8", "int16")])
def test_promote_types_matches_torch(a, b):
    r = reograd.promote_types(getattr(reograd, a), getattr(reograd, b))
    if torch is not None:
        assert r.name == str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[1]
    else:
        assert r is not None


@pytest.mark.parity
@pytest.mark.parametrize("make", [
    lambda t: t.tensor([1, 2], dtype=t.int32) * 2,
    lambda t: t.tensor([1, 2]) * 2.5,
    lambda t: t.tensor([1, 2], dtype=t.uint8) + t.tensor([1, 2], dtype=t.int8),
    lambda t: t.tensor([1.0, 2.0]) * t.tensor(3.0, dtype=t.float64),
    lambda t: t.tensor([1, 2]) * t.tensor(3.0, dtype=t.float64),
    lambda t: t.tensor([True, False]) + 1,
    lambda t: t.tensor([1, 2]) / 2,
    lambda t: t.tensor([1.0], dtype=t.float16) * 3.0,
    lambda t: t.tensor([1, 2], dtype=t.int32) * np.float64(2.0),
])
def test_result_dtype_parity(make):
    r, t = make(reograd), make(torch)
    assert r.dtype.name == str(t.dtype).split(".")[1]
    np.testing.assert_allclose(r.numpy().astype(float), t.numpy().astype(float))


@pytest.mark.parity
@pytest.mark.parametrize("data", [
    [1.0, 2.5, 3.0], [[1, 2], [3, 4]], 3.0, 2, [1.0, 2.0], [True, False], [1e-5, 1.0], [1e10, 1.0],
    [[1.5, -2.25], [100.0, 0.001]], [float("nan"), 1.0, float("inf")], np.arange(12.0).reshape(3, 4) / 7,
])
def test_repr_matches_pytorch(data):
    if isinstance(data, np.ndarray):
        data = data.astype(np.float32)
    r = repr(reograd.tensor(data)).replace("reograd.", "torch.")
    t = repr(torch.tensor(data))
    assert r == t


@pytest.mark.parity
def test_repr_suffixes_match_pytorch():
    for make in [lambda t: t.ones(2, dtype=t.float64), lambda t: t.ones(2, requires_grad=True),
                 lambda t: t.ones(2, requires_grad=True) * 2, lambda t: t.zeros(2, 3, dtype=t.int32),
                 lambda t: t.tensor([], dtype=t.int64)]:
        assert repr(make(reograd)).replace("reograd.", "torch.") == repr(make(torch))


def test_typed_constructors_and_isinstance():
    x = reograd.FloatTensor([1, 2])
    assert x.dtype is reograd.float32 and isinstance(x, reograd.Tensor) and isinstance(x, reograd.FloatTensor)
    assert not isinstance(x, reograd.LongTensor)
    assert reograd.LongTensor([1, 2]).dtype is reograd.int64
    assert reograd.BoolTensor([1, 0]).dtype is reograd.bool
    assert reograd.Tensor(2, 3).shape == (2, 3)
    assert x.type() == "reograd.FloatTensor"
    assert x.type(reograd.float64).dtype is reograd.float64


def test_metadata_and_conversions():
    x = reograd.arange(6.0).reshape(2, 3)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert repr(x.shape) == "reograd.Size([2, 3])"
    assert x.dim() == 2 == x.ndim and x.numel() == 6 and len(x) == 2
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert reograd.tensor(3.5).item() == 3.5
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    assert np.asarray(x).shape == (2, 3)
    assert [r.tolist() for r in x] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2)
    assert x.float().dtype is reograd.float32 and x.double().dtype is reograd.float64
    assert x.long().dtype is reograd.int64 and x.int().dtype is reograd.int32 and x.bool().dtype is reograd.bool
    assert x.half().dtype is reograd.float16
    assert x.to(reograd.float64).dtype is reograd.float64 and x.to("cpu") is x
    assert x.is_contiguous() and not x.T.is_contiguous() and x.T.contiguous().is_contiguous()
    assert float(reograd.tensor(2.5)) == 2.5 and int(reograd.tensor(3)) == 3
    assert x.stride() == (3, 1)


def test_numpy_refuses_tensor_requiring_grad():
    x = reograd.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]


def test_from_numpy_shares_memory_and_tensor_copies():
    a = np.zeros(3, dtype=np.float32)
    t = reograd.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 5
    c = reograd.tensor(a)
    a[1] = 7
    assert c[1].item() == 0
    assert reograd.as_tensor(a).numpy() is a


def test_clone_copy_detach_requires_grad_():
    x = reograd.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    z = reograd.zeros(2)
    z.copy_(reograd.tensor([3, 4]))
    assert z.tolist() == [3.0, 4.0] and z.dtype is reograd.float32
    w = reograd.zeros(2, 3)
    w.copy_(reograd.tensor([1.0, 2.0, 3.0]))  # broadcast
    assert w.tolist() == [[1, 2, 3], [1, 2, 3]]
    v = reograd.ones(2).requires_grad_()
    assert v.requires_grad
    d = copy.deepcopy(v)
    assert d.requires_grad and d is not v


def test_copy_into_leaf_flows_gradient_to_source():
    src = reograd.tensor([1.0, 2.0], requires_grad=True)
    dst = reograd.zeros(2)
    dst.copy_(src * 2)
    dst.sum().backward()
    assert src.grad.tolist() == [2.0, 2.0]


def test_pickle_round_trip():
    x = reograd.tensor([[1.0, 2.0]], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == x.tolist() and y.requires_grad


def test_new_methods():
    x = reograd.ones(2, dtype=reograd.float64)
    assert x.new_zeros(3).dtype is reograd.float64 and x.new_zeros(3).shape == (3,)
    assert x.new_ones((2, 2)).shape == (2, 2)
    assert x.new_full((2,), 4).tolist() == [4.0, 4.0]
    assert x.new_tensor([1, 2]).dtype is reograd.float64


def test_creation_functions():
    assert reograd.zeros(2, 3).shape == (2, 3) and reograd.zeros((2, 3)).shape == (2, 3)
    assert reograd.ones_like(reograd.zeros(2, dtype=reograd.int32)).dtype is reograd.int32
    assert reograd.full((2, 2), 1.5).tolist() == [[1.5, 1.5], [1.5, 1.5]]
    assert reograd.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
    np.testing.assert_allclose(reograd.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(reograd.logspace(0, 2, 3).numpy(), [1, 10, 100])
    assert reograd.arange(1, 10, 3).tolist() == [1, 4, 7]
    assert reograd.empty(0).shape == (0,)
    with pytest.raises(RuntimeError, match="negative dimension"):
        reograd.zeros(-1)


def test_random_functions_shapes_ranges_and_seeding():
    reograd.manual_seed(42)
    a = reograd.randn(1000)
    reograd.manual_seed(42)
    b = reograd.randn(1000)
    assert a.tolist() == b.tolist()
    assert abs(a.mean().item()) < 0.15 and abs(a.std().item() - 1) < 0.1 if hasattr(a, "std") else True
    u = reograd.rand(1000)
    assert 0 <= u.min().item() if hasattr(u, "min") else True
    assert (u.numpy() >= 0).all() and (u.numpy() < 1).all()
    r = reograd.randint(3, 7, (500,))
    assert r.dtype is reograd.int64 and set(r.tolist()) == {3, 4, 5, 6}
    assert sorted(reograd.randperm(10).tolist()) == list(range(10))
    n = reograd.normal(2.0, 0.5, size=(2000,))
    assert abs(n.numpy().mean() - 2) < 0.05
    n2 = reograd.normal(reograd.zeros(3), reograd.ones(3))
    assert n2.shape == (3,)
    bern = reograd.bernoulli(reograd.full((2000,), 0.3))
    assert abs(bern.numpy().mean() - 0.3) < 0.05
    m = reograd.multinomial(reograd.tensor([0.0, 1.0, 3.0]), 2000, replacement=True)
    counts = np.bincount(m.numpy(), minlength=3)
    assert counts[0] == 0 and abs(counts[2] / 2000 - 0.75) < 0.05
    m2 = reograd.multinomial(reograd.tensor([1.0, 1.0, 1.0, 0.0]), 3)
    assert sorted(m2.tolist()) == [0, 1, 2]


def test_generator_and_rng_state():
    g = reograd.Generator().manual_seed(1)
    a = reograd.rand(5, generator=g)
    g.manual_seed(1)
    assert reograd.rand(5, generator=g).tolist() == a.tolist()
    state = reograd.get_rng_state()
    x = reograd.rand(3)
    reograd.set_rng_state(state)
    assert reograd.rand(3).tolist() == x.tolist()
    with pytest.raises(RuntimeError):
        reograd.set_rng_state(reograd.tensor([1, 2, 3], dtype=reograd.uint8))


def test_bad_data_errors():
    with pytest.raises(ValueError, match="uneven"):
        reograd.tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        reograd.tensor(["a", "b"])
    with pytest.raises(TypeError):
        reograd.from_numpy([1, 2])
