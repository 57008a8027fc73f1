"""Process groups: who takes part in a collective, as ``torch.distributed``'s ``init_process_group``,
``new_group``, ``get_rank``, ``get_world_size``...

The ranks and the world size come from MPI (the launcher ``mpiexec``, ``srun`` or
``python -m reograd.distributed.run`` starts the processes). A :class:`ProcessGroup` wraps an MPI
communicator: the default one duplicates ``MPI.COMM_WORLD`` (so reograd's traffic never mixes
with the user's own mpi4py calls), ``new_group(ranks)`` makes one for a subset.

Once the default group exists in a job of more than one process, an uncaught exception on any
rank prints that rank's traceback and calls ``MPI_Abort``: the whole job exits non-zero at once
instead of the other ranks waiting forever in their next collective.
"""
from __future__ import annotations

import datetime
import os
import sys
import traceback

from ._mpi import mpi, mpi_available

__all__ = ["Backend", "ProcessGroup", "GroupMember", "group", "init_process_group", "is_initialized",
           "destroy_process_group", "new_group", "get_rank", "get_world_size", "get_backend", "get_global_rank",
           "get_group_rank", "get_process_group_ranks", "get_node_local_rank", "is_available", "is_mpi_available",
           "is_gloo_available", "is_nccl_available", "default_pg_timeout"]

default_pg_timeout = datetime.timedelta(minutes=30)

# PyTorch's backend names: each runs over MPI here, so a PyTorch script asking for "gloo" or "nccl" runs as is
_BACKEND_NAMES = ("mpi", "gloo", "nccl", "ucc")


class Backend(str):
    """A backend name, lower-cased, as ``torch.distributed.Backend`` (``Backend("MPI") == "mpi"``).

    reograd has one engine, MPI; ``init_process_group`` also accepts PyTorch's ``"gloo"``, ``"nccl"``
    and ``"cpu:gloo,cuda:nccl"`` names and runs them over MPI, so PyTorch scripts run unchanged.
    """

    UNDEFINED = "undefined"
    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(f"Backend name must be a string, but got: {name!r}")
        value = name.lower()
        parts = [p.split(":", 1)[-1] for p in value.split(",")]
        if any(p not in _BACKEND_NAMES for p in parts) and value != cls.UNDEFINED:
            raise ValueError(f"Invalid backend: '{name}' (reograd runs every backend over MPI; use 'mpi', or "
                             f"PyTorch's {', '.join(repr(b) for b in _BACKEND_NAMES[1:])} names)")
        return str.__new__(cls, value)


class ProcessGroup:
    """A set of processes that run collectives together: an MPI communicator and the global ranks of
    its members (in group-rank order). ``rank()`` is this process's rank in the group, ``size()``
    the number of members."""

    def __init__(self, comm, ranks, backend="mpi", timeout=default_pg_timeout, name=""):
        self.comm = comm
        self.ranks = list(ranks)
        self.backend = Backend(backend)
        self.timeout = timeout
        self.group_name = name
        self.checks = os.environ.get("REOGRAD_DISTRIBUTED_CHECKS", "1") != "0"
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()

    def rank(self):
        """This process's rank within the group."""
        return self._rank

    def size(self):
        """The number of processes in the group."""
        return self._size

    def name(self):
        """The backend's name, as ``ProcessGroup.name()`` in PyTorch."""
        return str(self.backend).upper()

    def group_rank(self, global_rank, op="process group"):
        """The rank within this group of the process with ``global_rank``; ValueError if not a member."""
        try:
            return self.ranks.index(int(global_rank))
        except ValueError:
            raise ValueError(f"{op}: global rank {global_rank} is not part of the group (its ranks are "
                             f"{self.ranks})") from None

    def __repr__(self):
        return f"ProcessGroup(backend={str(self.backend)!r}, rank={self._rank}, size={self._size}, ranks={self.ranks})"


class _NonGroupMember:
    """What ``new_group`` returns on a process outside the new group; collectives on it do nothing."""

    def __repr__(self):
        return "GroupMember.NON_GROUP_MEMBER"


class GroupMember:
    """``GroupMember.WORLD``: the default group (None before ``init_process_group``);
    ``GroupMember.NON_GROUP_MEMBER``: returned by ``new_group`` to processes outside the group."""

    WORLD = None
    NON_GROUP_MEMBER = _NonGroupMember()


class group:  # noqa: N801 (torch's name)
    """``group.WORLD``: the default process group (None before ``init_process_group``)."""

    WORLD = None


def _set_world(pg):
    GroupMember.WORLD = pg
    group.WORLD = pg


def is_available():
    """True if distributed training can run here: mpi4py (and an MPI library) is installed."""
    return mpi_available()


def is_mpi_available():
    """True if the MPI backend is available (mpi4py is installed)."""
    return mpi_available()


def is_gloo_available():
    """False: reograd has no Gloo engine (``init_process_group("gloo")`` still works, over MPI)."""
    return False


def is_nccl_available():
    """False: reograd has no NCCL engine (``init_process_group("nccl")`` still works, over MPI)."""
    return False


def is_initialized():
    """True once ``init_process_group`` has made the default process group."""
    return GroupMember.WORLD is not None


def _not_initialized():
    return ValueError("Default process group has not been initialized, please make sure to call "
                      "init_process_group. (reograd: call reograd.distributed.init_process_group() in a script "
                      "launched with `mpiexec -n N python script.py` or "
                      "`python -m reograd.distributed.run --nproc-per-node N script.py`.)")


def _world():
    pg = GroupMember.WORLD
    if pg is None:
        raise _not_initialized()
    return pg


def resolve_group(group_, op):
    """The ProcessGroup a call works on (the default one for None), or None where this process is
    not a member (the call then does nothing, as in PyTorch)."""
    if group_ is None:
        return _world()
    if group_ is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(group_, ProcessGroup):
        raise TypeError(f"{op}: group must be a ProcessGroup from new_group() (or None for the default group), "
                        f"got {type(group_).__name__}")
    _world()
    if group_.comm is None:
        raise ValueError(f"{op}: this process group was destroyed (destroy_process_group)")
    return group_


def group_root(pg, rank, group_rank, who, what, default=None):
    """The group rank of a root given as a global ``rank`` or as ``group_rank`` (exactly one of them;
    neither means global rank ``default``, where there is one)."""
    if rank is None and group_rank is None:
        rank = default
    if group_rank is not None:
        if rank is not None:
            raise ValueError(f"{who}: Can't specify both group_{what} and {what}")
        if not 0 <= int(group_rank) < pg.size():
            raise ValueError(f"{who}: group_{what}={group_rank} is out of range for a group of size {pg.size()}")
        return int(group_rank)
    if rank is None:
        raise ValueError(f"{who}: Must specify {what} (a global rank) or group_{what}")
    return pg.group_rank(rank, who)


def as_timeout(timeout, who):
    """``timeout`` as a ``timedelta`` (seconds accepted; None: the default 30 minutes)."""
    if timeout is None:
        return default_pg_timeout
    if isinstance(timeout, datetime.timedelta):
        return timeout
    if isinstance(timeout, (int, float)):
        return datetime.timedelta(seconds=timeout)
    raise TypeError(f"{who}: timeout must be a datetime.timedelta, got {type(timeout).__name__}")


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Start the default process group: every process of the job joins it.

    The processes, their ranks and their number come from MPI (``mpiexec -n N``, ``srun``, or
    ``python -m reograd.distributed.run``); a script run with plain ``python`` is a job of one.
    ``backend``: ``"mpi"`` (default), or PyTorch's ``"gloo"``/``"nccl"`` names, which run over MPI.
    ``init_method`` (``"env://"``, ``"tcp://..."``) and ``store`` are accepted and unused: MPI has
    already connected the processes. ``world_size``/``rank``, when given, must match MPI's
    (a ValueError names both otherwise).

    >>> import reograd.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.get_rank(), dist.get_world_size()
    """
    if is_initialized():
        raise ValueError("trying to initialize the default process group twice!")
    name = Backend(backend if backend is not None else "mpi")
    MPI = mpi("init_process_group")
    size, me = MPI.COMM_WORLD.Get_size(), MPI.COMM_WORLD.Get_rank()
    if world_size not in (None, -1) and int(world_size) != size:
        raise ValueError(f"init_process_group: world_size={world_size} was asked for, but MPI started {size} "
                         f"process{'es' if size != 1 else ''} (launch with `mpiexec -n {world_size} ...` or "
                         f"`python -m reograd.distributed.run --nproc-per-node {world_size} ...`)")
    if rank not in (None, -1) and int(rank) != me:
        raise ValueError(f"init_process_group: rank={rank} was asked for, but MPI gave this process rank {me} "
                         f"(of {size}); MPI assigns the ranks, so pass rank=-1")
    comm = MPI.COMM_WORLD.Dup()
    _set_world(ProcessGroup(comm, range(size), name, as_timeout(timeout, "init_process_group"),
                            group_name or "default"))
    if size > 1:
        install_abort_on_exception()


def destroy_process_group(group=None):  # noqa: A002 (torch's name)
    """Free a group made by ``new_group``, or (with None) the default group and every other one, after
    which ``init_process_group`` may be called again."""
    if group is None:
        pg = GroupMember.WORLD
        if pg is None:
            raise _not_initialized()
        for g in list(_subgroups):
            _free(g)
        _subgroups.clear()
        _free(pg)
        _set_world(None)
    elif group is not GroupMember.NON_GROUP_MEMBER:
        _free(group)
        if group in _subgroups:
            _subgroups.remove(group)


_subgroups = []


def _free(pg):
    comm, pg.comm = pg.comm, None
    if comm is not None:
        comm.Free()


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None):
    """A process group of the given global ranks (all of them for None), for the ``group=`` argument
    of the collectives. Every process must call it (with ``use_local_synchronization=True``, only the
    members); the others get ``GroupMember.NON_GROUP_MEMBER``.

    >>> evens = dist.new_group([0, 2])
    >>> dist.all_reduce(t, group=evens)      # ranks 0 and 2 only
    """
    world = _world()
    n = world.size()
    members = list(range(n)) if ranks is None else sorted(int(r) for r in ranks)
    bad = [r for r in members if not 0 <= r < n]
    if bad:
        raise ValueError(f"new_group: ranks {bad} are out of range for a world of size {n} (ranks are 0..{n - 1})")
    if len(set(members)) != len(members):
        raise ValueError(f"new_group: ranks must be distinct, got {sorted(ranks)}")
    me = world.rank()
    wgroup = world.comm.Get_group()
    sub = wgroup.Incl(members)
    if use_local_synchronization:
        if me not in members:
            sub.Free()
            wgroup.Free()
            return GroupMember.NON_GROUP_MEMBER
        comm = world.comm.Create_group(sub)
    else:
        comm = world.comm.Create(sub)
    sub.Free()
    wgroup.Free()
    if me not in members:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, members, backend or world.backend, as_timeout(timeout, "new_group") if timeout
                      else world.timeout, group_desc or f"group{len(_subgroups) + 1}")
    _subgroups.append(pg)
    return pg


def get_rank(group=None):  # noqa: A002
    """This process's rank in ``group`` (the default group for None), -1 if it is not a member."""
    pg = resolve_group(group, "get_rank")
    return -1 if pg is None else pg.rank()


def get_world_size(group=None):  # noqa: A002
    """The number of processes in ``group`` (the default group for None), -1 if this one is not a member."""
    pg = resolve_group(group, "get_world_size")
    return -1 if pg is None else pg.size()


def get_backend(group=None):  # noqa: A002
    """The backend of ``group``: the name ``init_process_group`` was given (``Backend``)."""
    pg = resolve_group(group, "get_backend")
    if pg is None:
        raise ValueError("Invalid process group specified")
    return pg.backend


def get_process_group_ranks(group):  # noqa: A002
    """The global ranks of the members of ``group``, in group-rank order."""
    pg = resolve_group(group, "get_process_group_ranks")
    if pg is None:
        raise ValueError("get_process_group_ranks: this process is not a member of the group")
    return list(pg.ranks)


def get_global_rank(group, group_rank):  # noqa: A002
    """The global rank of the member with rank ``group_rank`` in ``group``."""
    ranks = get_process_group_ranks(group)
    if not 0 <= group_rank < len(ranks):
        raise ValueError(f"get_global_rank: group rank {group_rank} is not part of a group of size {len(ranks)}")
    return ranks[group_rank]


def get_group_rank(group, global_rank):  # noqa: A002
    """The rank in ``group`` of the process with global rank ``global_rank``."""
    pg = resolve_group(group, "get_group_rank")
    if pg is None:
        raise ValueError("get_group_rank: this process is not a member of the group")
    return pg.group_rank(global_rank, "get_group_rank")


def get_node_local_rank(fallback_rank=None):
    """This process's rank among the processes of its machine: ``LOCAL_RANK`` (set by
    ``reograd.distributed.run``), else ``fallback_rank``; RuntimeError if neither is there."""
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment (launch with python -m reograd.distributed.run, "
                       "or pass fallback_rank)")


# --------------------------------------------------------------------------------------
# a dying rank takes the job down
# --------------------------------------------------------------------------------------
_abort_installed = False


def install_abort_on_exception():
    """Make an uncaught exception on this rank print its traceback and abort the whole MPI job.

    Without it, the failing process would wait in ``MPI_Finalize`` and the others in their next
    collective, forever. Installed by ``init_process_group`` (jobs of more than one process) and by
    the launcher.
    """
    global _abort_installed
    if _abort_installed:
        return
    _abort_installed = True
    previous = sys.excepthook

    def abort_job(tp, value, tb):
        world = mpi().COMM_WORLD  # (already started: the hook is installed after MPI)
        if world.Get_size() == 1:
            previous(tp, value, tb)
            return
        try:
            sys.stdout.flush()
            sys.stderr.write(f"[reograd.distributed] rank {world.Get_rank()} of {world.Get_size()} failed; "
                             "aborting the job (MPI_Abort):\n")
            traceback.print_exception(tp, value, _user_frames(tb))
            sys.stderr.flush()
        finally:
            world.Abort(1)

    sys.excepthook = abort_job


def _user_frames(tb):
    """The traceback from the user's code on: without the launcher's own frames (runpy, _bootstrap)."""
    first = tb
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if not (name.endswith(("runpy.py", "_bootstrap.py")) or name == "<frozen runpy>"):
            return tb
        tb = tb.tb_next
    return first
