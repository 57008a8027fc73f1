"""A job of one process (plain ``python``, MPI's singleton start): the API works, DDP and SyncBatchNorm
train as the plain module and BatchNorm, and init_process_group refuses a world size MPI did not start."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reograd  # noqa: E402
import reograd.distributed as dist  # noqa: E402
import reograd.nn as nn  # noqa: E402
from reograd.utils.data import DistributedSampler  # noqa: E402

CHECKS = {}


def check(fn):
    CHECKS[fn.__name__.lstrip("_")] = fn
    return fn


@check
def _world_size_mismatch_is_refused():
    dist.destroy_process_group()
    for kw, words in (({"world_size": 4}, "world_size=4 was asked for, but MPI started 1 process"),
                      ({"rank": 2}, "rank=2 was asked for, but MPI gave this process rank 0")):
        try:
            dist.init_process_group("mpi", **kw)
        except ValueError as e:
            assert words in str(e), str(e)
        else:
            raise AssertionError(f"init_process_group({kw}) accepted")
        assert not dist.is_initialized()
    try:
        dist.init_process_group("smoke-signals")
    except ValueError as e:
        assert "Invalid backend" in str(e)
    dist.init_process_group("gloo", init_method="env://", world_size=1, rank=0)   # PyTorch's names: run over MPI
    assert dist.get_backend() == "gloo" and dist.get_world_size() == 1 and dist.get_rank() == 0


@check
def _collectives_of_one():
    t = reograd.tensor([1.0, 2.0])
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    assert t.tolist() == [1.0, 2.0]
    out = [reograd.zeros(2)]
    dist.all_gather(out, t)
    assert out[0].tolist() == [1.0, 2.0]


@check
def _ddp_of_one_is_the_module():
    reograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    ddp = nn.parallel.DistributedDataParallel(nn.SyncBatchNorm.convert_sync_batchnorm(model))
    assert ddp.reducer is None
    x = reograd.randn(6, 3)
    ddp(x).sum().backward()
    grads = [p.grad.clone() for p in model.parameters()]
    reograd.manual_seed(0)
    ref = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    ref(x).sum().backward()
    for g, p in zip(grads, ref.parameters()):
        np.testing.assert_allclose(g.numpy(), p.grad.numpy(), rtol=1e-6, atol=1e-7)


@check
def _sampler_defaults_from_the_group():
    s = DistributedSampler(range(5), shuffle=False)
    assert (s.num_replicas, s.rank, list(s)) == (1, 0, [0, 1, 2, 3, 4])


if __name__ == "__main__":
    from _harness import run_checks

    run_checks(CHECKS, set(sys.argv[1:]) or None)
