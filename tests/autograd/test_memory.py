"""No leaks in training: live graph nodes and array memory stay flat step to step; backward frees saved data."""
import gc
import tracemalloc
import weakref

import numpy as np

import reograd
from reograd.autograd.graph import Node
from reograd.autograd.saved import FREED as _FREED


def _live_nodes():
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Node))


def _setup():
    rng = np.random.default_rng(0)
    X = reograd.tensor(rng.standard_normal((32, 4)).astype(np.float32))
    Y = reograd.tensor((X.numpy()[:, :1] * 2 - X.numpy()[:, 1:2]).astype(np.float32))
    W1 = reograd.tensor(rng.standard_normal((4, 16)).astype(np.float32) * 0.5, requires_grad=True)
    b1 = reograd.zeros(16, requires_grad=True)
    W2 = reograd.tensor(rng.standard_normal((16, 1)).astype(np.float32) * 0.5, requires_grad=True)
    b2 = reograd.zeros(1, requires_grad=True)
    return X, Y, [W1, b1, W2, b2]


def _step(X, Y, params, lr=0.05):
    W1, b1, W2, b2 = params
    h = reograd.tanh(reograd.matmul(X, W1) + b1)
    pred = reograd.relu(reograd.matmul(h, W2) + b2) + reograd.matmul(h, W2) * 0.1
    loss = ((pred - Y) ** 2).mean()
    loss.backward()
    with reograd.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss.item()


def test_training_loop_is_flat():
    X, Y, params = _setup()
    first = _step(X, Y, params)
    for _ in range(200):
        _step(X, Y, params)
    base_nodes = _live_nodes()
    tracemalloc.start()
    try:
        for _ in range(100):
            _step(X, Y, params)
        gc.collect()
        mem_a = tracemalloc.get_traced_memory()[0]
        for _ in range(400):
            _step(X, Y, params)
        gc.collect()
        mem_b = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    for _ in range(1300):
        last = _step(X, Y, params)
    assert _live_nodes() == base_nodes          # no graph nodes survive a step
    assert mem_b - mem_a < 64 * 1024, (mem_a, mem_b)  # no growth over 400 steps (bytes)
    assert last < first                         # and it trains


def test_backward_frees_saved_tensors():
    x = reograd.randn(8, 4)
    W = reograd.randn(4, 3, requires_grad=True)
    h = reograd.matmul(x, W).tanh()
    y = (h * h).sum()
    nodes = []
    stack = [y.grad_fn]
    while stack:
        n = stack.pop()
        nodes.append(n)
        stack.extend(e[0] for e in n.next_functions if e is not None)
    holders = [n for n in nodes if n.__dict__.get("_saved") not in (None, _FREED)]
    assert holders  # tanh, mul and matmul saved data
    ref = weakref.ref(h.grad_fn._saved[0].data if hasattr(h.grad_fn._saved[0], "data") else h._data)
    y.backward()
    assert all(n._saved is _FREED for n in holders)
    del y, h, holders, nodes, n, stack
    gc.collect()
    assert ref() is None  # the tanh output array is gone once nothing refers to it


def test_retain_graph_keeps_saved_tensors():
    W = reograd.randn(3, requires_grad=True)
    y = (W.exp() * W).sum()
    y.backward(retain_graph=True)
    y.backward()  # second pass works
    np.testing.assert_allclose(W.grad.numpy(), 2 * (np.exp(W.detach().numpy()) * (1 + W.detach().numpy())), rtol=1e-5)


def test_graph_dies_with_output_without_backward():
    before = _live_nodes()
    W = reograd.randn(5, requires_grad=True)
    for _ in range(50):
        loss = (W.sin() * 2).sum()
    del loss
    assert _live_nodes() <= before + 1
