"""Datasets, samplers, default_collate and the DataLoader (reograd.utils.data), checked against torch."""
import collections
import time

import numpy as np
import pytest

import reograd
import reograd.utils.data as rdata
from reograd.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler,
                                SequentialSampler, Subset, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                                default_collate, get_worker_info, random_split)

try:
    import torch
    from torch.utils.data import default_collate as torch_collate
except ImportError:  # pragma: no cover
    torch = None


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _same(ours, theirs):
    """Structural equality of a reograd batch and a torch batch (types, dtypes, values)."""
    if hasattr(theirs, "numpy") and type(theirs).__module__.startswith("torch"):
        assert isinstance(ours, reograd.Tensor), type(ours)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(_np(ours), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            _same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours).__name__ == type(theirs).__name__ and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    else:
        assert ours == theirs


Point = collections.namedtuple("Point", "x y")


@pytest.mark.parity
@pytest.mark.parametrize("make", [
    lambda t: [t.tensor([1.0, 2.0]), t.tensor([3.0, 4.0])] if t is torch else
    [reograd.tensor([1.0, 2.0]), reograd.tensor([3.0, 4.0])],
    lambda t: [np.array([1, 2]), np.array([3, 4])],
    lambda t: [np.float32(1), np.float32(2)],
    lambda t: [np.array(1.0), np.array(2.0)],
    lambda t: [1.5, 2.0],
    lambda t: [1, 2],
    lambda t: [True, False],
    lambda t: ["a", "b"],
    lambda t: [(1, "a", 2.0), (2, "b", 3.0)],
    lambda t: [[1, 2], [3, 4]],
    lambda t: [{"x": np.array([1.0]), "y": 1}, {"x": np.array([2.0]), "y": 2}],
    lambda t: [collections.OrderedDict(a=1, b=2.0), collections.OrderedDict(a=3, b=4.0)],
    lambda t: [Point(1, 2.0), Point(3, 4.0)],
    lambda t: [(np.zeros((2, 3), np.uint8), {"k": [1, 2]}), (np.ones((2, 3), np.uint8), {"k": [3, 4]})],
])
def test_default_collate_matches_torch(make):
    _same(default_collate(make(reograd)), torch_collate(make(torch)))


def test_default_collate_errors():
    with pytest.raises(TypeError, match="batch must contain tensors"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="batch must contain tensors"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])


def test_tensor_dataset_and_size_mismatch():
    X, y = reograd.randn(5, 3), reograd.arange(5)
    ds = TensorDataset(X, y)
    assert len(ds) == 5
    x2, y2 = ds[2]
    np.testing.assert_array_equal(x2.numpy(), X.numpy()[2])
    assert y2.item() == 2
    with pytest.raises(ValueError, match=r"Size mismatch.*\[5, 4\]"):
        TensorDataset(X, reograd.arange(4))


def test_concat_subset_add():
    a = TensorDataset(reograd.arange(3))
    b = TensorDataset(reograd.arange(10, 14))
    c = a + b
    assert isinstance(c, ConcatDataset) and len(c) == 7
    assert [c[i][0].item() for i in range(7)] == [0, 1, 2, 10, 11, 12, 13]
    assert c[-1][0].item() == 13
    with pytest.raises(ValueError):
        c[-8]
    s = Subset(c, [6, 0])
    assert [s[i][0].item() for i in range(2)] == [13, 0]


def test_random_split():
    ds = TensorDataset(reograd.arange(10))
    g = reograd.Generator().manual_seed(1)
    a, b = random_split(ds, [7, 3], generator=g)
    assert len(a) == 7 and len(b) == 3
    assert sorted(a.indices + b.indices) == list(range(10))
    a1, b1 = random_split(ds, [7, 3], generator=reograd.Generator().manual_seed(1))
    assert a1.indices == a.indices
    parts = random_split(ds, [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    assert [len(p) for p in random_split(TensorDataset(reograd.arange(11)), [0.5, 0.5])] == [6, 5]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [5, 4])


def test_samplers():
    data = list(range(10))
    assert list(SequentialSampler(data)) == data
    g = reograd.Generator().manual_seed(0)
    perm = list(RandomSampler(data, generator=g))
    assert sorted(perm) == data
    assert list(RandomSampler(data, generator=reograd.Generator().manual_seed(0))) == perm
    r = list(RandomSampler(data, replacement=True, num_samples=50))
    assert len(r) == 50 and all(0 <= i < 10 for i in r)
    chained = list(RandomSampler(data, num_samples=25))  # two permutations and a half
    assert len(chained) == 25 and sorted(chained[:10]) == data and sorted(chained[10:20]) == data
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(data, num_samples=0)
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(data, replacement=1)
    assert sorted(SubsetRandomSampler([3, 5, 7])) == [3, 5, 7]
    w = WeightedRandomSampler([0.0, 0.0, 1.0, 3.0], num_samples=4000)
    counts = np.bincount(list(w), minlength=4)
    assert counts[0] == counts[1] == 0 and 0.7 < counts[3] / 4000 < 0.8
    assert sorted(WeightedRandomSampler([1, 1, 1], 3, replacement=False)) == [0, 1, 2]
    with pytest.raises(ValueError, match="1d"):
        WeightedRandomSampler([[1.0]], 1)
    bs = BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] and len(bs) == 4
    bs = BatchSampler(range(10), batch_size=3, drop_last=True)  # any iterable of indices
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and len(bs) == 3


def test_dataloader_batches_and_len():
    X = reograd.arange(20.0).reshape(10, 2)
    y = reograd.arange(10)
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert isinstance(batches[0], list) and batches[0][0].shape == (4, 2) and batches[2][1].tolist() == [8, 9]
    assert batches[0][1].dtype == reograd.int64
    assert len(DataLoader(TensorDataset(X, y), batch_size=4, drop_last=True)) == 2
    g = reograd.Generator().manual_seed(3)
    sh = [b[1].tolist() for b in DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True, generator=g)]
    flat = sum(sh, [])
    assert sorted(flat) == list(range(10)) and flat != list(range(10))
    sh2 = [b[1].tolist() for b in DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True,
                                             generator=reograd.Generator().manual_seed(3))]
    assert sh2 == sh
    # rows stay paired with their labels
    for xb, yb in DataLoader(TensorDataset(X, y), batch_size=3, shuffle=True):
        np.testing.assert_array_equal(xb.numpy()[:, 0], 2 * yb.numpy())


def test_fast_path_is_one_fancy_index(monkeypatch):
    ds = TensorDataset(reograd.arange(100.0).reshape(50, 2), reograd.arange(50))
    monkeypatch.setattr(TensorDataset, "__getitem__", lambda self, i: pytest.fail("per-sample indexing"))
    # TensorDataset.__getitem__ patched: the default path would call it; the fast path must not
    monkeypatch.setattr(rdata.dataloader, "_tensor_dataset_arrays",
                        lambda d: ([t._data for t in d.tensors], None) if isinstance(d, TensorDataset) else None)
    xb, yb = next(iter(DataLoader(ds, batch_size=50, shuffle=True)))
    assert sorted(yb.tolist()) == list(range(50))


def test_fast_path_subset_of_tensor_dataset():
    ds = TensorDataset(reograd.arange(10) * 10)
    sub = Subset(Subset(ds, [9, 8, 7, 6, 5]), [4, 0])
    (b,) = next(iter(DataLoader(sub, batch_size=2)))
    assert b.tolist() == [50, 90]


def test_sampler_batch_sampler_collate_fn_and_no_batching():
    ds = TensorDataset(reograd.arange(6))
    out = [b[0].tolist() for b in DataLoader(ds, batch_size=2, sampler=[5, 4, 3, 2, 1, 0])]
    assert out == [[5, 4], [3, 2], [1, 0]]
    out = [b[0].tolist() for b in DataLoader(ds, batch_sampler=[[0, 5], [1]])]
    assert out == [[0, 5], [1]]
    out = list(DataLoader(ds, batch_size=4, collate_fn=lambda samples: len(samples)))
    assert out == [4, 2]
    single = list(DataLoader(ds, batch_size=None))
    assert len(single) == 6 and single[3][0].item() == 3 and single[3][0].dim() == 0


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == 13:
            raise KeyError("thirteen")
        return {"x": np.array([i, i * i], dtype=np.float32), "i": i}


def test_dataloader_map_dataset_dicts():
    batch = next(iter(DataLoader(Squares(5), batch_size=5)))
    assert batch["x"].shape == (5, 2) and batch["x"].dtype == reograd.float32
    assert batch["i"].tolist() == [0, 1, 2, 3, 4]


def test_dataloader_argument_errors():
    ds = TensorDataset(reograd.arange(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=-2)
    with pytest.raises(ValueError, match=r"dataset is empty \(len 0\).*TensorDataset"):
        DataLoader(TensorDataset(reograd.zeros(0, 2)), batch_size=2)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers"):
        DataLoader(ds, persistent_workers=True)
    DataLoader(ds, pin_memory=True, num_workers=1, prefetch_factor=4, persistent_workers=True)  # accepted


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def test_iterable_dataset_main_process():
    out = [b.tolist() for b in DataLoader(Stream(7), batch_size=3)]
    assert out == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Stream(7), batch_size=3)) == 3
    assert list(DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]  # default_convert keeps ints
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(3), shuffle=True)
    assert get_worker_info() is None


# ----------------------------------------------------------------- worker processes
class WorkerReport(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return np.array([i, info.id, info.seed % 1000003, reograd.randint(0, 10 ** 6, (1,)).item()])


def test_workers_in_order_seeded_differently():
    loader = DataLoader(WorkerReport(), batch_size=2, num_workers=2)
    rows = np.concatenate([b.numpy() for b in loader])
    assert rows[:, 0].tolist() == list(range(8))  # results in sampler order
    assert set(rows[:, 1].tolist()) == {0, 1}
    seeds = {int(w): int(s) for _, w, s, _ in rows}
    assert seeds[0] != seeds[1]
    draws = rows[rows[:, 1] == 0][:, 3], rows[rows[:, 1] == 1][:, 3]
    assert not np.array_equal(draws[0], draws[1])  # each worker has its own RNG stream


def test_workers_tensor_dataset_and_shuffle_match_single_process():
    X, y = reograd.randn(30, 3), reograd.arange(30)
    ds = TensorDataset(X, y)
    a = [b[1].tolist() for b in DataLoader(ds, batch_size=7, shuffle=True, generator=reograd.Generator().manual_seed(5))]
    b = [b[1].tolist() for b in DataLoader(ds, batch_size=7, shuffle=True, num_workers=2,
                                           generator=reograd.Generator().manual_seed(5))]
    assert sorted(sum(b, [])) == list(range(30))
    assert len(a) == len(b) == 5


def test_worker_init_fn_and_iterable_split():
    loader = DataLoader(Stream(10), batch_size=2, num_workers=2)
    got = sorted(sum((b.tolist() for b in loader), []))
    assert got == list(range(10))


def _init_fail(worker_id):
    raise ValueError(f"init failed in {worker_id}")


def test_worker_errors_are_reraised():
    with pytest.raises(KeyError, match="thirteen"):
        list(DataLoader(Squares(16), batch_size=2, num_workers=2))
    with pytest.raises(ValueError, match="init failed"):
        list(DataLoader(Squares(4), batch_size=2, num_workers=1, worker_init_fn=_init_fail))


class Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(2)
        return i


def test_worker_timeout():
    with pytest.raises(RuntimeError, match="timed out after 0.5 seconds"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.5))


def test_persistent_workers_two_epochs():
    loader = DataLoader(Stream(6), batch_size=2, num_workers=2, persistent_workers=True)
    e1 = sorted(sum((b.tolist() for b in loader), []))
    e2 = sorted(sum((b.tolist() for b in loader), []))
    assert e1 == e2 == list(range(6))
    ds = TensorDataset(reograd.arange(9))
    loader = DataLoader(ds, batch_size=2, num_workers=2, persistent_workers=True)
    for _ in range(2):
        assert sum((b[0].tolist() for b in loader), []) == list(range(9))
    loader._iterator._shutdown_workers()
