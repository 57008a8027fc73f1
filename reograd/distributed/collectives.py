"""Collectives on tensors, as ``torch.distributed``: ``all_reduce``, ``broadcast``, ``reduce``,
``all_gather``, ``all_gather_into_tensor``, ``reduce_scatter``, ``reduce_scatter_tensor``, ``gather``,
``scatter``, ``all_to_all``, ``all_to_all_single``, ``barrier``, ``monitored_barrier``.

Each runs in place on the tensors it is given, over the group's MPI communicator. A contiguous
NumPy tensor is MPI's buffer itself (zero copy); others go through a contiguous staging copy.
``async_op=True`` starts the non-blocking MPI call and returns a :class:`~reograd.distributed.Work`
(``wait()``); otherwise the call returns None once done. Source and destination ranks (``src``,
``dst``) are global ranks, as in PyTorch; ``group_src``/``group_dst`` give ranks within ``group``.
Before the data moves, the ranks check that they agree on shapes, dtypes, ops and roots (see
``_checks``), so a mismatch raises the same clear error everywhere instead of hanging.
"""
from __future__ import annotations

import time

import numpy as np

from ._checks import agree, agree_flag, describe, mismatch_message
from ._mpi import check_tensor, finish_write, mpi, read_buffer, write_buffer
from .process_group import as_timeout, group_root, resolve_group
from .reduce_op import ReduceOp, mpi_op, op_name
from .work import Work

__all__ = ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "reduce_scatter",
           "reduce_scatter_tensor", "gather", "scatter", "all_to_all", "all_to_all_single", "barrier",
           "monitored_barrier"]


def _launch(pg, name, args, async_op, op, finish=None, outputs=()):
    """Run MPI collective ``name`` (blocking) or its non-blocking ``I...`` form (returning a Work)."""
    if async_op:
        req = getattr(pg.comm, "I" + name[0].lower() + name[1:])(*args)
        return Work([req], op, finish, outputs, keep=args)
    getattr(pg.comm, name)(*args)
    if finish is not None:
        finish(None)
    return None


def _same_layout(tensors, like, who, name):
    """Every tensor of the list has ``like``'s shape and dtype (ValueError otherwise)."""
    for i, t in enumerate(tensors):
        check_tensor(t, who, f"{name}[{i}]")
        if tuple(t.shape) != tuple(like.shape) or t.dtype != like.dtype:
            raise ValueError(f"{who}: {name}[{i}] is a {describe(t)}, but the tensor is a {describe(like)}; "
                             "they must match")


def _list_length(tensors, n, who, name):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != n:
        got = f"{len(tensors)} tensors" if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{who}: {name} must hold one tensor per rank of the group ({n}), got {got}")


def _n_times(pg, big, small, who, big_name, small_name):
    """``big`` must hold the group size times the elements of ``small``, in its dtype (``*_tensor`` ops)."""
    check_tensor(big, who, big_name)
    check_tensor(small, who, small_name)
    n = pg.size()
    if big.numel() != n * small.numel() or big.dtype != small.dtype:
        raise ValueError(f"{who}: {big_name} ({describe(big)}) must hold group size ({n}) times the elements of "
                         f"{small_name} ({describe(small)}), in the same dtype")


def _rooted(group, tensor, listed, rank, group_rank, who, what, role):
    """``(group, root, is_root)`` for gather and scatter, whose list only the root passes (checked as in
    PyTorch), after the ranks agreed on the tensor and the root; ``(None, None, False)`` off the group."""
    pg = resolve_group(group, who)
    if pg is None:
        return None, None, False
    check_tensor(tensor, who)
    root = group_root(pg, rank, group_rank, who, what, default=0)
    name = f"{who}_list"
    is_root = pg.rank() == root
    if is_root:
        if not listed:
            raise ValueError(f"{who}: Argument ``{name}`` must be specified on {role} rank.")
        _list_length(listed, pg.size(), who, name)
        _same_layout(listed, tensor, who, name)
    elif listed:
        raise ValueError(f"{who}: Argument ``{name}`` must NOT be specified on non-{role} ranks.")
    agree(pg, who, (who, str(tensor.dtype), tuple(tensor.shape), root), f"{describe(tensor)}, {what} {pg.ranks[root]}")
    return pg, root, is_root


def _write_back(tensor, buf, divide=None):
    """What finishes an operation that wrote ``buf``: AVG's division by the group size, then the copy
    into ``tensor`` (when ``buf`` is a staging array) and its version bump."""
    def finish(_):
        if divide:
            np.divide(buf, divide, out=buf)
        finish_write(tensor, buf)

    return finish


def _write_parts(tensors, parts):
    """What finishes a gathering operation: ``parts[i]`` copied into ``tensors[i]``."""
    def finish(_):
        for t, part in zip(tensors, parts):
            finish_write(t, part)

    return finish


def _reduction(tensor, op, pg, who):
    mop, average = mpi_op(op, tensor._array().dtype, who)
    return mop, (pg.size() if average else None)


# --------------------------------------------------------------------------------------
# reductions
# --------------------------------------------------------------------------------------
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` across all ranks of ``group``, in place: afterwards every rank holds
    ``op(t_0, ..., t_{n-1})`` elementwise (``ReduceOp.SUM`` by default; ``AVG`` divides the sum by n).

    >>> t = reograd.tensor([float(dist.get_rank())])
    >>> dist.all_reduce(t)            # every rank: 0 + 1 + ... + (n - 1)
    """
    pg = resolve_group(group, "all_reduce")
    if pg is None:
        return None
    check_tensor(tensor, "all_reduce")
    mop, divide = _reduction(tensor, op, pg, "all_reduce")
    agree(pg, "all_reduce", ("all_reduce", str(tensor.dtype), tuple(tensor.shape), op_name(op)),
          f"{describe(tensor)}, op {op_name(op)}", "every rank must pass a tensor of the same shape and dtype, "
          "with the same op")
    buf = write_buffer(tensor, keep_data=True)
    return _launch(pg, "Allreduce", (mpi().IN_PLACE, buf, mop), async_op, "all_reduce",
                   _write_back(tensor, buf, divide), [tensor])


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce ``tensor`` across the ranks of ``group`` into rank ``dst``'s tensor (in place); the other
    ranks' tensors are left as they are."""
    pg = resolve_group(group, "reduce")
    if pg is None:
        return None
    check_tensor(tensor, "reduce")
    root = group_root(pg, dst, group_dst, "reduce", "dst")
    mop, divide = _reduction(tensor, op, pg, "reduce")
    agree(pg, "reduce", ("reduce", str(tensor.dtype), tuple(tensor.shape), op_name(op), root),
          f"{describe(tensor)}, op {op_name(op)}, dst {pg.ranks[root]}",
          "every rank must pass a tensor of the same shape and dtype, with the same op and dst")
    MPI = mpi()
    if pg.rank() == root:
        buf = write_buffer(tensor, keep_data=True)
        return _launch(pg, "Reduce", (MPI.IN_PLACE, buf, mop, root), async_op, "reduce",
                       _write_back(tensor, buf, divide), [tensor])
    return _launch(pg, "Reduce", (read_buffer(tensor), None, mop, root), async_op, "reduce", None, [tensor])


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """Reduce ``input`` (n times ``output``'s size: n equal chunks along its flattened order) across the
    ranks, and give rank i the reduced chunk i in ``output``."""
    pg = resolve_group(group, "reduce_scatter_tensor")
    if pg is None:
        return None
    _n_times(pg, input, output, "reduce_scatter_tensor", "input", "output")
    mop, divide = _reduction(output, op, pg, "reduce_scatter_tensor")
    agree(pg, "reduce_scatter_tensor", ("reduce_scatter_tensor", str(output.dtype), tuple(output.shape),
                                        op_name(op)), f"output {describe(output)}, op {op_name(op)}")
    return _reduce_scatter(pg, output, read_buffer(input), mop, divide, async_op, "reduce_scatter_tensor")


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list[i]`` across the ranks and give the result to rank i, in ``output``."""
    pg = resolve_group(group, "reduce_scatter")
    if pg is None:
        return None
    check_tensor(output, "reduce_scatter", "output")
    _list_length(input_list, pg.size(), "reduce_scatter", "input_list")
    _same_layout(input_list, output, "reduce_scatter", "input_list")
    mop, divide = _reduction(output, op, pg, "reduce_scatter")
    agree(pg, "reduce_scatter", ("reduce_scatter", str(output.dtype), tuple(output.shape), op_name(op)),
          f"output {describe(output)}, op {op_name(op)}")
    send = np.stack([read_buffer(t) for t in input_list])
    return _reduce_scatter(pg, output, send, mop, divide, async_op, "reduce_scatter")


def _reduce_scatter(pg, output, send, mop, divide, async_op, who):
    buf = write_buffer(output)
    return _launch(pg, "Reduce_scatter_block", (send, buf, mop), async_op, who, _write_back(output, buf, divide),
                   [output])


# --------------------------------------------------------------------------------------
# data movement
# --------------------------------------------------------------------------------------
def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy rank ``src``'s ``tensor`` into the tensor of every other rank of ``group`` (in place)."""
    pg = resolve_group(group, "broadcast")
    if pg is None:
        return None
    check_tensor(tensor, "broadcast")
    root = group_root(pg, src, group_src, "broadcast", "src")
    agree(pg, "broadcast", ("broadcast", str(tensor.dtype), tuple(tensor.shape), root),
          f"{describe(tensor)}, src {pg.ranks[root]}",
          "every rank must pass a tensor of the same shape and dtype, with the same src")
    if pg.rank() == root:
        return _launch(pg, "Bcast", (read_buffer(tensor), root), async_op, "broadcast", None, [tensor])
    buf = write_buffer(tensor)
    return _launch(pg, "Bcast", (buf, root), async_op, "broadcast", _write_back(tensor, buf), [tensor])


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Gather every rank's ``tensor`` into ``tensor_list`` on every rank (``tensor_list[i]`` gets rank
    i's), each list entry of ``tensor``'s shape and dtype."""
    pg = resolve_group(group, "all_gather")
    if pg is None:
        return None
    check_tensor(tensor, "all_gather")
    _list_length(tensor_list, pg.size(), "all_gather", "tensor_list")
    _same_layout(tensor_list, tensor, "all_gather", "tensor_list")
    agree(pg, "all_gather", ("all_gather", str(tensor.dtype), tuple(tensor.shape)), describe(tensor))
    recv = np.empty((pg.size(),) + tuple(tensor.shape), dtype=tensor._array().dtype)
    return _launch(pg, "Allgather", (read_buffer(tensor), recv), async_op, "all_gather",
                   _write_parts(tensor_list, recv), tensor_list)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Gather every rank's ``input_tensor`` into ``output_tensor``: rank i's data is the i-th of n equal
    chunks (``output_tensor`` of shape ``(n * d0, ...)`` or ``(n, d0, ...)``)."""
    pg = resolve_group(group, "all_gather_into_tensor")
    if pg is None:
        return None
    _n_times(pg, output_tensor, input_tensor, "all_gather_into_tensor", "output_tensor", "input_tensor")
    agree(pg, "all_gather_into_tensor", ("all_gather_into_tensor", str(input_tensor.dtype),
                                         tuple(input_tensor.shape)), f"input {describe(input_tensor)}")
    buf = write_buffer(output_tensor)
    return _launch(pg, "Allgather", (read_buffer(input_tensor), buf), async_op, "all_gather_into_tensor",
                   _write_back(output_tensor, buf), [output_tensor])


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Gather every rank's ``tensor`` into ``gather_list`` on rank ``dst`` (default 0); the other ranks
    pass no list."""
    pg, root, is_root = _rooted(group, tensor, gather_list, dst, group_dst, "gather", "dst", "destination")
    if pg is None:
        return None
    if not is_root:
        return _launch(pg, "Gather", (read_buffer(tensor), None, root), async_op, "gather")
    recv = np.empty((pg.size(),) + tuple(tensor.shape), dtype=tensor._array().dtype)
    return _launch(pg, "Gather", (read_buffer(tensor), recv, root), async_op, "gather",
                   _write_parts(gather_list, recv), gather_list)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Give rank i ``scatter_list[i]`` of rank ``src`` (default 0), in ``tensor``; the other ranks pass
    no list."""
    pg, root, is_root = _rooted(group, tensor, scatter_list, src, group_src, "scatter", "src", "source")
    if pg is None:
        return None
    send = np.stack([read_buffer(t) for t in scatter_list]) if is_root else None
    buf = write_buffer(tensor)
    return _launch(pg, "Scatter", (send, buf, root), async_op, "scatter", _write_back(tensor, buf),
                   [tensor])


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None,  # noqa: A002
                      async_op=False):
    """Split ``input`` along dim 0 and send piece j to rank j; ``output`` receives the pieces from each
    rank, in rank order. Without split sizes the pieces are equal (dim 0 divided by the group size);
    ``input_split_sizes[j]`` rows go to rank j, ``output_split_sizes[i]`` rows come from rank i."""
    who = "all_to_all_single"
    pg = resolve_group(group, who)
    if pg is None:
        return None
    check_tensor(output, who, "output")
    check_tensor(input, who, "input")
    n = pg.size()
    if output.dtype != input.dtype:
        raise ValueError(f"{who}: output ({describe(output)}) and input ({describe(input)}) must have one dtype")
    send_counts = _split_counts(input, input_split_sizes, n, who, "input")
    recv_counts = _split_counts(output, output_split_sizes, n, who, "output")
    _agree_counts(pg, send_counts, recv_counts, who)
    buf = write_buffer(output)
    return _launch(pg, "Alltoallv", (_counted(read_buffer(input), send_counts), _counted(buf, recv_counts)),
                   async_op, who, _write_back(output, buf), [output])


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """Send ``input_tensor_list[j]`` to rank j; ``output_tensor_list[i]`` receives rank i's piece."""
    who = "all_to_all"
    pg = resolve_group(group, who)
    if pg is None:
        return None
    n = pg.size()
    _list_length(output_tensor_list, n, who, "output_tensor_list")
    _list_length(input_tensor_list, n, who, "input_tensor_list")
    for name, ts in (("output_tensor_list", output_tensor_list), ("input_tensor_list", input_tensor_list)):
        for i, t in enumerate(ts):
            check_tensor(t, who, f"{name}[{i}]")
            if t.dtype != input_tensor_list[0].dtype:
                raise ValueError(f"{who}: {name}[{i}] is a {describe(t)}; every tensor must have the dtype of "
                                 f"input_tensor_list[0] ({input_tensor_list[0].dtype})")
    send_counts = [t.numel() for t in input_tensor_list]
    recv_counts = [t.numel() for t in output_tensor_list]
    _agree_counts(pg, send_counts, recv_counts, who)
    send = np.concatenate([read_buffer(t).reshape(-1) for t in input_tensor_list])
    recv = np.empty(sum(recv_counts), dtype=send.dtype)
    offsets = np.concatenate([[0], np.cumsum(recv_counts)]).astype(int)
    parts = [recv[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
    return _launch(pg, "Alltoallv", (_counted(send, send_counts), _counted(recv, recv_counts)), async_op, who,
                   _write_parts(output_tensor_list, parts), output_tensor_list)


def _split_counts(t, splits, n, who, name):
    """Elements sent to / received from each rank: rows of dim 0 times the elements of a row."""
    rows = int(t.shape[0]) if t.dim() else 1
    row = t.numel() // rows if rows else int(np.prod(tuple(t.shape)[1:]))
    if splits is None or len(splits) == 0:
        if rows % n:
            raise ValueError(f"{who}: {name} has {rows} rows along dim 0, which do not split evenly across "
                             f"{n} ranks; pass {name}_split_sizes")
        return [rows // n * row] * n
    splits = [int(s) for s in splits]
    if len(splits) != n or sum(splits) != rows or min(splits) < 0:
        raise ValueError(f"{who}: {name}_split_sizes {splits} must give one non-negative size per rank ({n}) "
                         f"summing to {name}'s {rows} rows along dim 0")
    return [s * row for s in splits]


def _agree_counts(pg, send_counts, recv_counts, who):
    """What each rank sends me must be what I expect to receive; checked on all ranks together."""
    if not pg.checks or pg.size() == 1:
        if pg.size() == 1 and send_counts != recv_counts:
            raise ValueError(f"{who}: this rank sends {send_counts[0]} elements to itself but expects "
                             f"{recv_counts[0]}")
        return
    incoming = pg.comm.alltoall(send_counts)
    if agree_flag(pg, incoming != recv_counts):
        texts = pg.comm.allgather(f"sends {send_counts}, expects {recv_counts}")
        raise RuntimeError(mismatch_message(who, pg.ranks, texts, "element j of what rank i sends must equal "
                                            "element i of what rank j expects"))


def _counted(buf, counts):
    displs = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int).tolist()
    return [buf, (list(counts), displs)]


# --------------------------------------------------------------------------------------
# synchronisation
# --------------------------------------------------------------------------------------
def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Block until every rank of ``group`` has reached the barrier."""
    pg = resolve_group(group, "barrier")
    if pg is None:
        return None
    agree(pg, "barrier", ("barrier",), "barrier", "every rank must call the same collective")
    if timeout is not None and not async_op:
        _launch(pg, "Barrier", (), True, "barrier").wait(timeout)
        return None
    return _launch(pg, "Barrier", (), async_op, "barrier")


_MONITOR_TAG = 0x5EB  # point-to-point tag of monitored_barrier's check-in messages


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """A barrier that names the ranks that did not reach it within ``timeout``: rank 0 waits for every
    other rank to check in and raises a RuntimeError listing those that did not (the first one, or
    all with ``wait_all_ranks``); the others wait for rank 0's release. ``timeout`` (seconds or a
    ``timedelta``) defaults to the group's (``init_process_group(timeout=...)``, 30 minutes)."""
    pg = resolve_group(group, "monitored_barrier")
    if pg is None:
        return None
    seconds = (pg.timeout if timeout is None else as_timeout(timeout, "monitored_barrier")).total_seconds()
    token = np.zeros(1, dtype=np.int8)
    if pg.rank() != 0:
        pg.comm.Send(token, 0, _MONITOR_TAG)
        Work([pg.comm.Irecv(token, 0, _MONITOR_TAG)], "monitored_barrier").wait(seconds)
        return None
    inbox = np.zeros(pg.size(), dtype=np.int8)
    pending = {r: pg.comm.Irecv(inbox[r:r + 1], r, _MONITOR_TAG) for r in range(1, pg.size())}
    deadline = time.monotonic() + seconds
    while pending and time.monotonic() < deadline:
        for r in [r for r, req in pending.items() if req.Test()]:
            del pending[r]
        time.sleep(1e-4)
    if pending:
        missing = sorted(pg.ranks[r] for r in pending)
        if not wait_all_ranks:
            missing = missing[:1]
        raise RuntimeError(f"monitored_barrier: rank{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(map(str, missing))} failed to pass monitoredBarrier in {seconds:g} s")
    for r in range(1, pg.size()):
        pg.comm.Send(token, r, _MONITOR_TAG)
    return None
