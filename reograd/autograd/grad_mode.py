"""Grad modes: whether operations record a graph (``no_grad``, ``enable_grad``, ``inference_mode``).

The flags live in one small object read on every op, so that checking them costs one attribute
lookup. Each class works as a context manager and as a decorator, with or without parentheses
(``@no_grad`` and ``@no_grad()``), as PyTorch's do.
"""
from __future__ import annotations

import functools
import inspect
import weakref


class _State:
    __slots__ = ("grad_enabled", "inference", "anomaly", "anomaly_check_nan", "fw_level")

    def __init__(self):
        self.grad_enabled = True
        self.inference = False
        self.anomaly = False
        self.anomaly_check_nan = True
        self.fw_level = -1  # innermost active forward-AD level; -1: none


state = _State()

# tensors given a forward-mode tangent at the current level (weakly): leaving the level drops them
_duals = []


def track_tangent(t):
    """Remember that ``t`` holds a tangent (``t._fw_grad``) of the current forward-AD level."""
    _duals.append(weakref.ref(t))


def drop_tangents():
    """Forget every tangent of the current level (``forward_ad.exit_dual_level``)."""
    for ref in _duals:
        t = ref()
        if t is not None:
            t._fw_grad = None
    _duals.clear()


class _DecoratorContextManager:
    """Base: ``with cm():`` and ``@cm()`` / ``@cm`` on functions and generator functions."""

    def __new__(cls, *args, **kwargs):
        # ``@no_grad`` without parentheses hands the function to the constructor
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], bool):
            self = super().__new__(cls)
            self.__init__()
            return self(args[0])
        return super().__new__(cls)

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def gen_wrapper(*args, **kwargs):
                gen = func(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        gen.close()
                        raise
                    with self.clone():
                        try:
                            response = gen.send(request)
                        except StopIteration as e:
                            return e.value
            return gen_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_DecoratorContextManager):
    """Context/decorator in which operations record no graph: results have ``requires_grad=False``.

    >>> with reograd.no_grad():
    ...     y = x * 2          # y.requires_grad is False even if x requires grad
    """

    def __enter__(self):
        self.prev = state.grad_enabled
        state.grad_enabled = False

    def __exit__(self, *exc):
        state.grad_enabled = self.prev


class enable_grad(_DecoratorContextManager):
    """Context/decorator that turns graph recording back on inside ``no_grad``."""

    def __enter__(self):
        self.prev = state.grad_enabled
        state.grad_enabled = True

    def __exit__(self, *exc):
        state.grad_enabled = self.prev


class set_grad_enabled(_DecoratorContextManager):
    """``set_grad_enabled(mode)``: sets grad mode at once (as a function) or within a ``with`` block."""

    def __new__(cls, mode=True):
        return object.__new__(cls)

    def __init__(self, mode=True):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be a bool, got {type(mode).__name__}")
        self.prev = state.grad_enabled
        self.mode = mode
        state.grad_enabled = mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        state.grad_enabled = self.prev

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """Like ``no_grad``, for inference; tensors made inside are marked as inference tensors."""

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            self = object.__new__(cls)
            self.__init__(True)
            return self(mode)
        return object.__new__(cls)

    def __init__(self, mode=True):
        self.mode = mode

    def __enter__(self):
        self.prev = (state.grad_enabled, state.inference)
        if self.mode:
            state.grad_enabled = False
            state.inference = True

    def __exit__(self, *exc):
        state.grad_enabled, state.inference = self.prev

    def clone(self):
        return self.__class__(self.mode)


def is_grad_enabled():
    """True when operations record a graph for backward."""
    return state.grad_enabled


def is_inference_mode_enabled():
    """True inside ``inference_mode()`` (no graph is recorded and new tensors are inference tensors)."""
    return state.inference
