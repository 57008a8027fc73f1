"""examples/ddp_mnist.py --quick on 1 and 2 processes: the same accuracy (the gradient of the same global
batch each step), and the result line the --compare table reads."""
import os
import re
import sys

import pytest
from _spawn import ROOT, require_mpi, run
from test_cnn_examples import needs_mnist

EXAMPLE = os.path.join(ROOT, "examples", "ddp_mnist.py")


@pytest.mark.slow
@needs_mnist
def test_ddp_mnist_quick_same_accuracy_on_two_processes():
    require_mpi()
    accuracy = {}
    for n in (1, 2):
        proc = run(["mpiexec", "-n", str(n), sys.executable, EXAMPLE, "--quick", "--no-progress"], timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        found = re.search(r"RESULT processes=(\d+) accuracy=([\d.]+) samples_per_s=(\d+)", proc.stdout)
        assert found and int(found.group(1)) == n, proc.stdout
        accuracy[n] = float(found.group(2))
        assert proc.stdout.count("test accuracy:") == 1                 # rank 0 alone prints
    assert accuracy[1] > 88 and abs(accuracy[2] - accuracy[1]) <= 0.5, accuracy
