"""reograd.distributed's collectives under ``mpiexec -n 2``: one job runs every check of
workers/collectives.py (each collective against the same computation done by hand on all ranks'
inputs, for float32/float64/int64 and contiguous/strided tensors, async handles, groups, objects,
point-to-point, and the cross-rank errors); each check is reported as its own test."""
import pytest
from _spawn import mpirun, results
from workers.collectives import CHECKS


@pytest.fixture(scope="module")
def outcome():
    return results(mpirun("collectives.py"))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_collective(outcome, name):
    assert outcome[name] == "ok", outcome[name]
