"""Point-to-point transfers, as ``torch.distributed``: ``send``, ``recv``, ``isend``, ``irecv``, and
``batch_isend_irecv`` of :class:`P2POp`.

Peers are global ranks (``group_dst``/``group_src``: ranks within ``group``). ``recv`` matches the
incoming message before receiving it, so a message of the wrong size raises an error naming both
sizes instead of being cut short; ``irecv`` checks when its work completes.
"""
from __future__ import annotations

import numpy as np

from ._checks import describe
from ._mpi import check_tensor, finish_write, mpi, read_buffer, write_buffer
from .process_group import group_root, resolve_group
from .work import Work

__all__ = ["send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv"]


def peer_rank(pg, rank, group_rank, who, what, allow_any=False):
    """The group rank of the peer given as a global ``rank`` or as ``group_rank`` (None: any source,
    where ``allow_any``); a ValueError if it is this process itself."""
    if allow_any and rank is None and group_rank is None:
        return None
    peer = group_root(pg, rank, group_rank, who, what)
    if peer == pg.rank():
        raise ValueError(f"{who}: Invalid {what} rank: {what} rank should not be the same as the rank of the "
                         "current process.")
    return peer


def _size_error(who, tensor, got_bytes, source_rank):
    item = tensor._array().dtype.itemsize
    return RuntimeError(f"{who}: rank {source_rank} sent {got_bytes} bytes ({got_bytes // item} elements of "
                        f"{np.dtype(tensor._array().dtype)}), but the receiving {describe(tensor)} holds "
                        f"{tensor.numel()} elements; sender and receiver must use tensors of the same size and dtype")


def _endpoint(tensor, group, rank, group_rank, who, receiving=False):
    """The group and the peer's rank in it (``MPI.ANY_SOURCE`` for any sender), or (None, None) on a
    process outside the group."""
    pg = resolve_group(group, who)
    if pg is None:
        return None, None
    check_tensor(tensor, who)
    peer = peer_rank(pg, rank, group_rank, who, "src" if receiving else "dst", allow_any=receiving)
    return pg, (mpi().ANY_SOURCE if peer is None else peer)


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send ``tensor`` to rank ``dst``, blocking until the buffer may be reused."""
    pg, peer = _endpoint(tensor, group, dst, group_dst, "send")
    if pg is not None:
        pg.comm.Send(read_buffer(tensor), peer, int(tag))


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive a tensor from rank ``src`` (from any rank for None) into ``tensor``, in place; returns the
    sender's global rank."""
    pg, peer = _endpoint(tensor, group, src, group_src, "recv", receiving=True)
    if pg is None:
        return -1
    MPI = mpi()
    status = MPI.Status()
    message = pg.comm.Mprobe(peer, int(tag), status)
    buf = write_buffer(tensor)
    sender = pg.ranks[status.Get_source()]
    got = status.Get_count(MPI.BYTE)
    if got != buf.nbytes:
        message.Recv(np.empty(got, dtype=np.uint8))  # consume the message: the error is ours to raise
        raise _size_error("recv", tensor, got, sender)
    message.Recv(buf)
    finish_write(tensor, buf)
    return sender


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Start sending ``tensor`` to rank ``dst``; returns a Work (``wait()`` before changing ``tensor``)."""
    pg, peer = _endpoint(tensor, group, dst, group_dst, "isend")
    if pg is None:
        return None
    buf = read_buffer(tensor)
    return Work([pg.comm.Isend(buf, peer, int(tag))], "isend", None, [tensor], keep=buf)


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Start receiving into ``tensor`` from rank ``src`` (any rank for None); returns a Work whose
    ``wait()`` makes the data visible and whose ``source_rank()`` names the sender."""
    pg, peer = _endpoint(tensor, group, src, group_src, "irecv", receiving=True)
    if pg is None:
        return None
    buf = write_buffer(tensor)

    def finish(work):
        status = work._statuses[0]
        work._source = pg.ranks[status.Get_source()]
        got = status.Get_count(mpi().BYTE)
        if got != buf.nbytes:
            raise _size_error("irecv", tensor, got, work._source)
        finish_write(tensor, buf)

    return Work([pg.comm.Irecv(buf, peer, int(tag))], "irecv", finish, [tensor],
                on_error=f"the message is longer than the receiving {describe(tensor)}", keep=buf)


class P2POp:
    """One transfer of a :func:`batch_isend_irecv` list: ``P2POp(dist.isend, tensor, peer)`` or
    ``P2POp(dist.irecv, tensor, peer)`` (``peer`` a global rank; ``group_peer`` one within ``group``)."""

    def __init__(self, op, tensor, peer=None, group=None, tag=0, group_peer=None):
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type ``torch.distributed.isend`` or "
                             "``torch.distributed.irecv``.")
        check_tensor(tensor, "P2POp")
        self.op, self.tensor, self.peer, self.group, self.tag, self.group_peer = op, tensor, peer, group, tag, \
            group_peer

    def __repr__(self):
        return f"P2POp({self.op.__name__}, peer={self.peer}, {describe(self.tensor)})"


def batch_isend_irecv(p2p_op_list):
    """Start every transfer of a list of :class:`P2POp`; returns their Works (wait on each)."""
    if not isinstance(p2p_op_list, (list, tuple)) or not all(isinstance(p, P2POp) for p in p2p_op_list):
        raise ValueError("Invalid ``p2p_op_list``. Each op is expected to to be of type "
                         "``torch.distributed.P2POp``.")
    works = []
    for p in p2p_op_list:
        if p.op is isend:
            works.append(isend(p.tensor, p.peer, p.group, p.tag, group_dst=p.group_peer))
        else:
            works.append(irecv(p.tensor, p.peer, p.group, p.tag, group_src=p.group_peer))
    return works
