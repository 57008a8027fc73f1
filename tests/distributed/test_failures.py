"""A rank that fails takes the whole job down at once (non-zero exit, its traceback printed) instead of
leaving the others waiting forever in their next collective."""
import time

import pytest
from _spawn import mpirun

LIMIT = 60  # seconds; the job ends in about one on a quiet machine (a hang would run to the spawn timeout)


@pytest.mark.parametrize("how", ["raise", "kill"])
def test_failing_rank_aborts_the_job(how):
    t0 = time.monotonic()
    proc = mpirun("dies.py", how)
    elapsed = time.monotonic() - t0
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert elapsed < LIMIT, f"the job took {elapsed:.1f} s to end"
    assert "finished" not in proc.stdout
    if how == "raise":
        assert "rank 1 of 2 failed; aborting the job" in proc.stderr
        assert "ValueError: rank 1 gives up here" in proc.stderr
        assert 'dies.py", line' in proc.stderr          # the failing rank's traceback
