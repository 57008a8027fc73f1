"""Collectives on picklable Python objects, as ``torch.distributed``: ``broadcast_object_list``,
``all_gather_object``, ``gather_object``, ``scatter_object_list``, ``send_object_list``,
``recv_object_list``.

The objects travel pickled (mpi4py's lowercase calls), so only use them with the processes of your
own job: unpickling runs code, as in PyTorch.
"""
from __future__ import annotations

from ._checks import agree
from ._mpi import mpi
from .p2p import peer_rank
from .process_group import group_root, resolve_group

__all__ = ["broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list",
           "send_object_list", "recv_object_list"]


def _check_list(obj, who, name, n=None):
    if not isinstance(obj, list):
        raise TypeError(f"{who}: {name} must be a list, got {type(obj).__name__}")
    if n is not None and len(obj) != n:
        raise ValueError(f"{who}: {name} must have one entry per rank of the group ({n}), got {len(obj)}")


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Replace every rank's ``object_list`` entries by rank ``src``'s (default 0); all ranks pass lists
    of the same length.

    >>> objs = [{"lr": 0.1}, "run-7"] if dist.get_rank() == 0 else [None, None]
    >>> dist.broadcast_object_list(objs, src=0)
    """
    pg = resolve_group(group, "broadcast_object_list")
    if pg is None:
        return None
    _check_list(object_list, "broadcast_object_list", "object_list")
    root = group_root(pg, src, group_src, "broadcast_object_list", "src", default=0)
    agree(pg, "broadcast_object_list", ("broadcast_object_list", len(object_list), root),
          f"a list of {len(object_list)} objects, src {pg.ranks[root]}",
          "every rank must pass a list of the same length, with the same src")
    received = pg.comm.bcast(object_list if pg.rank() == root else None, root)
    if pg.rank() != root:
        object_list[:] = received
    return None


def all_gather_object(object_list, obj, group=None):
    """Gather ``obj`` from every rank: ``object_list[i]`` becomes rank i's object on every rank."""
    pg = resolve_group(group, "all_gather_object")
    if pg is None:
        return None
    _check_list(object_list, "all_gather_object", "object_list", pg.size())
    agree(pg, "all_gather_object", ("all_gather_object",), "all_gather_object",
          "every rank must call the same collective")
    object_list[:] = pg.comm.allgather(obj)
    return None


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    """Gather ``obj`` from every rank into ``object_gather_list`` on rank ``dst`` (default 0)."""
    pg = resolve_group(group, "gather_object")
    if pg is None:
        return None
    root = group_root(pg, dst, group_dst, "gather_object", "dst", default=0)
    if pg.rank() == root:
        _check_list(object_gather_list, "gather_object", "object_gather_list", pg.size())
    agree(pg, "gather_object", ("gather_object", root), f"dst {pg.ranks[root]}", "every rank must pass the same dst")
    gathered = pg.comm.gather(obj, root)
    if pg.rank() == root:
        object_gather_list[:] = gathered
    return None


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None, group=None,
                        group_src=None):
    """Give rank i ``scatter_object_input_list[i]`` of rank ``src`` (default 0), as
    ``scatter_object_output_list[0]``."""
    who = "scatter_object_list"
    pg = resolve_group(group, who)
    if pg is None:
        return None
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError(f"{who}: Expected argument scatter_object_output_list to be a list of size at least 1.")
    root = group_root(pg, src, group_src, who, "src", default=0)
    if pg.rank() == root:
        _check_list(scatter_object_input_list, who, "scatter_object_input_list", pg.size())
    agree(pg, who, (who, root), f"src {pg.ranks[root]}", "every rank must pass the same src")
    scatter_object_output_list[0] = pg.comm.scatter(scatter_object_input_list if pg.rank() == root else None, root)
    return None


_OBJECT_TAG = 0x0B1  # point-to-point tag of object transfers (apart from tensor messages' default tag 0)


def send_object_list(object_list, dst=None, group=None, device=None, group_dst=None, use_batch=False):
    """Send the objects of ``object_list`` to rank ``dst`` (which calls ``recv_object_list``)."""
    pg = resolve_group(group, "send_object_list")
    if pg is None:
        return None
    _check_list(object_list, "send_object_list", "object_list")
    pg.comm.send(list(object_list), peer_rank(pg, dst, group_dst, "send_object_list", "dst"), _OBJECT_TAG)
    return None


def recv_object_list(object_list, src=None, group=None, device=None, group_src=None, use_batch=False):
    """Receive objects from rank ``src`` (any rank for None) into ``object_list``, which must have as
    many entries as were sent; returns the sender's global rank."""
    pg = resolve_group(group, "recv_object_list")
    if pg is None:
        return -1
    _check_list(object_list, "recv_object_list", "object_list")
    MPI = mpi()
    status = MPI.Status()
    peer = peer_rank(pg, src, group_src, "recv_object_list", "src", allow_any=True)
    received = pg.comm.recv(None, MPI.ANY_SOURCE if peer is None else peer, _OBJECT_TAG, status)
    sender = pg.ranks[status.Get_source()]
    if len(received) != len(object_list):
        raise ValueError(f"recv_object_list: rank {sender} sent {len(received)} objects, but object_list has "
                         f"room for {len(object_list)}")
    object_list[:] = received
    return sender
