"""The gradient reducer of DistributedDataParallel: buckets, launched from gradient hooks as they fill.

Gradients are averaged across the ranks as in PyTorch DDP and Horovod:

- The parameters are grouped into buckets (one dtype each) of about ``bucket_cap_mb`` (with the
  default cap, the first one 1 MiB, so communication starts early), in the order backward produces
  their gradients. That order is only known after the first iteration, so (as in PyTorch) the first
  iteration uses one bucket of everything, and the buckets are then rebuilt in the order the
  gradients arrived (rank 0's, so all ranks agree). With ``find_unused_parameters`` the buckets are
  not rebuilt: they follow the reverse registration order from the start.
- A hook on each parameter (run once its ``.grad`` is accumulated) copies the gradient, divided by
  the world size, into its bucket's flat buffer. When a bucket is full it is all-reduced with a
  non-blocking ``MPI_Iallreduce``, while backward goes on computing the next gradients. Buckets are
  launched in index order on every rank (collectives must be issued in the same order everywhere).
- When the last bucket has been launched, the hook waits for all of them and writes the averages
  back into the ``.grad`` tensors, so ``backward()`` returns with averaged gradients.
- ``find_unused_parameters``: after forward, the autograd graph of the output is walked to find the
  parameters it does not reach; they count as ready (with zero gradient) when backward starts, so
  their buckets do not wait forever. A parameter unused on every rank keeps its ``.grad``.
"""
from __future__ import annotations

import numpy as np

from ...distributed._mpi import finish_write, mpi
from ...ops.creation.factories import as_tensor

FIRST_BUCKET_BYTES = 1024 * 1024  # PyTorch's dist._DEFAULT_FIRST_BUCKET_BYTES


class _Bucket:
    __slots__ = ("members", "offsets", "flat", "pending", "request")

    def __init__(self, members, params):
        self.members = members                        # parameter indices
        sizes = [params[i].numel() for i in members]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
        self.flat = np.zeros(self.offsets[-1], dtype=params[members[0]]._array().dtype)
        self.pending = len(members)
        self.request = None


def assign_buckets(params, order, limits):
    """Bucket the parameter indices ``order`` by dtype, closing a bucket once it holds at least the
    current limit in bytes (``limits``: the first bucket's, then every later one's), as PyTorch's
    ``compute_bucket_assignment_by_size``; buckets come in the order of their first member."""
    open_buckets = {}     # dtype -> (indices, bytes, limit position)
    done = []
    for i in order:
        arr = params[i]._array()
        key = arr.dtype
        members, size, pos = open_buckets.get(key, ([], 0, 0))
        members.append(i)
        size += arr.nbytes
        if size >= limits[min(pos, len(limits) - 1)]:
            done.append(members)
            open_buckets[key] = ([], 0, pos + 1)
        else:
            open_buckets[key] = (members, size, pos)
    done.extend(m for m, _, _ in open_buckets.values() if m)
    rank = {i: k for k, i in enumerate(order)}
    return sorted(done, key=lambda m: rank[m[0]])


class Reducer:
    """Averages the gradients of ``params`` across the ranks of ``pg`` during backward (see the module
    docstring). ``prepare_for_backward(outputs)`` arms it for the next backward (DDP's forward calls it)."""

    def __init__(self, params, pg, bucket_bytes, first_bucket_bytes, find_unused_parameters,
                 gradient_as_bucket_view):
        self.params = params
        self.pg = pg
        self.limits = [first_bucket_bytes, bucket_bytes]
        self.find_unused = find_unused_parameters
        self.as_view = gradient_as_bucket_view
        self.rebuilt = find_unused_parameters  # PyTorch rebuilds once, and only without unused-parameter search
        self._build(list(reversed(range(len(params)))), self.limits if find_unused_parameters else [float("inf")])
        self.armed = False
        self.started = False
        self.arrival = []
        self.unused = ()
        self.handles = [p.register_post_accumulate_grad_hook(self._hook_for(i)) for i, p in enumerate(params)]

    def _build(self, order, limits):
        self.buckets = [_Bucket(m, self.params) for m in assign_buckets(self.params, order, limits)]
        self.where = {}
        for b, bucket in enumerate(self.buckets):
            for k, i in enumerate(bucket.members):
                self.where[i] = (b, bucket.offsets[k], bucket.offsets[k + 1])

    def _hook_for(self, i):
        def hook(_param):
            if self.armed:
                self.mark_ready(i)
        return hook

    def remove_hooks(self):
        for h in self.handles:
            h.remove()
        self.handles = []

    # ------------------------------------------------------------------ one iteration
    def unfinished(self):
        """True if the last armed backward began reducing but some bucket never filled."""
        return self.armed and self.started

    def prepare_for_backward(self, outputs=None):
        """Arm the hooks for the next backward; with ``find_unused_parameters``, find from ``outputs``
        the parameters backward will not reach."""
        if not self.rebuilt and self.arrival:
            self._rebuild()
        self.armed, self.started = True, False
        self.ready = [False] * len(self.params)
        self.used = np.zeros(len(self.params), dtype=np.int32)
        self.arrival = []
        self.next_bucket = 0
        for bucket in self.buckets:
            bucket.pending = len(bucket.members)
            bucket.request = None
        if self.find_unused:
            reached = _reachable_leaves(outputs)
            self.unused = [i for i, p in enumerate(self.params) if id(p) not in reached]

    def mark_ready(self, i):
        """Parameter ``i``'s gradient is final for this backward: copy it (divided by the world size; zero
        where it has none) into its bucket, and launch the buckets that are full."""
        if self.ready[i]:
            raise RuntimeError(f"DistributedDataParallel: Expected to mark a variable ready only once (parameter "
                               f"{i}, shape {tuple(self.params[i].shape)}). A parameter may be used in several "
                               "reentrant backward passes, or be shared by two DDP-wrapped modules.")
        if not self.started:
            self.started = True
            for j in self.unused:
                if j != i and not self.ready[j]:
                    self.mark_ready(j)
        self.ready[i] = True
        self.arrival.append(i)
        b, start, end = self.where[i]
        bucket = self.buckets[b]
        slot = bucket.flat[start:end]
        grad = self.params[i].grad
        n = self.pg.size()
        if grad is not None:  # (an unused parameter may hold a gradient accumulated under no_sync)
            self.used[i] = 1
            src = grad._array()
            src = src if type(src) is np.ndarray else src.get()
            np.divide(src.reshape(-1), n, out=slot)
        else:
            slot[...] = 0
        bucket.pending -= 1
        if bucket.pending == 0:
            self._launch_ready()
        else:
            self._progress()

    def _progress(self):
        """Give MPI a chance to move the launched buckets along (MPICH progresses inside MPI calls)."""
        reqs = [b.request for b in self.buckets[:self.next_bucket] if b.request is not None]
        if reqs:
            mpi().Request.Testall(reqs)

    def _launch_ready(self):
        MPI = mpi()
        while self.next_bucket < len(self.buckets) and self.buckets[self.next_bucket].pending == 0:
            bucket = self.buckets[self.next_bucket]
            bucket.request = self.pg.comm.Iallreduce(MPI.IN_PLACE, bucket.flat, MPI.SUM)
            self.next_bucket += 1
        if self.next_bucket == len(self.buckets):
            self._finalize()

    def _finalize(self):
        MPI = mpi()
        MPI.Request.Waitall([b.request for b in self.buckets])
        used = self.used
        if self.find_unused:
            self.pg.comm.Allreduce(MPI.IN_PLACE, used, MPI.MAX)
        for i, p in enumerate(self.params):
            if self.find_unused and not used[i]:
                continue  # unused on every rank: its .grad stays as it was
            b, start, end = self.where[i]
            averaged = self.buckets[b].flat[start:end].reshape(tuple(p.shape))
            grad = p.grad
            if grad is None or (self.as_view and type(p._array()) is np.ndarray):
                p.grad = as_tensor(averaged if self.as_view else averaged.copy(), device=p.device)
            else:
                finish_write(grad, averaged)
        self.armed = self.started = False

    def _rebuild(self):
        """Rebuild the buckets in the order the gradients arrived in the first iteration, rank 0's."""
        self.rebuilt = True
        arrived = set(self.arrival)
        order = self.arrival + [i for i in reversed(range(len(self.params))) if i not in arrived]
        order = np.array(order, dtype=np.int64)
        self.pg.comm.Bcast(order, root=0)
        self._build(order.tolist(), self.limits)


def _reachable_leaves(outputs):
    """The ids of the leaf tensors (parameters) the autograd graph of ``outputs`` reaches."""
    from ...autograd.tensor import Tensor  # noqa: PLC0415

    seen_nodes, leaves, stack = set(), set(), []
    pending = [outputs]
    while pending:  # the tensors in a nested output (tuples, lists, dicts)
        o = pending.pop()
        if isinstance(o, Tensor):
            if o.grad_fn is not None:
                stack.append(o.grad_fn)
            elif o.requires_grad:
                leaves.add(id(o))
        elif isinstance(o, (list, tuple)):
            pending.extend(o)
        elif isinstance(o, dict):
            pending.extend(o.values())
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        variable = getattr(node, "variable", None)  # an AccumulateGrad node: the leaf it feeds
        if variable is not None:
            leaves.add(id(variable))
        for edge in node.next_functions:
            if edge is not None and edge[0] is not None:
                stack.append(edge[0])
    return leaves


def broadcast_coalesced(tensors, pg, root=0):
    """Copy group rank ``root``'s values of ``tensors`` into every rank's, in one broadcast per dtype
    (PyTorch's ``_sync_module_states``)."""
    by_dtype = {}
    for t in tensors:
        by_dtype.setdefault(np.dtype(t._array().dtype), []).append(t)
    for dtype, group in by_dtype.items():
        sizes = [t.numel() for t in group]
        flat = np.empty(sum(sizes), dtype=dtype)
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        is_root = pg.rank() == root
        if is_root:
            for t, a, b in zip(group, offsets[:-1], offsets[1:]):
                arr = t._array()
                flat[a:b] = (arr if type(arr) is np.ndarray else arr.get()).reshape(-1)
        pg.comm.Bcast(flat, root=root)
        if not is_root:
            for t, a, b in zip(group, offsets[:-1], offsets[1:]):
                finish_write(t, flat[a:b].reshape(tuple(t.shape)))
