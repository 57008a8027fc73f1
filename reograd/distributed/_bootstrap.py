"""What each process of ``reograd.distributed.run`` runs first: ``python -m reograd.distributed._bootstrap
[-m] target args...``.

It sets ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE`` (from the MPI launcher's own
variables: MPICH/Hydra, Open MPI, PMIx, Slurm; else from MPI itself), makes an uncaught exception or
a non-zero ``sys.exit`` abort the whole job (printing this rank's traceback), then runs the target
as ``python target args...`` (or ``python -m target``) would.
"""
from __future__ import annotations

import os
import runpy
import sys

# the launchers' names for (rank, size, local rank, local size)
_LAUNCHER_VARS = (
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"),                      # MPICH (Hydra)
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
     "OMPI_COMM_WORLD_LOCAL_SIZE"),                                                     # Open MPI
    ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE"),          # srun
)


def rank_environment():
    """``{"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"}`` of this process, as strings."""
    for names in _LAUNCHER_VARS:
        if all(n in os.environ for n in names) and os.environ[names[3]].isdigit():
            values = [os.environ[n] for n in names]
            return dict(zip(("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"), values))
    from ._mpi import mpi  # noqa: PLC0415 (no launcher variables: ask MPI, which starts it)

    MPI = mpi("reograd.distributed.run")
    world = MPI.COMM_WORLD
    node = world.Split_type(MPI.COMM_TYPE_SHARED)
    env = {"RANK": world.Get_rank(), "WORLD_SIZE": world.Get_size(), "LOCAL_RANK": node.Get_rank(),
           "LOCAL_WORLD_SIZE": node.Get_size()}
    node.Free()
    return {k: str(v) for k, v in env.items()}


def _abort(code):
    from ._mpi import mpi  # noqa: PLC0415

    mpi().COMM_WORLD.Abort(code)


def main(argv):
    as_module = bool(argv) and argv[0] == "-m"
    if as_module:
        argv = argv[1:]
    if not argv:
        raise SystemExit("usage: python -m reograd.distributed._bootstrap [-m] target [args...]")
    env = rank_environment()
    os.environ.update(env)
    multi = int(env["WORLD_SIZE"]) > 1
    if multi:
        from ._mpi import mpi  # noqa: PLC0415
        from .process_group import install_abort_on_exception  # noqa: PLC0415

        mpi("reograd.distributed.run")  # MPI starts now, so that a failing rank can abort the job at any time
        install_abort_on_exception()
    target = argv[0]
    sys.argv = list(argv)
    try:
        if as_module:
            sys.path.insert(0, os.getcwd())
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.path[0] = os.path.dirname(os.path.abspath(target))
            runpy.run_path(target, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) or e.code is None else 1
        if multi and code:
            if not isinstance(e.code, int):
                print(e.code, file=sys.stderr)
            print(f"[reograd.distributed] rank {env['RANK']} of {env['WORLD_SIZE']} exited with status {code}; "
                  "aborting the job (MPI_Abort)", file=sys.stderr, flush=True)
            _abort(code)
        raise


if __name__ == "__main__":
    main(sys.argv[1:])
