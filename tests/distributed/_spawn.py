"""Run a worker script under ``mpiexec -n N`` (or the launcher) with a hard timeout.

Every spawn gets a session of its own and, on timeout, the whole session is killed, so a hung job
never outlives its test. Tests skip (not fail) where mpi4py or mpiexec is missing.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "workers")
TIMEOUT = 240  # seconds: generous, the machine may be loaded; a hang still ends here


def require_mpi():
    """Skip the test unless mpi4py and mpiexec are installed."""
    if importlib.util.find_spec("mpi4py") is None:
        pytest.skip("mpi4py is not installed (pip install 'reograd[distributed]')")
    if shutil.which("mpiexec") is None:
        pytest.skip("mpiexec is not on PATH (pip install mpich)")


def environment(extra=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.update(extra or {})
    return env


def run(cmd, timeout=TIMEOUT, env=None, cwd=None):
    """``subprocess.run(cmd)`` capturing text output; the whole process session is killed on timeout."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=environment(env), cwd=cwd or ROOT, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(cmd)} did not finish within {timeout} s\nstdout:\n{out}\nstderr:\n{err}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def mpirun(worker, *args, n=2, timeout=TIMEOUT, env=None):
    """Run ``workers/<worker>`` under ``mpiexec -n n``."""
    require_mpi()
    return run(["mpiexec", "-n", str(n), sys.executable, os.path.join(WORKERS, worker), *args], timeout, env)


def results(proc):
    """The ``RESULTS {json}`` line a worker's rank 0 prints: {check name: "ok" or the error}."""
    for line in proc.stdout.splitlines():
        if line.startswith("RESULTS "):
            return json.loads(line[len("RESULTS "):])
    raise AssertionError(f"the worker printed no results (exit status {proc.returncode})\n"
                         f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
