"""The block/thread engine under the element-wise optimizers (reograd/optim/_foreach.py): cutting the
arrays in blocks and sharing the blocks out to threads must not change a single bit of the result."""
import os
import pickle
import threading

import numpy as np
import pytest

import reograd
import reograd.optim as optim
from reograd.optim import _foreach

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.02, momentum=0.5, dampening=0.3, maximize=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1, maximize=True)),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, eps=1e-5)),
    ("RMSprop", dict(lr=0.001, momentum=0.9, centered=True, maximize=True)),
    ("RMSprop", dict(lr=0.001, alpha=0.9, weight_decay=0.1, eps=1e-3)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.5)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1, maximize=True)),
]
SHAPES = [(), (3,), (37, 5), (1000,), (64, 33)]


def _ids(c):
    return c[0] + "-" + "-".join(f"{k}={v}" for k, v in c[1].items())


def _run(name, kwargs, dtype="float32", steps=4, shapes=SHAPES, order="C", strided_grads=False):
    rng = np.random.RandomState(0)

    def draw(shape):
        a = rng.randn(*shape)
        if dtype.startswith("complex"):
            a = a + 1j * rng.randn(*shape)
        return np.asarray(a, dtype=dtype, order=order)

    ps = [reograd.tensor(draw(s), requires_grad=True) for s in shapes]
    if order == "F":
        for p in ps:
            if p.dim() >= 2:  # (np.asfortranarray makes 0-d arrays 1-d)
                p._data = np.asfortranarray(p._data)
                assert not p._data.flags.c_contiguous
    opt = getattr(optim, name)(ps, **kwargs)
    for _ in range(steps):
        for p, s in zip(ps, shapes):
            g = draw(s)
            if strided_grads and g.ndim == 2:
                wide = np.zeros((s[0], 2 * s[1]), g.dtype)
                wide[:, ::2] = g
                g = wide[:, ::2]  # the same values, in a non-contiguous view
            p.grad = reograd.Tensor._make(g)
        opt.step()
    return ps, opt


def _assert_same(a, b):
    (pa, oa), (pb, ob) = a, b
    for x, y in zip(pa, pb):
        np.testing.assert_array_equal(x.detach().numpy(), y.detach().numpy())
        sx, sy = oa.state[x], ob.state[y]
        assert set(sx) == set(sy)
        for k in sx:
            np.testing.assert_array_equal(sx[k].numpy(), sy[k].numpy(), err_msg=k)


@pytest.fixture
def whole(monkeypatch):
    """The reference: every array updated at once, on the calling thread."""
    def use():
        monkeypatch.setattr(_foreach, "_BLOCK_BYTES", 1 << 40)
        monkeypatch.setattr(_foreach, "_PARALLEL_MIN", 1 << 62)
    return use


@pytest.fixture
def tiny_blocks(monkeypatch):
    """Blocks of 16 bytes (4 float32) and 3 threads from the first element on."""
    def use():
        monkeypatch.setattr(_foreach, "_BLOCK_BYTES", 16)
        monkeypatch.setattr(_foreach, "_PARALLEL_MIN", 0)
        monkeypatch.setattr(_foreach, "_num_threads", lambda: 3)
    return use


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64"])
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_blocks_and_threads_change_no_bit(case, dtype, whole, tiny_blocks):
    whole()
    ref = _run(*case, dtype=dtype)
    tiny_blocks()
    _assert_same(ref, _run(*case, dtype=dtype))


@pytest.mark.parametrize("case", CASES[1::2], ids=[_ids(c) for c in CASES[1::2]])
def test_fortran_ordered_params_and_strided_grads(case, whole, tiny_blocks):
    # an F-ordered parameter cannot be cut in flat blocks: it is updated whole; a strided gradient is
    # copied to a contiguous one (it is only read)
    whole()
    ref = _run(*case)
    tiny_blocks()
    _assert_same(ref, _run(*case, order="F"))
    _assert_same(ref, _run(*case, strided_grads=True))


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.1)),
                                     ("NAdam", dict(lr=0.1)), ("RMSprop", dict(lr=0.01, centered=True))])
def test_parameter_listed_twice_is_updated_twice_in_order(name, kw, tiny_blocks):
    # listed twice, a parameter gets two updates in one step, the second from the first's result:
    # the same as two steps with the same gradient (torch warns; the blocks must not race)
    tiny_blocks()
    g = np.linspace(-1, 1, 40, dtype=np.float32)
    a = reograd.tensor(np.ones(40, np.float32), requires_grad=True)
    b = reograd.tensor(np.ones(40, np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        opt_a = getattr(optim, name)([a, a], **kw)
    opt_b = getattr(optim, name)([b], **kw)
    a.grad, b.grad = reograd.tensor(g.copy()), reograd.tensor(g.copy())
    opt_a.step()
    opt_b.step()
    opt_b.step()
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_worker_exception_propagates(monkeypatch):
    monkeypatch.setattr(_foreach, "_BLOCK_BYTES", 16)
    monkeypatch.setattr(_foreach, "_PARALLEL_MIN", 0)
    monkeypatch.setattr(_foreach, "_num_threads", lambda: 2)
    seen = set()

    def kernel(p, g):
        seen.add(threading.get_ident())
        raise FloatingPointError("boom")

    p, g = np.zeros(64, np.float32), np.ones(64, np.float32)
    with pytest.raises(FloatingPointError, match="boom"):
        _foreach.run([(kernel, 0, p, g, [], False, 0.0, None)])


def test_threads_share_the_blocks(monkeypatch):
    monkeypatch.setattr(_foreach, "_BLOCK_BYTES", 16)
    monkeypatch.setattr(_foreach, "_PARALLEL_MIN", 0)
    monkeypatch.setattr(_foreach, "_num_threads", lambda: 2)
    calls = []
    gate = threading.Barrier(2, timeout=10)

    def kernel(p, g):
        calls.append(threading.get_ident())
        if len(calls) <= 2:
            gate.wait()  # the first two blocks run at once: two threads took one each
        p += g

    p, g = np.zeros(64, np.float32), np.ones(64, np.float32)
    _foreach.run([(kernel, 0, p, g, [], False, 0.0, None)])
    np.testing.assert_array_equal(p, 1)
    assert len(calls) == 16 and len(set(calls)) == 2


def test_num_threads(monkeypatch):
    monkeypatch.setattr(reograd.threads, "_num_threads", None)  # no set_num_threads: the environment decides
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    assert _foreach._num_threads() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # OMP first, as OpenBLAS reads them
    assert _foreach._num_threads() == 1
    monkeypatch.setattr(reograd.threads, "_num_threads", 5)  # as set_num_threads(5) leaves it
    assert _foreach._num_threads() == 5


def test_pool_is_made_again_after_fork(monkeypatch):
    monkeypatch.setattr(_foreach, "_pool", None)
    ex = _foreach._executor(1)
    assert _foreach._executor(1) is ex
    monkeypatch.setattr(_foreach, "_pool", (-1,) + _foreach._pool[1:])  # as a forked child sees it
    ex2 = _foreach._executor(1)
    assert ex2 is not ex and ex2.submit(os.getpid).result() == os.getpid()
    ex.shutdown()
    ex2.shutdown()


def test_plain_sgd_keeps_no_state():
    p = reograd.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = reograd.tensor([1.0, 1.0])
    opt.step()
    assert len(opt.state) == 0 and opt.state_dict()["state"] == {}


def test_old_pickles_without_new_options_still_step():
    # torch added 'maximize' (and Adam's 'decoupled_weight_decay', SGD's 'nesterov') over time
    p = reograd.tensor([1.0, 2.0], requires_grad=True)
    for opt in (optim.Adam([p]), optim.SGD([p], lr=0.1), optim.RAdam([p])):
        state = opt.__getstate__()
        for g in state["param_groups"]:
            g.pop("maximize", None)
            g.pop("nesterov", None)
            g.pop("decoupled_weight_decay", None)
        opt2 = type(opt).__new__(type(opt))
        opt2.__setstate__(pickle.loads(pickle.dumps(state)))
        assert opt2.param_groups[0]["maximize"] is False
        p.grad = reograd.tensor([1.0, 1.0])
        opt2.step()
