"""Demos run from the command line (``reograd demo``)."""
from __future__ import annotations


def autodiff_example():
    """The notes' reverse-mode example: e = (a + b) * (b + 1) at a = 2, b = 1 gives de/da = 2, de/db = 5."""
    import reograd

    a = reograd.tensor(2.0, requires_grad=True)
    b = reograd.tensor(1.0, requires_grad=True)
    c = a + b
    d = b + 1
    e = c * d
    e.backward()
    print(f"e = (a + b) * (b + 1) at a = 2, b = 1: e = {e.item():g}")
    print(f"a.grad = {a.grad.item():g}")
    print(f"b.grad = {b.grad.item():g}")
