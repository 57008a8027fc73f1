"""Hook machinery of ``Module``: removable handles, global forward hooks, full backward hooks, and
the named tuple ``load_state_dict`` returns."""
from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple

from ...autograd.function import Function
from ...autograd.tensor import Tensor

_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_always_called = {}


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods: ``handle.remove()`` unregisters the hook
    (also usable as a context manager)."""

    _next_id = itertools.count()

    def __init__(self, hooks_dict, *extra_dicts):
        self.id = next(RemovableHandle._next_id)
        self.hooks_dict_refs = [hooks_dict, *extra_dicts]

    def remove(self):
        for d in self.hooks_dict_refs:
            if self.id in d:
                del d[self.id]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_module_forward_pre_hook(hook):
    """A forward pre-hook run by every module, before its own (``hook(module, args)``)."""
    h = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[h.id] = hook
    return h


def register_module_forward_hook(hook, *, always_call=False):
    """A forward hook run by every module, after its own (``hook(module, args, output)``)."""
    h = RemovableHandle(_global_forward_hooks, _global_forward_hooks_always_called)
    _global_forward_hooks[h.id] = hook
    if always_call:
        _global_forward_hooks_always_called[h.id] = True
    return h


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


# ---------------------------------------------------------------------- full backward hooks
class _BackwardHookFunction(Function):
    """Identity on a group of tensors; its backward hands their gradients to a callback."""

    @staticmethod
    def forward(ctx, callback, *tensors):
        ctx.callback = callback
        outs = tuple(t.detach() for t in tensors)  # new tensors (views of the same data)
        return outs if len(outs) > 1 else outs[0]

    @staticmethod
    def backward(ctx, *grads):
        new = ctx.callback(grads)
        if new is not None:
            grads = tuple(new)
        return (None, *grads)


class _BackwardHookState:
    """Wraps a module call so that its full backward (pre-)hooks see grad_output and grad_input."""

    def __init__(self, module, args):
        self.module = module
        self.args = args
        self.n_inputs = 0
        self.input_pos = []
        self.grad_output = None

    @classmethod
    def setup_input(cls, module, args):
        st = cls(module, args)
        from ...autograd.grad_mode import is_grad_enabled  # noqa: PLC0415

        pos = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        st.input_pos = pos
        st.n_args = len(args)
        if pos and is_grad_enabled():
            res = _BackwardHookFunction.apply(st._on_grad_input, *[args[i] for i in pos])
            res = res if isinstance(res, tuple) else (res,)
            args = list(args)
            for i, r in zip(pos, res):
                args[i] = r
            args = tuple(args)
        return args, st

    def _on_grad_output(self, grads):
        self.grad_output = grads
        for hook in self.module._backward_pre_hooks.values():
            res = hook(self.module, grads)
            if res is not None:
                grads = tuple(res) if isinstance(res, (tuple, list)) else (res,)
        self.grad_output = grads
        if not self.input_pos:  # no input requires grad: the hooks run now, with grad_input None
            gi = (None,) * max(self.n_args, 1)
            for hook in self.module._backward_hooks.values():
                hook(self.module, gi, self.grad_output)
        return grads

    def _on_grad_input(self, grads):
        full = [None] * self.n_args
        for i, g in zip(self.input_pos, grads):
            full[i] = g
        full = tuple(full)
        changed = False
        for hook in self.module._backward_hooks.values():
            res = hook(self.module, full, self.grad_output)
            if res is not None:
                full = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                changed = True
        if changed:
            return tuple(full[i] for i in self.input_pos)
        return None

    def setup_output(self, result):
        from ...autograd.grad_mode import is_grad_enabled  # noqa: PLC0415

        single = isinstance(result, Tensor)
        outs = (result,) if single else result
        if not isinstance(outs, tuple) or not is_grad_enabled():
            return result
        pos = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        if not pos:
            return result
        res = _BackwardHookFunction.apply(self._on_grad_output, *[outs[i] for i in pos])
        res = res if isinstance(res, tuple) else (res,)
        outs = list(outs)
        for i, r in zip(pos, res):
            outs[i] = r
        return outs[0] if single else tuple(outs)
