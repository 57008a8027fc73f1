"""Anomaly detection, as ``torch.autograd.detect_anomaly`` / ``set_detect_anomaly``.

While on, every graph node remembers the stack of the forward call that created it, and a backward
that produces NaN or Inf raises ``RuntimeError`` naming the node (e.g. ``SqrtBackward0``) and
showing where in the user's code its forward ran.

>>> with reograd.autograd.detect_anomaly():
...     y = reograd.sqrt(x)            # x has a negative entry
...     y.sum().backward()             # RuntimeError: Function 'SqrtBackward0' returned nan values ...
"""
from __future__ import annotations

import os
import warnings

from .grad_mode import _DecoratorContextManager, state as _state

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "user_frames"]

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../reograd


def is_anomaly_enabled():
    """True while anomaly detection is on (``detect_anomaly()`` / ``set_detect_anomaly(True)``)."""
    return _state.anomaly


def is_anomaly_check_nan_enabled():
    """True while anomaly detection also checks every backward output for NaN/Inf (``check_nan=True``)."""
    return _state.anomaly_check_nan


class detect_anomaly(_DecoratorContextManager):
    """Context manager / decorator: record forward stacks and check backward results for NaN/Inf."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only "
                      "be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        self.prev = _state.anomaly
        self.prev_check_nan = _state.anomaly_check_nan
        _state.anomaly = True
        _state.anomaly_check_nan = self.check_nan

    def __exit__(self, *exc):
        _state.anomaly = self.prev
        _state.anomaly_check_nan = self.prev_check_nan

    def clone(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.__class__(self.check_nan)


class set_detect_anomaly:
    """Turn anomaly detection on or off: as a function call or as a context manager."""

    def __init__(self, mode, check_nan=True):
        self.prev = _state.anomaly
        self.prev_check_nan = _state.anomaly_check_nan
        _state.anomaly = bool(mode)
        _state.anomaly_check_nan = check_nan

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state.anomaly = self.prev
        _state.anomaly_check_nan = self.prev_check_nan


def user_frames(stack):
    """The entries of a ``traceback.format_stack()`` list outside reograd itself (the user's code)."""
    keep = [s for s in stack if not _in_package(s)]
    return keep or list(stack)


def _in_package(entry):
    line = entry.lstrip()
    if not line.startswith('File "'):
        return False
    path = line[6:line.index('"', 6)]
    p = os.path.abspath(path)
    return (p.startswith(_PKG + os.sep) and not os.path.basename(p).startswith("test")) \
        or "/_pytest/" in p or "/pluggy/" in p
