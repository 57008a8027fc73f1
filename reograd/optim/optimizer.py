"""``Optimizer``: the base class of every optimizer (``torch.optim.Optimizer``).

An optimizer holds ``param_groups`` (a list of dicts: ``'params'`` plus the group's hyper-parameters,
filled from ``defaults``), and ``state`` (a dict param -> per-parameter state such as momentum
buffers). ``state_dict()`` packs both in PyTorch's layout, with parameters replaced by integer ids
numbered in group order::

    {'state': {0: {'step': tensor(3.), 'exp_avg': tensor(...)}, ...},
     'param_groups': [{'lr': 0.01, ..., 'params': [0, 1]}, ...]}

Subclasses implement ``step(closure=None)``; the updates run on the raw arrays (``p._data``) in
place, outside autograd, and bump each parameter's version counter as ``param.add_`` does in torch.
"""
from __future__ import annotations

import copy
import functools
import warnings
from collections import OrderedDict, defaultdict
from itertools import chain

import numpy as np

from ..autograd.tensor import Tensor
from ._foreach import run

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Singleton marking a hyper-parameter without default (``torch.optim.optimizer.required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    if isinstance(obj, Tensor):
        return {"float32": "reograd.FloatTensor", "float64": "reograd.DoubleTensor"}.get(
            str(obj._data.dtype), "reograd.Tensor")
    t = type(obj)
    mod = t.__module__
    return t.__qualname__ if mod in ("builtins", None) else f"{mod}.{t.__qualname__}"


class _Handle:
    """A handle with ``remove()`` for hooks kept in an OrderedDict (``RemovableHandle``)."""

    _next_id = 0

    def __init__(self, hooks):
        self.hooks = hooks
        self.id = _Handle._next_id
        _Handle._next_id += 1

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _scalar_tensor(value=0.0):
    """A 0-d float32 tensor (the ``'step'`` counters of torch's optimizers)."""
    return Tensor._make(np.array(value, dtype=np.float32))


def _hooked_step(func):
    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        for hook in list(self._optimizer_step_pre_hooks.values()):
            res = hook(self, args, kwargs)
            if res is not None:
                if isinstance(res, tuple) and len(res) == 2:
                    args, kwargs = res
                else:
                    raise RuntimeError(f"{func} must return None or a tuple of (new_args, new_kwargs), "
                                       f"but got {res}.")
        out = func(self, *args, **kwargs)
        self._opt_called = True
        for hook in list(self._optimizer_step_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    wrapper._reograd_hooked = True
    return wrapper


class Optimizer:
    """Base class for all optimizers.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts defining parameter
            groups (each with a ``'params'`` key and optional per-group hyper-parameters).
        defaults (dict): default values of the hyper-parameters (used when a group does not set them).
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        self._patch_step_function()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_typename(params)}")
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def _patch_step_function(self):
        cls = self.__class__
        step = cls.__dict__.get("step")
        if step is None:  # inherited: patch the class that defines it
            for klass in cls.__mro__:
                if "step" in klass.__dict__:
                    cls, step = klass, klass.__dict__["step"]
                    break
        if not getattr(step, "_reograd_hooked", False):
            cls.step = _hooked_step(step)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
                     "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    # ------------------------------------------------------------------ param groups
    def add_param_group(self, param_group):
        """Add a param group (a dict with ``'params'`` and optional options) to ``param_groups``.

        Useful for fine-tuning: unfreeze layers and hand them to the optimizer as training goes.
        Raises ValueError if a parameter is already in another group.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {txt} to the optimizer")
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ gradients / step
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is not None:
                    if set_to_none:
                        p._grad = None
                    else:
                        if g.grad_fn is not None:
                            g = g.detach()
                            p._grad = g
                        else:
                            g._requires_grad = False
                        g._data[...] = 0
                        g._bump_version()

    def step(self, closure=None):
        """Perform one optimization step (implemented by subclasses)."""
        raise NotImplementedError

    @staticmethod
    def _closure_loss(closure):
        if closure is None:
            return None
        from ..autograd.grad_mode import enable_grad  # noqa: PLC0415

        with enable_grad():
            return closure()

    # ------------------------------------------------------------------ hooks
    def register_step_pre_hook(self, hook):
        """``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)`` runs before each ``step``."""
        h = _Handle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[h.id] = hook
        return h

    def register_step_post_hook(self, hook):
        """``hook(optimizer, args, kwargs) -> None`` runs after each ``step``."""
        h = _Handle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[h.id] = hook
        return h

    def _register(self, store, hook, prepend):
        h = _Handle(store)
        store[h.id] = hook
        if prepend:
            store.move_to_end(h.id, last=False)
        return h

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """``hook(optimizer) -> None`` runs before ``state_dict``."""
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """``hook(optimizer, state_dict) -> state_dict or None`` runs after ``state_dict``."""
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """``hook(optimizer, state_dict) -> state_dict or None`` runs before ``load_state_dict``."""
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """``hook(optimizer) -> None`` runs after ``load_state_dict``."""
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ------------------------------------------------------------------ state dict
    def state_dict(self):
        """The optimizer state as a dict ``{'state': {id: {...}}, 'param_groups': [{..., 'params': [ids]}]}``.

        Parameters are replaced by integers, numbered in the order they appear across the groups;
        the state tensors are referenced, not copied (as in torch).
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping = {}
        start = 0

        def pack_group(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            mapping.update({id(p): i for i, p in enumerate(group["params"], start) if id(p) not in mapping})
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        sd = {"state": packed_state, "param_groups": param_groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            res = hook(self, sd)
            if res is not None:
                sd = res
        return sd

    def load_state_dict(self, state_dict):
        """Load a state dict made by ``state_dict()`` (the groups must have the same sizes).

        State tensors are copied and cast to their parameter's dtype (``'step'`` is kept as is);
        the hyper-parameters of each group are replaced by the saved ones.
        """
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            res = hook(self, state_dict)
            if res is not None:
                state_dict = res
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, key=None):
            if not isinstance(value, Tensor) and hasattr(value, "detach") and hasattr(value, "numpy"):
                value = Tensor._make(np.array(value.detach().cpu().numpy()))  # e.g. a torch.Tensor
            if key == "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
                return _scalar_tensor(float(value))  # old-style float step counters
            if isinstance(value, Tensor):
                arr = value._data
                if key != "step" and param._data.dtype.kind in "fc":
                    arr = arr.astype(param._data.dtype, copy=True)
                else:
                    arr = arr.copy()
                return Tensor._make(arr)
            if isinstance(value, np.ndarray):
                return value.copy()
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        self.__setstate__({"state": state,
                           "param_groups": [update_group(g, ng) for g, ng in zip(groups, saved_groups)]})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)


# ---------------------------------------------------------------------- helpers shared by the optimizers
def _bump(p):
    p._bump_version()


def _lerp_(a, b, w, tmp):
    """``a.lerp_(b, w)`` as torch computes it: ``a + w*(b-a)`` for w < 0.5 else ``b - (b-a)*(1-w)``."""
    np.subtract(b, a, out=tmp)
    if w < 0.5:
        tmp *= w
        a += tmp
    else:
        tmp *= (1.0 - w)
        np.subtract(b, tmp, out=a)


def _addcmul_sq_(v, beta, g, tmp):
    """``v.mul_(beta).addcmul_(g, g, value=1-beta)``."""
    v *= beta
    np.multiply(g, g, out=tmp)
    tmp *= (1.0 - beta)
    v += tmp


def _check_lr(lr):
    if isinstance(lr, Tensor):
        if lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        lr = float(lr.item())
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_nonnegative(**values):
    """``ValueError("Invalid <name> value: <v>")`` for the first value that is not >= 0 (or is NaN)."""
    for name, v in values.items():
        if not 0.0 <= _float(v):
            raise ValueError(f"Invalid {name} value: {v}")


def _check_betas(betas):
    for i, b in enumerate(betas[:2]):
        if not 0.0 <= _float(b) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {b}")


def _float(x):
    return float(x.item()) if isinstance(x, Tensor) else float(x)


def _r(a):
    """A complex array viewed as real (``torch.view_as_real`` flattened into the last axis); else ``a``."""
    if a.dtype.kind == "c":
        if not a.flags.c_contiguous:
            raise NotImplementedError("optimizers: complex parameters must be contiguous")
        return a.reshape(-1).view(a.real.dtype)
    return a


class _ElementwiseOptimizer(Optimizer):
    r"""The step loop of the optimizers whose update is element-wise (all but L-BFGS), written once.

    ``step`` runs, for each parameter ``p`` with a gradient ``g``, in each group::

        state = self._state(group, p)            (made by _init_state on the first step; 'step' += 1)
        g = -g                                   if maximize
        p = p * (1 - lr * weight_decay)          if decoupled_weight_decay (AdamW-style)
        g = g + weight_decay * p                 otherwise, if weight_decay != 0 (L2)
        kernel(*scratch, p, g, *buffers)         with (kernel, buffers) = self._update(group, p, state)

    so a subclass states its math and nothing else:

    - ``_update(group, p, state) -> (kernel, buffers)``: the step's scalar coefficients, and a kernel
      that updates ``p`` and its state ``buffers`` (Tensors, passed to the kernel as arrays) in place.
      The kernel gets either the whole arrays or 1-D blocks of them (consecutive slices of the
      flattened arrays, all of one length), so it must be element-wise and update in place (``out=``,
      ``*=``). Complex parameters arrive as real arrays of (re, im) pairs, as torch updates them.
    - ``_scratch``: how many work arrays (of the block's length) the kernel takes first.
    - ``_buffer_names`` (or ``_buffers(group)`` where they depend on the group): the state buffers
      made as zeros on the first step, with ``'step'``; override ``_init_state`` / ``_state`` for
      other state.

    The kernels of all parameters run through :func:`._foreach.run`: in cache-sized blocks, on
    ``_num_threads()`` threads for large models, with results equal to the bit to whole-array code.
    """

    _scratch = 1
    _buffer_names = ()
    # options that older pickles may lack (torch added them later), with their defaults
    _option_defaults = {"maximize": False}

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for name, value in self._option_defaults.items():
                group.setdefault(name, value)

    def _buffers(self, group):
        return self._buffer_names

    def _init_state(self, group, p, state):
        """Fill the (empty) ``state`` of ``p``: a ``'step'`` counter and the zero ``_buffers``."""
        state["step"] = _scalar_tensor(0.0)
        for name in self._buffers(group):
            state[name] = Tensor._make(np.zeros_like(p._data))

    def _state(self, group, p):
        """The state of ``p`` for this step: made on the first one, with its ``'step'`` advanced."""
        state = self.state[p]
        if len(state) == 0:
            self._init_state(group, p, state)
        state["step"]._data += 1
        return state

    def _update(self, group, p, state):
        raise NotImplementedError

    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._closure_loss(closure)
        tasks, params, n_scratch = [], [], self._scratch
        for group in self.param_groups:
            maximize, wd, decay = group["maximize"], _float(group["weight_decay"]), None
            if wd != 0 and group.get("decoupled_weight_decay", False):
                decay, wd = 1 - _float(group["lr"]) * wd, 0.0
            for p in group["params"]:
                if p._grad is None:
                    continue
                kernel, buffers = self._update(group, p, self._state(group, p))
                # complex parameters are updated as (real, imag) pairs, as in torch
                buffers = [_r(b._data) for b in buffers] if buffers else ()
                tasks.append((kernel, n_scratch, _r(p._data), _r(p._grad._data), buffers, maximize, wd, decay))
                params.append(p)
        # a parameter listed twice is updated twice, the second time from the first's result: in order
        run(tasks, serial=len({id(p) for p in params}) < len(params))
        for p in params:
            _bump(p)
        return loss
