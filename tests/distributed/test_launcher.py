"""``python -m reograd.distributed.run``: torchrun's role over mpiexec."""
import json
import os
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from _spawn import ROOT, WORKERS, environment, require_mpi, run

from reograd.distributed import run as launcher

SCRIPT = os.path.join(WORKERS, "launched.py")


@pytest.fixture(autouse=True)
def reports(tmp_path, monkeypatch):
    monkeypatch.setenv("LAUNCH_REPORTS", str(tmp_path))
    return tmp_path


def launch(*args, timeout=240, env=None, cwd=None):
    return run([sys.executable, "-m", "reograd.distributed.run", *args], timeout, env, cwd)


def ranks(folder):
    seen = [json.loads(p.read_text()) for p in folder.glob("rank*.json")]
    return sorted(seen, key=lambda i: int(i["RANK"]))


def test_starts_ranks_with_their_environment(reports):
    require_mpi()
    proc = launch("--nproc-per-node", "2", SCRIPT, "--lr", "0.1", "x")
    assert proc.returncode == 0, proc.stderr
    seen = ranks(reports)
    assert [(i["RANK"], i["LOCAL_RANK"], i["WORLD_SIZE"], i["LOCAL_WORLD_SIZE"]) for i in seen] == \
        [("0", "0", "2", "2"), ("1", "1", "2", "2")]
    for i in seen:
        assert i["argv"] == [SCRIPT, "--lr", "0.1", "x"] and i["name"] == "__main__"
        assert i["path0"] == WORKERS                    # as `python script.py` puts the script's folder first
        assert int(i["OMP_NUM_THREADS"]) >= 1


def test_module_mode_and_torchrun_spelling(reports):
    require_mpi()
    proc = launch("--nproc_per_node=2", "--standalone", "-m", "launched", "a", cwd=WORKERS)
    assert proc.returncode == 0, proc.stderr
    seen = ranks(reports)
    assert len(seen) == 2 and all(i["argv"][1:] == ["a"] for i in seen)


@pytest.mark.parametrize("how", ["exit", "raise"])
def test_failing_rank_fails_the_job(how):
    require_mpi()
    t0 = time.monotonic()
    proc = launch("--nproc-per-node", "2", SCRIPT, how, "sleep")
    assert proc.returncode != 0
    assert time.monotonic() - t0 < 60
    assert "aborting the job" in proc.stderr
    if how == "raise":
        assert "KeyError: 'rank 1 lost its key'" in proc.stderr and "launched.py" in proc.stderr
        assert "_bootstrap.py" not in proc.stderr         # the launcher's own frames are left out


def test_forwards_sigterm():
    require_mpi()
    proc = subprocess.Popen([sys.executable, "-m", "reograd.distributed.run", "--nproc-per-node", "2", SCRIPT,
                             "sleep"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=environment(), cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        out = ""
        while out.count("SLEEPING") < 2 and time.monotonic() < deadline:
            out += proc.stdout.readline()
        assert out.count("SLEEPING") == 2, out
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
        assert rc != 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


def test_missing_mpiexec_is_a_clear_error():
    proc = launch("--mpiexec", "/nonexistent/mpiexec", "--nproc-per-node", "2", SCRIPT)
    assert proc.returncode == 2
    assert "mpiexec was not found" in proc.stderr and "pip install 'reograd[distributed]'" in proc.stderr
    bare = {"PATH": os.path.dirname(sys.executable) + os.pathsep + "/nonexistent"}
    if any(os.access(os.path.join(d, "mpiexec"), os.X_OK) for d in bare["PATH"].split(os.pathsep)):
        return  # mpiexec sits next to this python: cannot hide it by PATH
    proc = launch("--nproc-per-node", "2", SCRIPT, env=bare)
    assert proc.returncode == 2 and "not found on PATH" in proc.stderr


def _args(**kw):
    base = dict(nproc_per_node="2", nnodes="1", hostfile=None, hosts=None, mpiexec_arg=[], module=False,
                no_python=False, training_script="train.py", training_script_args=["--x", "1"])
    base.update(kw)
    return SimpleNamespace(**base)


def test_command_lines():
    cmd, env = launcher.build_command(_args(), "mpiexec", "mpich")
    assert cmd[:3] == ["mpiexec", "-n", "2"] and cmd[-3:] == ["train.py", "--x", "1"]
    assert cmd[3:7] == [sys.executable, "-u", "-m", "reograd.distributed._bootstrap"]
    assert "OMP_NUM_THREADS" in env
    cmd, _ = launcher.build_command(_args(nnodes="2", hostfile="hosts"), "mpiexec", "mpich")
    assert cmd[:5] == ["mpiexec", "-n", "4", "-hostfile", "hosts"] and "-ppn" in cmd
    cmd, _ = launcher.build_command(_args(nnodes="2", hosts="a,b"), "mpirun", "openmpi")
    assert cmd[:5] == ["mpirun", "-n", "4", "--host", "a:2,b:2"] and "ppr:2:node" in cmd
    cmd, _ = launcher.build_command(_args(module=True, mpiexec_arg=["-bind-to", "core"]), "mpiexec", "mpich")
    assert cmd[3:5] == ["-bind-to", "core"] and cmd[-4:] == ["-m", "train.py", "--x", "1"]
    with pytest.raises(SystemExit, match="needs --hostfile or --hosts"):
        launcher.build_command(_args(nnodes="2"), "mpiexec", "mpich")
    with pytest.raises(SystemExit, match="positive integer"):
        launcher.build_command(_args(nproc_per_node="0"), "mpiexec", "mpich")
