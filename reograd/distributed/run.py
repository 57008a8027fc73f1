"""The launcher, torchrun's role: ``python -m reograd.distributed.run --nproc-per-node N train.py args...``.

It starts ``N`` (times ``--nnodes``) processes through ``mpiexec`` -- MPI is the engine that starts
and connects them, on one machine or many -- each running ``train.py args...`` with ``RANK``,
``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE`` set, and ``OMP_NUM_THREADS`` set to the
machine's cores divided by ``N`` unless given (so the ranks' BLAS threads do not fight for cores).
It forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT to the job and exits with its status. An uncaught
exception (or a non-zero ``sys.exit``) on any rank aborts the whole job with that rank's traceback.

Several machines: ``--nnodes 2 --nproc-per-node 4 --hostfile hosts.txt`` (or ``--hosts a,b``).
Under Slurm, skip the launcher: ``srun --mpi=pmix -N 2 --ntasks-per-node 4 python train.py``.
``mpiexec -n N python train.py`` also works as is (the environment variables are then not set).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import subprocess
import sys

_FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
_UNUSED = ("--node-rank", "--master-addr", "--master-port", "--rdzv-backend", "--rdzv-endpoint", "--rdzv-id",
           "--rdzv-conf", "--max-restarts", "--monitor-interval", "--start-method")


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m reograd.distributed.run",
        description="Start a data-parallel job of N processes per node through mpiexec (torchrun's role).")
    p.add_argument("--nproc-per-node", "--nproc_per_node", default="1",
                   help="processes per node: an int, or 'auto'/'cpu' for one per CPU core (default 1)")
    p.add_argument("--nnodes", default="1", help="number of nodes (with --hostfile or --hosts; default 1)")
    p.add_argument("--hostfile", default=None, help="MPI hostfile naming the nodes (one per line)")
    p.add_argument("--hosts", default=None, help="comma-separated node names (instead of --hostfile)")
    p.add_argument("--mpiexec", default=None, help="the mpiexec to use (default: mpiexec, then mpirun, on PATH)")
    p.add_argument("--mpiexec-arg", action="append", default=[], metavar="ARG",
                   help="an extra argument for mpiexec (repeat for several)")
    p.add_argument("-m", "--module", action="store_true", help="run the target as a module (python -m)")
    p.add_argument("--no-python", "--no_python", action="store_true",
                   help="run the target as a program, not a Python script (the environment variables are not set)")
    p.add_argument("--standalone", action="store_true", help="accepted for torchrun compatibility (no effect)")
    for flag in _UNUSED:
        p.add_argument(flag, flag.replace("-", "_").replace("__", "--", 1), default=None,
                       help=argparse.SUPPRESS)
    p.add_argument("training_script", help="the script (or module, with -m) each process runs")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER, help="its arguments")
    return p


def _count(value, flag):
    if str(value) in ("auto", "cpu"):
        return os.cpu_count() or 1
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise SystemExit(f"reograd.distributed.run: {flag} must be a positive integer (or auto/cpu), got {value!r}")
    return n


def mpi_flavor(mpiexec):
    """``"mpich"``, ``"openmpi"`` or ``"unknown"``, from ``mpiexec --version``."""
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if "HYDRA" in out or "MPICH" in out or "Intel(R) MPI" in out:
        return "mpich"
    if "Open MPI" in out or "OpenRTE" in out or "PRRTE" in out:
        return "openmpi"
    return "unknown"


def build_command(args, mpiexec, flavor):
    """The mpiexec command line and the environment of the job."""
    nproc = _count(args.nproc_per_node, "--nproc-per-node")
    nnodes = _count(args.nnodes, "--nnodes")
    if nnodes > 1 and not (args.hostfile or args.hosts):
        raise SystemExit(f"reograd.distributed.run: --nnodes {nnodes} needs --hostfile or --hosts: MPI starts the "
                         "processes on every node from this one command (under Slurm, use srun --mpi=pmix instead)")
    cmd = [mpiexec, "-n", str(nproc * nnodes)]
    if args.hostfile:
        cmd += ["-hostfile", args.hostfile]
    if args.hosts:
        hosts = [h for h in args.hosts.split(",") if h]
        if flavor == "openmpi":
            cmd += ["--host", ",".join(f"{h}:{nproc}" for h in hosts)]
        else:
            cmd += ["-hosts", ",".join(hosts)]
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    if args.hostfile or args.hosts:
        cmd += ["--map-by", f"ppr:{nproc}:node"] if flavor == "openmpi" else ["-ppn", str(nproc)]
    if flavor == "openmpi":  # Open MPI passes only the named variables to remote nodes
        for name in ("OMP_NUM_THREADS", "PYTHONPATH", "REOGRAD_DATA"):
            cmd += ["-x", name] if name in env else []
    cmd += args.mpiexec_arg
    if args.no_python:
        cmd += [args.training_script]
    else:
        cmd += [sys.executable, "-u", "-m", "reograd.distributed._bootstrap"]
        cmd += ["-m"] if args.module else []
        cmd += [args.training_script]
    cmd += args.training_script_args
    return cmd, env


def main(argv=None):
    """Parse the torchrun-style arguments, start the job through mpiexec, wait for it; returns its status."""
    args = _parser().parse_args(argv)
    for flag in _UNUSED:
        if getattr(args, flag[2:].replace("-", "_")) is not None:
            print(f"reograd.distributed.run: {flag} is not used (MPI starts and connects the processes)",
                  file=sys.stderr)
    mpiexec = args.mpiexec or shutil.which("mpiexec") or shutil.which("mpirun")
    if mpiexec is None or shutil.which(mpiexec) is None:
        print("reograd.distributed.run: mpiexec was not found"
              + (f" ({args.mpiexec!r} is not an executable)" if args.mpiexec else " on PATH")
              + ". Install MPI: pip install 'reograd[distributed]' (mpich and mpi4py), or your cluster's MPI "
              "module; or pass --mpiexec PATH.", file=sys.stderr)
        return 2
    if not args.no_python and importlib.util.find_spec("mpi4py") is None:
        print("reograd.distributed.run: mpi4py is not installed (pip install 'reograd[distributed]', or "
              "pip install mpi4py against your MPI).", file=sys.stderr)
        return 2
    cmd, env = build_command(args, mpiexec, mpi_flavor(mpiexec))
    # A session of its own: a signal reaches the job once, through us, not twice via the terminal's group
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    previous = {}

    def forward(signum, _frame):
        if proc.poll() is None:
            proc.send_signal(signum)

    for name in _FORWARDED:
        if hasattr(signal, name):
            previous[name] = signal.signal(getattr(signal, name), forward)
    try:
        rc = proc.wait()
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)
        if proc.poll() is None:
            proc.kill()
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main())
