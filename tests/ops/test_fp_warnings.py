"""Floating-point corner cases are quiet, as in PyTorch (x / 0 is inf, inf * 0 is nan, no NumPy
RuntimeWarning), while the warnings PyTorch does give (var with <= 0 degrees of freedom) are given."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import reograd


def test_no_numpy_floating_point_warnings_from_ops_but_user_numpy_still_warns():
    # in a fresh interpreter: pytest resets the warning filters around collection, which would drop
    # the filter reograd installs when it is imported
    code = textwrap.dedent("""
        import warnings
        warnings.simplefilter("error", RuntimeWarning)   # anything reograd leaks would raise
        import numpy as np
        import reograd as t
        outs = [t.tensor([0.0, 1.0, -1.0]) / 0, t.tensor([0.0, 1.0]) * float("inf"), t.tensor([3e38]) * 10,
                t.tensor([3e38]) + t.tensor([3e38]), t.tensor([]).mean(), t.tensor([0.0]).log(),
                t.tensor([-1.0]).sqrt(), t.tensor([1.0, 0.0]).reciprocal()]
        assert all(not np.isfinite(o.numpy()).all() for o in outs[:4])
        try:
            np.array([1.0]) / 0
        except RuntimeWarning as e:
            print("user warning:", e)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "user warning: divide by zero" in proc.stdout


@pytest.mark.parametrize("call", [lambda t: t.tensor([1.0]).var(), lambda t: t.ones(2, 3).std(dim=1, correction=3),
                                  lambda t: t.var_mean(t.tensor([2.0]))])
def test_var_with_no_degrees_of_freedom_warns_like_torch(call):
    with pytest.warns(UserWarning, match=r"degrees of freedom is <= 0"):
        out = call(reograd)
    out = out[0] if isinstance(out, tuple) else out
    assert np.isnan(out.numpy()).all()
