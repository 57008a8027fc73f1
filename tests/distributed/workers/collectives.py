"""Every collective of reograd.distributed against the same computation done by hand on all ranks'
inputs (each rank can make every rank's input: they come from seeded generators), for float32,
float64 and int64, on contiguous tensors and on strided views. Run: mpiexec -n 2 python collectives.py
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reograd  # noqa: E402
import reograd.distributed as dist  # noqa: E402
from reograd.distributed.nn import functional as dfn  # noqa: E402

DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64}
LAYOUTS = ("contiguous", "strided")
SHAPE = (3, 4)
CHECKS = {}


def check(name):
    def register(fn):
        CHECKS[name] = fn
        return fn
    return register


def W():
    return dist.get_world_size()


def R():
    return dist.get_rank()


def data(r, dtype, shape=SHAPE, salt=0):
    """Rank r's input: small integers for int64 (so products stay exact), normals for floats."""
    rng = np.random.default_rng(1000 * salt + r)
    if np.dtype(dtype).kind == "i":
        return rng.integers(-4, 5, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def as_tensor(arr, layout):
    """``arr`` as a contiguous tensor, or as a non-contiguous view (the transpose of a transposed copy)."""
    if layout == "contiguous":
        t = reograd.tensor(arr.copy())
        assert t.is_contiguous()
        return t
    t = reograd.tensor(np.ascontiguousarray(arr.T)).t()
    assert not t.is_contiguous() and tuple(t.shape) == arr.shape
    return t


def close(t, expected):
    got = t.detach().numpy() if isinstance(t, reograd.Tensor) else np.asarray(t)
    assert got.dtype == np.asarray(expected).dtype, (got.dtype, np.asarray(expected).dtype)
    if got.dtype.kind == "i":
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


_REDUCE = {"SUM": lambda a: a.sum(0), "AVG": lambda a: a.mean(0), "PRODUCT": lambda a: a.prod(0),
           "MIN": lambda a: a.min(0), "MAX": lambda a: a.max(0)}


def _all_inputs(dt, shape=SHAPE, salt=0):
    return np.stack([data(r, dt, shape, salt) for r in range(W())])


for _dname, _dt in DTYPES.items():
    for _layout in LAYOUTS:
        for _op in _REDUCE:
            if _op == "AVG" and _dname == "int64":
                continue

            @check(f"all_reduce_{_op}_{_dname}_{_layout}")
            def _all_reduce(op=_op, dt=_dt, layout=_layout, async_op=False):
                t = as_tensor(data(R(), dt), layout)
                work = dist.all_reduce(t, op=getattr(dist.ReduceOp, op), async_op=async_op)
                if async_op:
                    work.wait()
                expected = _REDUCE[op](_all_inputs(dt))
                close(t, expected.astype(dt) if op == "AVG" else expected)

        @check(f"broadcast_{_dname}_{_layout}")
        def _broadcast(dt=_dt, layout=_layout):
            src = W() - 1
            t = as_tensor(data(R(), dt), layout)
            dist.broadcast(t, src=src)
            close(t, data(src, dt))

        @check(f"reduce_{_dname}_{_layout}")
        def _reduce(dt=_dt, layout=_layout):
            dst = W() - 1
            t = as_tensor(data(R(), dt), layout)
            dist.reduce(t, dst=dst, op=dist.ReduceOp.SUM)
            close(t, _all_inputs(dt).sum(0) if R() == dst else data(R(), dt))

        @check(f"all_gather_{_dname}_{_layout}")
        def _all_gather(dt=_dt, layout=_layout):
            outs = [as_tensor(np.zeros(SHAPE, dt), layout) for _ in range(W())]
            dist.all_gather(outs, as_tensor(data(R(), dt), layout))
            for r, o in enumerate(outs):
                close(o, data(r, dt))

        @check(f"all_gather_into_tensor_{_dname}_{_layout}")
        def _all_gather_into_tensor(dt=_dt, layout=_layout):
            out = as_tensor(np.zeros((W() * SHAPE[0], SHAPE[1]), dt), layout)
            dist.all_gather_into_tensor(out, as_tensor(data(R(), dt), layout))
            close(out, np.concatenate([data(r, dt) for r in range(W())]))
            stacked = reograd.zeros((W(),) + SHAPE, dtype=out.dtype)        # the (world, *shape) form
            dist.all_gather_into_tensor(stacked, as_tensor(data(R(), dt), layout))
            close(stacked, _all_inputs(dt))

        @check(f"reduce_scatter_tensor_{_dname}_{_layout}")
        def _reduce_scatter_tensor(dt=_dt, layout=_layout):
            shape = (W() * SHAPE[0], SHAPE[1])
            out = as_tensor(np.zeros(SHAPE, dt), layout)
            dist.reduce_scatter_tensor(out, as_tensor(data(R(), dt, shape), layout))
            total = _all_inputs(dt, shape).sum(0)
            close(out, total[R() * SHAPE[0]:(R() + 1) * SHAPE[0]])

        @check(f"reduce_scatter_{_dname}_{_layout}")
        def _reduce_scatter(dt=_dt, layout=_layout):
            out = as_tensor(np.zeros(SHAPE, dt), layout)
            dist.reduce_scatter(out, [as_tensor(data(R(), dt, salt=j + 1), layout) for j in range(W())],
                                op=dist.ReduceOp.MAX)
            close(out, _all_inputs(dt, salt=R() + 1).max(0))

        @check(f"gather_{_dname}_{_layout}")
        def _gather(dt=_dt, layout=_layout):
            dst = W() - 1
            outs = [as_tensor(np.zeros(SHAPE, dt), layout) for _ in range(W())] if R() == dst else None
            dist.gather(as_tensor(data(R(), dt), layout), outs, dst=dst)
            if R() == dst:
                for r, o in enumerate(outs):
                    close(o, data(r, dt))

        @check(f"scatter_{_dname}_{_layout}")
        def _scatter(dt=_dt, layout=_layout):
            src = W() - 1
            parts = [as_tensor(data(j, dt, salt=7), layout) for j in range(W())] if R() == src else None
            t = as_tensor(np.zeros(SHAPE, dt), layout)
            dist.scatter(t, parts, src=src)
            close(t, data(R(), dt, salt=7))

        @check(f"all_to_all_single_{_dname}_{_layout}")
        def _all_to_all_single(dt=_dt, layout=_layout):
            shape = (W() * 2, 3)
            out = as_tensor(np.zeros(shape, dt), layout)
            dist.all_to_all_single(out, as_tensor(data(R(), dt, shape), layout))
            close(out, np.concatenate([data(j, dt, shape)[2 * R():2 * R() + 2] for j in range(W())]))

        @check(f"send_recv_{_dname}_{_layout}")
        def _send_recv(dt=_dt, layout=_layout):
            if W() < 2:
                return
            if R() == 0:
                dist.send(as_tensor(data(0, dt), layout), dst=1)
                work = dist.irecv(as_tensor(np.zeros(SHAPE, dt), layout), src=1, tag=5)
                work.wait()
                close(work.result()[0], data(1, dt))
                assert work.source_rank() == 1
            elif R() == 1:
                t = as_tensor(np.zeros(SHAPE, dt), layout)
                assert dist.recv(t) == 0          # from any source: the sender is returned
                close(t, data(0, dt))
                dist.isend(as_tensor(data(1, dt), layout), dst=0, tag=5).wait()


@check("all_reduce_async_work_handle")
def _async():
    t = reograd.tensor(data(R(), np.float64))
    work = dist.all_reduce(t, async_op=True)
    assert isinstance(work, dist.Work)
    assert work.wait() is True and work.is_completed() and work.is_success() and work.exception() is None
    close(t, _all_inputs(np.float64).sum(0))
    assert work.result()[0] is t
    u = reograd.ones(2, dtype=reograd.float64)
    fut = dist.all_reduce(u, async_op=True).get_future()
    doubled = fut.then(lambda f: f.value()[0] * 2)
    close(doubled.wait(), np.full(2, 2.0 * W()))
    assert fut.done() and fut.wait()[0] is u


@check("all_reduce_bumps_version")
def _version():
    t = reograd.ones(3)
    v = t._version
    dist.all_reduce(t)
    assert t._version > v


@check("all_reduce_bool_is_logical")
def _bool():
    t = reograd.tensor([R() == 0, False, True])
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    assert t.tolist() == [True, False, True]
    t = reograd.tensor([R() == 0, True])
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    assert t.tolist() == [W() == 1, True]


@check("all_reduce_bitwise_int64")
def _bitwise():
    t = reograd.tensor([1 << R(), 3])
    dist.all_reduce(t, op=dist.ReduceOp.BOR)
    assert t.tolist() == [sum(1 << r for r in range(W())), 3]


@check("all_to_all_single_uneven_splits")
def _uneven():
    n = W()
    # rank r sends j + 1 rows to rank j (values 100 r + j), and receives r + 1 rows from each rank
    send = np.concatenate([np.full((j + 1, 2), 100 * R() + j, np.int64) for j in range(n)])
    out = reograd.zeros(((R() + 1) * n, 2), dtype=reograd.int64)
    dist.all_to_all_single(out, reograd.tensor(send), [R() + 1] * n, [j + 1 for j in range(n)])
    expected = np.concatenate([np.full((R() + 1, 2), 100 * j + R(), np.int64) for j in range(n)])
    close(out, expected)


@check("all_to_all_lists")
def _all_to_all():
    n = W()
    ins = [reograd.full((j + 1,), 10.0 * R() + j) for j in range(n)]
    outs = [reograd.zeros(R() + 1) for _ in range(n)]
    dist.all_to_all(outs, ins)
    for j, o in enumerate(outs):
        close(o, np.full(R() + 1, 10.0 * j + R(), np.float32))


@check("batch_isend_irecv_ring")
def _ring():
    n = W()
    recv = reograd.zeros(2)
    ops = [dist.P2POp(dist.isend, reograd.full((2,), float(R())), (R() + 1) % n),
           dist.P2POp(dist.irecv, recv, (R() - 1) % n)] if n > 1 else []
    for w in dist.batch_isend_irecv(ops):
        w.wait()
    if n > 1:
        close(recv, np.full(2, float((R() - 1) % n), np.float32))


@check("object_collectives")
def _objects():
    objs = [{"lr": 0.1, "rank": R()}, "run"] if R() == 0 else [None, None]
    dist.broadcast_object_list(objs, src=0)
    assert objs == [{"lr": 0.1, "rank": 0}, "run"]
    everyone = [None] * W()
    dist.all_gather_object(everyone, ("rank", R()))
    assert everyone == [("rank", r) for r in range(W())]
    gathered = [None] * W() if R() == 0 else None
    dist.gather_object(R() * 2, gathered, dst=0)
    if R() == 0:
        assert gathered == [2 * r for r in range(W())]
    out = [None]
    dist.scatter_object_list(out, [f"for {r}" for r in range(W())] if R() == 0 else None, src=0)
    assert out == [f"for {R()}"]
    if W() > 1 and R() < 2:
        if R() == 0:
            dist.send_object_list([{"a": 1}, [2]], dst=1)
        else:
            got = [None, None]
            assert dist.recv_object_list(got, src=0) == 0 and got == [{"a": 1}, [2]]


@check("new_group_subset")
def _group():
    g = dist.new_group([W() - 1])
    if R() == W() - 1:
        assert dist.get_rank(g) == 0 and dist.get_world_size(g) == 1
        assert dist.get_process_group_ranks(g) == [W() - 1] and dist.get_global_rank(g, 0) == W() - 1
        t = reograd.ones(2)
        dist.all_reduce(t, group=g)
        close(t, np.ones(2, np.float32))
    else:
        assert g is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(g) == -1
        assert dist.all_reduce(reograd.ones(2), group=g) is None   # not a member: nothing to do
    every = dist.new_group()
    t = reograd.tensor([1.0])
    dist.all_reduce(t, group=every)
    close(t, np.array([W()], np.float32))
    dist.destroy_process_group(every)


@check("barriers")
def _barriers():
    dist.barrier()
    dist.barrier(async_op=True).wait()
    dist.monitored_barrier(timeout=60)


@check("world_info")
def _info():
    assert dist.is_initialized() and dist.is_available() and dist.is_mpi_available()
    assert dist.get_backend() == "mpi" and dist.get_world_size() == int(os.environ.get("PMI_SIZE", W()))
    assert dist.group.WORLD is dist.GroupMember.WORLD and dist.group.WORLD.size() == W()


def _raises(fn, *words):
    try:
        fn()
    except (RuntimeError, ValueError, TypeError) as e:
        msg = str(e)
        missing = [w for w in words if w not in msg]
        assert not missing, f"message lacks {missing}: {msg}"
        return
    raise AssertionError("no error raised")


@check("error_mismatched_shapes")
def _mismatch_shape():
    _raises(lambda: dist.all_reduce(reograd.zeros(3 + R())), "all_reduce", "rank 0", "(3,)")
    if W() > 1:
        _raises(lambda: dist.all_reduce(reograd.zeros(3 + R())), "rank 1", "(4,)")


@check("error_mismatched_dtypes")
def _mismatch_dtype():
    dt = reograd.float64 if R() == 0 else reograd.float32
    _raises(lambda: dist.broadcast(reograd.zeros(3, dtype=dt), src=0), "broadcast", "float64")


@check("error_mismatched_collectives")
def _mismatch_kind():
    if R() == 0:
        _raises(lambda: dist.all_reduce(reograd.zeros(2)), "all_reduce", "disagree")
    else:
        _raises(lambda: dist.barrier(), "barrier", "disagree")


@check("error_mismatched_splits")
def _mismatch_splits():
    if W() != 2:
        return
    out = reograd.zeros(4)
    # every rank expects 2 elements from each rank, but rank 0 sends 1 and 3
    splits = [1, 3] if R() == 0 else [2, 2]
    _raises(lambda: dist.all_to_all_single(out, reograd.zeros(4), [2, 2], splits), "all_to_all_single",
            "rank 0: sends [1, 3]")


@check("error_recv_size")
def _recv_size():
    if W() < 2:
        return
    if R() == 0:
        dist.send(reograd.zeros(5), dst=1)
    elif R() == 1:
        _raises(lambda: dist.recv(reograd.zeros(3), src=0), "recv", "rank 0 sent 20 bytes", "3 elements")


@check("error_user_mistakes")
def _mistakes():
    _raises(lambda: dist.all_reduce(np.zeros(3)), "all_reduce", "Tensor", "ndarray")
    _raises(lambda: dist.all_reduce(reograd.zeros(3, dtype=reograd.int64), op=dist.ReduceOp.AVG),
            "AVG", "floating-point", "int64")
    _raises(lambda: dist.broadcast(reograd.zeros(2)), "broadcast", "src")
    _raises(lambda: dist.broadcast(reograd.zeros(2), src=W() + 3), "broadcast", "not part of the group")
    _raises(lambda: dist.all_gather([reograd.zeros(2)] * (W() + 1), reograd.zeros(2)), "all_gather",
            "one tensor per rank")
    _raises(lambda: dist.send(reograd.zeros(2), dst=R()), "send", "should not be the same")
    _raises(lambda: dist.new_group([0, W()]), "new_group", "out of range")
    if W() > 1:
        kw = {"gather_list": [reograd.zeros(2)] * W()} if R() != 0 else {}
        _raises(lambda: dist.gather(reograd.zeros(2), dst=0, **kw),
                "gather_list" if R() == 0 else "must NOT be specified")
    _raises(lambda: dist.init_process_group(), "twice")


@check("differentiable_all_reduce_and_all_gather")
def _autograd():
    x = reograd.tensor(data(R(), np.float64), requires_grad=True)
    y = dfn.all_reduce(x)                                   # sum over ranks, on every rank
    (y * (R() + 1)).sum().backward()                        # rank k's loss weighs the sum by k + 1
    close(x.grad, np.full(SHAPE, sum(k + 1 for k in range(W())), np.float64))
    x.grad = None
    parts = dfn.all_gather(x)
    assert len(parts) == W()
    close(parts[W() - 1], data(W() - 1, np.float64))
    sum((p * (j + 1) * (R() + 1)) for j, p in enumerate(parts)).sum().backward()
    # d/dx_i of sum_k (k + 1)(i + 1) x_i summed over k
    close(x.grad, np.full(SHAPE, (R() + 1) * sum(k + 1 for k in range(W())), np.float64))


if __name__ == "__main__":
    from _harness import run_checks

    run_checks(CHECKS, set(sys.argv[1:]) or None)
