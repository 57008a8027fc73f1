"""set_num_threads / get_num_threads: the count reaches BLAS (through threadpoolctl) and the optimizers."""
import pytest

import reograd
from reograd.optim import _foreach


@pytest.fixture
def restore_threads():
    before = reograd.threads._num_threads
    info = pytest.importorskip("threadpoolctl").threadpool_info()
    yield
    reograd.threads._num_threads = before
    from threadpoolctl import threadpool_limits
    for lib in info:
        if lib["user_api"] == "blas":
            threadpool_limits(limits=lib["num_threads"], user_api="blas")


def test_set_num_threads_sets_blas_and_optimizer_threads(restore_threads):
    from threadpoolctl import threadpool_info
    reograd.set_num_threads(1)
    assert reograd.get_num_threads() == 1
    assert _foreach._num_threads() == 1
    blas = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert blas and all(n == 1 for n in blas)


def test_default_follows_environment(monkeypatch, restore_threads):
    reograd.threads._num_threads = None
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert reograd.get_num_threads() == 3


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_bad_thread_count_raises(bad):
    with pytest.raises(ValueError, match="set_num_threads: expected a positive integer"):
        reograd.set_num_threads(bad)


def test_interop_threads_round_trip():
    before = reograd.get_num_interop_threads()
    try:
        reograd.set_num_interop_threads(4)
        assert reograd.get_num_interop_threads() == 4
    finally:
        reograd.set_num_interop_threads(before)
