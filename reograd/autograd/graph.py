"""The backward graph's pieces that need no Tensor: nodes, the leaf node, hook handles, sequence numbers.

A node is what ``tensor.grad_fn`` holds: it has one edge ``(node, output_nr)`` per input in
``next_functions`` (None where an input needs no gradient) and, once run by the engine, sends
one gradient along each edge. ``AccumulateGrad`` is the node of a leaf: it adds what it receives
into ``variable.grad``. Every Function instance is also a Node (see ``function.py``).
"""
from __future__ import annotations

import itertools


class RemovableHandle:
    """Returned by every ``register_*hook`` (tensors, nodes, modules, optimizers): ``handle.remove()``
    unregisters the hook; also a context manager. As ``torch.utils.hooks.RemovableHandle``.

    Hooks live in dicts keyed by the handle's ``id``, in registration order::

        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
    """

    __slots__ = ("id", "hooks_dict_refs")
    _next_id = itertools.count()

    def __init__(self, hooks_dict, *extra_dicts):
        self.id = next(RemovableHandle._next_id)
        self.hooks_dict_refs = (hooks_dict,) + extra_dicts

    def remove(self):
        """Unregister the hook (a second call does nothing)."""
        for d in self.hooks_dict_refs:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(hooks, hook):
    """Register ``hook`` in the dict ``hooks``; returns its handle."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


# Nodes are numbered in creation order (``node._seq = next(sequence)``): among the nodes ready to
# run, the engine runs the latest first, a valid reverse topological order.
sequence = itertools.count(1)


class Node:
    """A node of the backward graph. ``next_functions``: one ``(node, output_nr)`` per input."""

    next_functions = ()
    _n_outputs = 1
    _seq = 0
    _saved = None
    _materialize_grads = False
    _tensor_hooks = None    # {output_nr: {id: hook}} for hooks on the node's output tensors
    _retain = None          # {output_nr: weakref(tensor)} for retain_grad
    _post_hooks = None      # {id: hook(grad_inputs, grad_outputs)}
    _node_pre_hooks = None  # {id: hook(grad_outputs)}

    def name(self):
        """The node's name as PyTorch prints it (``MulBackward0``, ``AccumulateGrad``...)."""
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` runs after this node's backward; may return new grad_inputs."""
        if self.__dict__.get("_post_hooks") is None:
            self._post_hooks = {}
        return add_hook(self._post_hooks, hook)

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` runs before this node's backward; may return new grad_outputs."""
        if self.__dict__.get("_node_pre_hooks") is None:
            self._node_pre_hooks = {}
        return add_hook(self._node_pre_hooks, hook)


class AccumulateGrad(Node):
    """The graph node of a leaf tensor: adds the incoming gradient into ``variable.grad``."""

    # The highest priority, as in PyTorch: a leaf's gradient is accumulated (and its hooks run) as soon
    # as it is complete, not after the rest of backward (DistributedDataParallel's overlap needs this)
    _seq = 2 ** 62

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"
