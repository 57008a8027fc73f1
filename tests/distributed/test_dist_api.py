"""reograd.distributed without a job: what needs no MPI (errors before init_process_group, the lazy
mpi4py import, ReduceOp and Backend, DistributedSampler's indices against PyTorch's), and a job of one
process started by plain ``python``."""
import os
import subprocess
import sys

import numpy as np
import pytest
from _spawn import WORKERS, environment, require_mpi, results, run

import reograd
import reograd.distributed as dist
from reograd.distributed import _mpi
from reograd.utils.data import DistributedSampler
from reograd.utils.data.distributed import torch_randperm
from workers.singleton import CHECKS as SINGLETON


def test_importing_does_not_start_mpi():
    code = ("import sys, reograd, reograd.distributed, reograd.nn, reograd.utils.data, reograd.train;"
            "print('mpi4py' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment(),
                         timeout=240)
    assert out.stdout.strip() == "False", out.stderr
    assert reograd.distributed is dist


@pytest.mark.parametrize("call", [
    lambda: dist.all_reduce(reograd.ones(2)), lambda: dist.get_rank(), lambda: dist.get_world_size(),
    lambda: dist.barrier(), lambda: dist.new_group([0]), lambda: dist.broadcast_object_list([1], src=0),
    lambda: dist.destroy_process_group(),
    lambda: reograd.nn.parallel.DistributedDataParallel(reograd.nn.Linear(2, 2))])
def test_before_init_process_group(call):
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized.*init_process_group"):
        call()


def test_sampler_needs_a_group_or_its_arguments():
    error = ValueError if _mpi.mpi_available() else RuntimeError
    with pytest.raises(error, match="init_process_group|Requires distributed package"):
        DistributedSampler(range(4))
    assert len(DistributedSampler(range(4), num_replicas=2, rank=0)) == 2


def test_missing_mpi4py_names_the_install(monkeypatch):
    monkeypatch.setattr(_mpi, "_MPI", None)
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(ImportError, match=r"mpi4py.*pip install 'reograd\[distributed\]'.*mpiexec -n N"):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()


def test_reduce_op_and_backend():
    assert dist.ReduceOp.SUM == dist.ReduceOp(dist.ReduceOp.SUM) and int(dist.ReduceOp.AVG) == 1
    assert str(dist.ReduceOp.MAX) == "RedOpType.MAX"
    assert dist.Backend("MPI") == "mpi" and dist.Backend("cpu:gloo,cuda:nccl") == "cpu:gloo,cuda:nccl"
    with pytest.raises(ValueError, match="Invalid backend"):
        dist.Backend("carrier-pigeon")
    with pytest.raises(ValueError, match="ReduceOp"):
        dist.ReduceOp("SUM")


@pytest.mark.parametrize("n,seed", [(0, 0), (1, 3), (2, 1), (10, 0), (1000, 12345), (60000, 7), (5, 2 ** 40 + 3)])
@pytest.mark.parity
def test_randperm_is_torchs(n, seed):
    torch = pytest.importorskip("torch")
    g = torch.Generator().manual_seed(seed)
    assert torch_randperm(n, seed).tolist() == torch.randperm(n, generator=g).tolist()


@pytest.mark.parity
def test_distributed_sampler_indices_are_torchs():
    torch = pytest.importorskip("torch")
    from torch.utils.data import DistributedSampler as TorchSampler

    for n in (0, 1, 7, 10, 101):
        for replicas in (1, 2, 3, 4):
            for shuffle in (False, True):
                for drop_last in (False, True):
                    for rank in range(replicas):
                        ours = DistributedSampler(range(n), replicas, rank, shuffle, seed=5, drop_last=drop_last)
                        theirs = TorchSampler(range(n), replicas, rank, shuffle, seed=5, drop_last=drop_last)
                        for epoch in (0, 3):
                            ours.set_epoch(epoch)
                            theirs.set_epoch(epoch)
                            assert list(ours) == list(theirs), (n, replicas, rank, shuffle, drop_last, epoch)
                            assert len(ours) == len(theirs)


def test_distributed_sampler_covers_the_data():
    shards = [list(DistributedSampler(range(10), 3, r, shuffle=True, seed=1)) for r in range(3)]
    assert [len(s) for s in shards] == [4, 4, 4]
    flat = sorted(i for s in shards for i in s)
    assert set(flat) == set(range(10)) and len(flat) == 12          # padded by repeating two indices
    dropped = [list(DistributedSampler(range(10), 3, r, drop_last=True)) for r in range(3)]
    assert [len(s) for s in dropped] == [3, 3, 3] and len({i for s in dropped for i in s}) == 9
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        DistributedSampler(range(10), 3, 3)
    loader = reograd.utils.data.DataLoader(reograd.utils.data.TensorDataset(reograd.arange(10)), batch_size=2,
                                           sampler=DistributedSampler(range(10), 2, 1, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[1, 3], [5, 7], [9]]


def test_job_of_one_process():
    require_mpi()   # (mpi4py, started by plain python: MPI's singleton mode)
    proc = run([sys.executable, os.path.join(WORKERS, "singleton.py")])
    outcome = results(proc)
    assert set(outcome) == set(SINGLETON)
    bad = {k: v for k, v in outcome.items() if v != "ok"}
    assert not bad, bad


def test_consume_prefix_in_state_dict():
    from reograd.nn.modules.utils import consume_prefix_in_state_dict_if_present

    wrapped = reograd.nn.DataParallel(reograd.nn.Sequential(reograd.nn.Linear(2, 3)))
    sd = wrapped.state_dict()
    assert list(sd) == ["module.0.weight", "module.0.bias"]
    consume_prefix_in_state_dict_if_present(sd, "module.")
    assert list(sd) == ["0.weight", "0.bias"] and sorted(sd._metadata) == ["", "0"]
    fresh = reograd.nn.Sequential(reograd.nn.Linear(2, 3))
    fresh.load_state_dict(sd)
    x = reograd.randn(4, 2)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), wrapped(x).detach().numpy())
    assert wrapped.module[0] is wrapped.module[0] and wrapped.device_ids == []


def test_gradient_hooks_fire_as_soon_as_ready():
    """DDP launches a bucket from the hook of its last gradient: leaf gradients must be accumulated as
    soon as they are complete (as in PyTorch), not after the rest of backward."""
    order = []
    a = reograd.randn(3, requires_grad=True)
    b = reograd.randn(3, requires_grad=True)
    h = (a * 2).exp()
    h.register_hook(lambda g: order.append("h"))
    a.register_post_accumulate_grad_hook(lambda t: order.append("a"))
    b.register_post_accumulate_grad_hook(lambda t: order.append("b"))
    (h * b).sum().backward()          # b's gradient is complete after the first node; a's at the end
    assert order == ["b", "h", "a"]
