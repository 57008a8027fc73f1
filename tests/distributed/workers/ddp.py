"""DistributedDataParallel and SyncBatchNorm: training on 2 ranks, each on half of every batch, must end
with the parameters of single-process training on the full batch. Run: mpiexec -n 2 python ddp.py
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reograd  # noqa: E402
import reograd.distributed as dist  # noqa: E402
import reograd.nn as nn  # noqa: E402
import reograd.nn.functional as F  # noqa: E402
from reograd.nn.parallel import DistributedDataParallel as DDP  # noqa: E402

CHECKS = {}
STEPS = 20
BATCH = 16


def check(fn):
    CHECKS[fn.__name__.lstrip("_")] = fn
    return fn


def R():
    return dist.get_rank()


def W():
    return dist.get_world_size()


def mlp():
    return nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 5))


def cnn(norm=nn.BatchNorm2d):
    return nn.Sequential(nn.Conv2d(2, 6, 3, padding=1), norm(6), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 8, 3), norm(8), nn.ReLU(), nn.Flatten(), nn.Linear(8, 4))


def batches(shape, classes, steps=STEPS, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        yield (reograd.tensor(rng.standard_normal((BATCH,) + shape).astype(np.float32)),
               reograd.tensor(rng.integers(0, classes, BATCH)))


def mine(t):
    """This rank's contiguous share of a batch."""
    k = BATCH // W()
    return t[R() * k:(R() + 1) * k]


def replicas(make, seed=0):
    """(reference model, this rank's model): the same initial weights on rank 0; on the others a
    different initialisation, which DDP must overwrite with rank 0's."""
    reograd.manual_seed(seed)
    ref = make()
    reograd.manual_seed(seed if R() == 0 else seed + 1 + R())
    return ref, make()


def same(a, b, what, atol=2e-5):
    pa = dict(a.state_dict())
    pb = dict(b.state_dict())
    assert pa.keys() == pb.keys(), (sorted(pa), sorted(pb))
    for k in pa:
        diff = float((pa[k].double() - pb[k].double()).abs().max()) if pa[k].numel() else 0.0
        assert diff <= atol, f"{what}: {k} differs by {diff}"


def train_pair(ref, model, data, opt_cls=reograd.optim.SGD, lr=0.1, **ddp_kw):
    ddp = DDP(model, **ddp_kw)
    same(ref, model, "after construction (rank 0's weights broadcast)", atol=0)
    opt = opt_cls(ddp.parameters(), lr=lr)
    ropt = opt_cls(ref.parameters(), lr=lr)
    for x, y in data:
        opt.zero_grad()
        F.cross_entropy(ddp(mine(x)), mine(y)).backward()
        opt.step()
        ropt.zero_grad()
        F.cross_entropy(ref(x), y).backward()
        ropt.step()
    return ddp


@check
def _mlp_matches_full_batch():
    ref, model = replicas(mlp)
    ddp = train_pair(ref, model, batches((10,), 5), reograd.optim.SGD)
    same(ref, model, "MLP after 20 steps")
    assert ddp.reducer.rebuilt


@check
def _mlp_adam_several_buckets():
    ref, model = replicas(mlp, seed=3)
    ddp = train_pair(ref, model, batches((10,), 5, seed=1), reograd.optim.Adam, lr=1e-2, bucket_cap_mb=0.0005)
    assert len(ddp.reducer.buckets) >= 3, [b.members for b in ddp.reducer.buckets]
    same(ref, model, "MLP (Adam, buckets of 512 bytes)", atol=5e-5)


@check
def _mlp_gradient_as_bucket_view():
    ref, model = replicas(mlp, seed=4)
    ddp = train_pair(ref, model, batches((10,), 5, seed=2), gradient_as_bucket_view=True)
    same(ref, model, "MLP with gradient_as_bucket_view")
    flat = ddp.reducer.buckets[0].flat
    assert any(np.shares_memory(p.grad.numpy(), flat) for p in model.parameters())


@check
def _cnn_syncbn_matches_batchnorm():
    reograd.manual_seed(5)
    ref = cnn()
    model = nn.SyncBatchNorm.convert_sync_batchnorm(cnn())
    model.load_state_dict(ref.state_dict())
    assert sum(isinstance(m, nn.SyncBatchNorm) for m in model.modules()) == 2
    train_pair(ref, model, batches((2, 6, 6), 4, seed=3), reograd.optim.SGD, lr=0.05)
    same(ref, model, "CNN with SyncBatchNorm vs BatchNorm on the full batch (parameters and running stats)")


@check
def _cnn_batchnorm_per_rank_statistics():
    """With plain BatchNorm each rank normalises with its own half: the reference averages the losses of
    the two halves (parameters compared; the running statistics are rank 0's, by broadcast_buffers)."""
    ref, model = replicas(cnn, seed=6)
    ddp = DDP(model)
    opt, ropt = reograd.optim.SGD(ddp.parameters(), lr=0.05), reograd.optim.SGD(ref.parameters(), lr=0.05)
    k = BATCH // W()
    for x, y in batches((2, 6, 6), 4, seed=4):
        opt.zero_grad()
        F.cross_entropy(ddp(mine(x)), mine(y)).backward()
        opt.step()
        ropt.zero_grad()
        sum(F.cross_entropy(ref(x[r * k:(r + 1) * k]), y[r * k:(r + 1) * k]) for r in range(W())).div(W()).backward()
        ropt.step()
    params = {n: p for n, p in model.named_parameters()}
    for n, p in ref.named_parameters():
        assert float((p - params[n]).abs().max()) < 2e-5, n
    ddp.eval()
    with reograd.no_grad():
        ddp(mine(x))                         # the forward first copies rank 0's running statistics
    seen = [None] * W()
    dist.all_gather_object(seen, model[1].running_mean.tolist())
    assert all(s == seen[0] for s in seen)


@check
def _no_sync_accumulation():
    ref, model = replicas(mlp, seed=7)
    ddp = DDP(model)
    opt, ropt = reograd.optim.SGD(ddp.parameters(), lr=0.1), reograd.optim.SGD(ref.parameters(), lr=0.1)
    data = list(batches((10,), 5, steps=2 * 10, seed=5))
    for (x1, y1), (x2, y2) in zip(data[::2], data[1::2]):
        opt.zero_grad()
        with ddp.no_sync():
            (F.cross_entropy(ddp(mine(x1)), mine(y1)) / 2).backward()
        grads_local = [p.grad.clone() for p in model.parameters()]
        (F.cross_entropy(ddp(mine(x2)), mine(y2)) / 2).backward()
        opt.step()
        ropt.zero_grad()
        (F.cross_entropy(ref(x1), y1) / 2).backward()
        (F.cross_entropy(ref(x2), y2) / 2).backward()
        ropt.step()
    assert ddp.require_backward_grad_sync
    same(ref, model, "gradient accumulation with no_sync")
    # inside no_sync, the gradients were this rank's own (they differ across ranks)
    seen = [None] * W()
    dist.all_gather_object(seen, float(grads_local[0].abs().sum()))
    assert W() == 1 or len(set(seen)) == W()


class Branches(nn.Module):
    """Rank-dependent use of the parameters: ``a`` everywhere, ``b`` on rank 0 only, ``c`` nowhere."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4)

    def forward(self, x, use_b):
        h = self.a(x)
        return self.b(h) if use_b else h


@check
def _find_unused_parameters():
    reograd.manual_seed(8)
    model = Branches()
    ddp = DDP(model, find_unused_parameters=True, bucket_cap_mb=0.0001)
    x = reograd.ones(2, 4) * (R() + 1)
    for _ in range(2):
        ddp.zero_grad()
        ddp(x, use_b=R() == 0).sum().backward()
    assert model.c.weight.grad is None                   # unused on every rank: left alone
    assert model.b.weight.grad is not None                # used on rank 0: averaged onto every rank
    g = [None] * W()
    dist.all_gather_object(g, model.b.weight.grad.numpy().tolist())
    assert all(v == g[0] for v in g)


@check
def _unused_parameter_without_detection_raises():
    reograd.manual_seed(9)
    ddp = DDP(Branches())
    ddp(reograd.ones(2, 4), use_b=False).sum().backward()   # b and c never get gradients
    try:
        ddp(reograd.ones(2, 4), use_b=False)
    except RuntimeError as e:
        assert "Expected to have finished reduction in the prior iteration" in str(e)
        assert "find_unused_parameters=True" in str(e) and "b.weight" in str(e)
    else:
        raise AssertionError("no error for the unfinished reduction")


@check
def _broadcast_buffers_each_forward():
    reograd.manual_seed(10)
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    ddp = DDP(model)
    with reograd.no_grad():
        model[1].running_mean.fill_(float(R() + 1))
    ddp.eval()
    ddp(reograd.ones(2, 3))
    assert model[1].running_mean.tolist() == [1.0, 1.0, 1.0]      # rank 0's, on every rank
    ddp2 = DDP(nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3)), broadcast_buffers=False)
    with reograd.no_grad():
        ddp2.module[1].running_mean.fill_(float(R() + 1))
    ddp2.eval()
    ddp2(reograd.ones(2, 3))
    assert ddp2.module[1].running_mean.tolist() == [float(R() + 1)] * 3


@check
def _state_dict_and_module():
    reograd.manual_seed(11)
    inner = mlp()
    ddp = DDP(inner)
    assert ddp.module is inner
    keys = list(ddp.state_dict())
    assert keys and all(k.startswith("module.") for k in keys)
    from reograd.nn.modules.utils import consume_prefix_in_state_dict_if_present

    sd = ddp.state_dict()
    consume_prefix_in_state_dict_if_present(sd, "module.")
    fresh = mlp()
    fresh.load_state_dict(sd)
    try:
        ddp.load_state_dict(inner.state_dict())
    except RuntimeError as e:
        assert "ddp.module.load_state_dict" in str(e)
    else:
        raise AssertionError("loading plain keys into DDP did not fail")


@check
def _mismatched_models_raise():
    try:
        DDP(nn.Linear(3, 3 + R()))
    except RuntimeError as e:
        assert "DistributedDataParallel" in str(e) and "same model" in str(e)
    else:
        assert W() == 1, "different models on different ranks were accepted"
    try:
        DDP(nn.ReLU())
    except RuntimeError as e:
        assert "doesn't have any parameter" in str(e)


@check
def _syncbn_forward_backward_vs_batchnorm():
    reograd.manual_seed(12)
    full = reograd.randn(8, 3, 5, dtype=reograd.float64)
    k = 8 // W()
    x = full[R() * k:(R() + 1) * k].detach().requires_grad_()
    xr = full.detach().requires_grad_()
    sbn, bn = nn.SyncBatchNorm(3).double(), nn.BatchNorm1d(3).double()
    with reograd.no_grad():
        for m in (sbn, bn):
            m.weight.copy_(reograd.tensor([1.0, 2.0, -0.5], dtype=reograd.float64))
            m.bias.copy_(reograd.tensor([0.1, 0.0, 0.3], dtype=reograd.float64))
    w = reograd.randn(8, 3, 5, dtype=reograd.float64)
    y = sbn(x)
    (y * w[R() * k:(R() + 1) * k]).sum().backward()
    yr = bn(xr)
    (yr * w).sum().backward()
    assert float((y - yr[R() * k:(R() + 1) * k]).abs().max()) < 1e-12
    assert float((x.grad - xr.grad[R() * k:(R() + 1) * k]).abs().max()) < 1e-12
    for name in ("weight", "bias"):
        g = getattr(sbn, name).grad.clone()
        dist.all_reduce(g)                      # each rank holds its samples' share of the gradient
        assert float((g - getattr(bn, name).grad).abs().max()) < 1e-12, name
    assert float((sbn.running_var - bn.running_var).abs().max()) < 1e-12
    assert float((sbn.running_mean - bn.running_mean).abs().max()) < 1e-12
    sbn.eval()
    assert float((sbn(x) - bn.eval()(x)).abs().max()) < 1e-12


if __name__ == "__main__":
    from _harness import run_checks

    run_checks(CHECKS, set(sys.argv[1:]) or None)
