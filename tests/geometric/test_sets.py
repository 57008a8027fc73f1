"""Sets: DeepSets is invariant to the order of each set (padded and batch-vector forms agree, padding ignored);
attention-MIL pooling's weights sum to one per bag, follow a permutation of the instances, and give the same
bag embedding in both forms; gradients checked in float64; the min-max heat-map scaling."""
import numpy as np
import pytest
from gnn_graphs import np_of, ours

import reograd
import reograd.nn as nn
from reograd.autograd import gradcheck
from reograd.geometric.nn import AttentionMILPool, DeepSets, minmax_scale


def _deep_sets(pool):
    return DeepSets(nn.Sequential(nn.Linear(3, 8), nn.Tanh()), nn.Linear(8, 2), pool=pool).double()


def _sets(rng, sizes=(4, 1, 6)):
    m = max(sizes)
    dense = np.zeros((len(sizes), m, 3))
    mask = np.zeros((len(sizes), m), dtype=bool)
    rows, batch = [], []
    for b, n in enumerate(sizes):
        v = rng.standard_normal((n, 3))
        dense[b, :n], mask[b, :n] = v, True
        rows.append(v)
        batch += [b] * n
    dense[~mask] = 99.0   # padding must not matter
    return dense, mask, np.concatenate(rows), np.array(batch)


@pytest.mark.parametrize("pool", ["sum", "mean", "max"])
def test_deep_sets_is_permutation_invariant(pool):
    rng = np.random.default_rng(0)
    model = _deep_sets(pool)
    dense, mask, rows, batch = _sets(rng)
    out = model(ours(dense), mask=ours(mask))
    perm = rng.permutation(rows.shape[0])
    out_rows = model(ours(rows[perm]), batch=ours(batch[perm]))
    np.testing.assert_allclose(np_of(out_rows), np_of(out), rtol=1e-12)
    shuffled = dense.copy()
    for b in range(dense.shape[0]):
        shuffled[b] = dense[b][rng.permutation(dense.shape[1])]
    out_sh = model(ours(shuffled), mask=ours(shuffled[:, :, 0] != 99.0))
    np.testing.assert_allclose(np_of(out_sh), np_of(out), rtol=1e-12)
    one = model(ours(rows[:4]))           # a single set (N, F)
    np.testing.assert_allclose(np_of(one)[0], np_of(out)[0], rtol=1e-12)
    x = ours(dense, True)
    assert gradcheck(lambda t: model(t, mask=ours(mask)), (x,))


def test_deep_sets_arguments():
    with pytest.raises(ValueError, match="pool must be one of"):
        DeepSets(nn.Identity(), nn.Identity(), pool="median")
    assert "pool='mean'" in repr(_deep_sets("mean"))


@pytest.mark.parametrize("gated", [False, True])
def test_attention_mil_pooling(gated):
    rng = np.random.default_rng(1)
    pool = AttentionMILPool(3, 5, gated=gated).double()
    assert (pool.U is not None) == gated
    dense, mask, rows, batch = _sets(rng)
    z, a = pool(ours(dense), mask=ours(mask))
    assert tuple(z.shape) == (3, 3) and tuple(a.shape) == (3, 6)
    np.testing.assert_allclose(np_of(a).sum(1), 1.0)
    assert np.all(np_of(a)[~mask] == 0)
    zr, ar = pool(ours(rows), batch=ours(batch))
    np.testing.assert_allclose(np_of(zr), np_of(z), rtol=1e-12)
    np.testing.assert_allclose(np_of(ar), np_of(a)[mask], rtol=1e-12)
    perm = rng.permutation(4)
    z1, a1 = pool(ours(rows[:4][perm]))
    np.testing.assert_allclose(np_of(z1), np_of(z)[0], rtol=1e-12)
    np.testing.assert_allclose(np_of(a1), np_of(a)[0, :4][perm], rtol=1e-12)
    # z is the attention-weighted mean of the instances
    np.testing.assert_allclose(np_of(z)[0], (np_of(a)[0, :4, None] * rows[:4]).sum(0), rtol=1e-12)
    h = ours(rows, True)
    assert gradcheck(lambda t: pool(t, batch=ours(batch))[0], (h,))
    assert gradcheck(lambda t: pool(t, batch=ours(batch))[1], (h,))


def test_minmax_scale():
    a = reograd.tensor([[0.1, 0.3, 0.6], [0.2, 0.2, 0.6]])
    np.testing.assert_allclose(minmax_scale(a).numpy(), [[0, 0.4, 1], [0, 0, 1]], atol=1e-7)
    r = minmax_scale(reograd.tensor([0.5, 0.25, 0.25, 1.0, 1.0]), reograd.tensor([0, 0, 0, 1, 1]))
    np.testing.assert_allclose(r.numpy(), [1, 0, 0, 0, 0])
