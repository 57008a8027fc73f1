"""DistributedDataParallel and SyncBatchNorm under ``mpiexec -n 2`` (workers/ddp.py): 20 steps of
training on two ranks, each on half of every batch, end with the parameters of single-process
training on the full batch (MLP; CNN with SyncBatchNorm against BatchNorm; no_sync accumulation;
several buckets); unused parameters, buffers, state dicts and errors."""
import pytest
from _spawn import mpirun, results
from workers.ddp import CHECKS


@pytest.fixture(scope="module")
def outcome():
    return results(mpirun("ddp.py"))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_ddp(outcome, name):
    assert outcome[name] == "ok", outcome[name]
